"""Rendering offer images: merge values from the offer, the background from the Files API, the PNG stored
as the offer's ``offer_default`` file.

A background is read only from this club's files (``/v3/:slug/files/:id/content``): a self-hosted server
does not fetch arbitrary URLs (they may be offline, slow, or internal addresses). Any other
``background_url`` is left out and said so in the notes, like a font that had to be substituted.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.errors import NotFound, ValidationFailed
from loyaltyhub.files import service as files
from loyaltyhub.offers.models import Collection, Offer, OfferCollection
from loyaltyhub.storage import Storage
from loyaltyhub.stores.models import Store

if TYPE_CHECKING:
    from PIL import Image

    from loyaltyhub.offer_images.render import Rendered

MAX_BACKGROUND_PIXELS = 4000 * 4000
log = logging.getLogger(__name__)


def _text(value: Any, club: LoyaltyClub) -> str:
    """A translated text in the club's default language (else its first language present)."""
    if isinstance(value, dict):
        chosen = value.get(club.default_language) or next((v for v in value.values() if v), "")
        return str(chosen or "")
    return str(value or "")


def merge_values(session: Session, club: LoyaltyClub, offer: Offer) -> dict[str, str]:
    """``{{name}}``, ``{{description}}``, ``{{collection}}`` (the first collection) and ``{{stores}}`` (the
    offer's store; several would be joined with commas)."""
    collection = session.execute(
        select(Collection.title)
        .join(OfferCollection, OfferCollection.collection_id == Collection.id)
        .where(
            in_club(OfferCollection, club.id),
            same_club(Collection, OfferCollection),
            OfferCollection.offer_id == offer.id,
        )
        .order_by(Collection.position, Collection.id)
        .limit(1)
    ).scalar_one_or_none()
    stores = []
    if offer.store_id is not None:
        stores = list(
            session.execute(select(Store.name).where(in_club(Store, club.id), Store.id == offer.store_id)).scalars()
        )
    return {
        "name": _text(offer.name, club),
        "description": _text(offer.description, club),
        "collection": _text(collection, club) if collection is not None else "",
        "stores": ", ".join(stores),
    }


def background_of(
    session: Session, storage: Storage, club: LoyaltyClub, url: str | None
) -> tuple[Image.Image | None, list[str]]:
    if not url:
        return None, []
    from PIL import Image, UnidentifiedImageError  # Pillow is loaded by the first rendering

    record = files.file_of_url(session, club, url)
    if record is None:
        return None, [f"background_url {url} was not fetched: only this club's files are read (upload it)"]
    if (record.width or 0) * (record.height or 0) > MAX_BACKGROUND_PIXELS:
        raise ValidationFailed.at(("image_template", "background_url"), "too_large", max_pixels=MAX_BACKGROUND_PIXELS)
    try:
        with storage.open(record.storage_key) as stream:
            image = Image.open(stream)
            image.load()
    except (UnidentifiedImageError, OSError):
        raise ValidationFailed.at(("image_template", "background_url"), "invalid_image")
    return image, []


def render_for(
    session: Session,
    storage: Storage,
    club: LoyaltyClub,
    fonts_dir: str,
    template: dict[str, Any],
    offer: Offer | None,
) -> Rendered:
    """The template drawn for ``offer`` (merge fields left as written without one)."""
    from loyaltyhub.offer_images.fonts import FontDir
    from loyaltyhub.offer_images.render import render

    background, notes = background_of(session, storage, club, template.get("background_url"))
    values = merge_values(session, club, offer) if offer is not None else None
    rendered = render(template, values, fonts=FontDir(Path(fonts_dir)), background=background)
    rendered.notes[:0] = notes
    return rendered


def offer_or_404(session: Session, club: LoyaltyClub, offer_id: int) -> Offer:
    offer = session.execute(select(Offer).where(in_club(Offer, club.id), Offer.id == offer_id)).scalar_one_or_none()
    if offer is None:
        raise NotFound(f"Offer#{offer_id} not found")
    return offer


class OfferImageRenderer:
    """The offer listener that renders an offer's ``image_template`` and stores the PNG as its active
    ``offer_default`` file (reference C.8), in the transaction of the change. A template that cannot be
    drawn refuses a change that sets it (422); an offer saved before rendering existed, whose stored
    template cannot be drawn, keeps its image when other fields change (logged), so it stays editable.
    The same image again is not stored twice."""

    def __init__(self, storage: Storage, fonts_dir: str) -> None:
        self.storage = storage
        self.fonts_dir = fonts_dir

    def __call__(self, session: Session, offer: Offer, changed: frozenset[str] = frozenset({"image_template"})) -> None:
        if not offer.image_template:
            return
        club = session.get(LoyaltyClub, offer.loyalty_club_id)
        assert club is not None
        try:
            rendered = render_for(session, self.storage, club, self.fonts_dir, dict(offer.image_template), offer)
        except ValidationFailed:
            if "image_template" in changed:
                raise
            log.warning("offer %s: its stored image_template cannot be drawn; its image is kept", offer.id)
            return
        current = files.active_file(session, club.id, "offers", offer.id, "offer_default")
        if current is not None and current.sha256 == hashlib.sha256(rendered.png).hexdigest():
            return
        template = offer.image_template
        record = files.store_bytes(
            session,
            self.storage,
            club,
            fileable_type="offers",
            fileable_id=offer.id,
            kind="offer_default",
            filename=f"offer-{offer.id}-rendered.png",
            mime_type="image/png",
            data=rendered.png,
            width=template["width"],
            height=template["height"],
        )
        files.activate(session, self.storage, club, record)
