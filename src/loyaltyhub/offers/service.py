"""Business rules of offers management: create, update, clone, archive and the offer's JSON.

Services only flush; the request's session commits. ``uses_count`` and ``grants_count`` are never
written here from client input: the use path (member offers) and the grant path move them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import Tenant, in_club, in_clubs
from loyaltyhub.errors import NotFound
from loyaltyhub.offers import stock as offer_stock
from loyaltyhub.offers import validation
from loyaltyhub.offers.fields import EmbeddedImageTemplate, FileDescriptor, full_shape
from loyaltyhub.offers.models import ImageTemplate, Offer, OfferCollection, parse_id_list
from loyaltyhub.offers.models import collection_ids_of as collection_ids_sql
from loyaltyhub.offers.schemas import ActivationTexts, OfferCreate, OfferFields, OfferOut, OfferUpdate, ReadMore
from loyaltyhub.offers.types import DEFAULT_STATUS, DEFAULT_TYPE
from loyaltyhub.schemas import sent_fields
from loyaltyhub.services import ResourceChange, notify_change, services_of

# Fields copied as they are from the body to the row.
_PLAIN_FIELDS = (
    "type",
    "status",
    "name",
    "description",
    "internal_name",
    "notes",
    "visible_since",
    "visible_until",
    "usable_since",
    "usable_until",
    "store_id",
    "audience_id",
    "campaign_id",
    "external_url",
    "maximum_uses_per_user",
    "maximum_grants_per_user",
    "stock",
    "usable_in_seconds_after_granting",
    "usage_authorization_token",
    "usage_authorization_token_required",
    "external_source",
    "external_master",
    "image_template",
    "read_more",
    "activation_texts",
    "extras",
    "cms_tag_ids",
)
_CREATE_DEFAULTS: dict[str, Any] = {
    "type": DEFAULT_TYPE,
    "status": DEFAULT_STATUS,
    "name": {},
    "description": {},
    "collection_ids": [],
    "usage_authorization_token_required": False,
    "extras": {},
    "cms_tag_ids": [],
}


# --- reading --------------------------------------------------------------------------------------


def collection_ids_of(session: Session, club_id: int, offer_ids: Iterable[int]) -> dict[int, list[int]]:
    ids = list(set(offer_ids))
    result: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return result
    rows = session.execute(
        select(OfferCollection.offer_id, OfferCollection.collection_id)
        .where(in_club(OfferCollection, club_id), OfferCollection.offer_id.in_(ids))
        .order_by(OfferCollection.offer_id, OfferCollection.collection_id)
    )
    for offer_id, collection_id in rows:
        result[offer_id].append(collection_id)
    return result


def present(offer: Offer, collection_ids: Sequence[int]) -> OfferOut:
    return OfferOut(
        id=offer.id,
        type=offer.type,
        status=offer.status,
        name=offer.name or {},
        description=offer.description or {},
        internal_name=offer.internal_name,
        notes=offer.notes,
        usable_since=offer.usable_since,
        usable_until=offer.usable_until,
        visible_since=offer.visible_since,
        visible_until=offer.visible_until,
        collection_ids=list(collection_ids),
        store_id=offer.store_id,
        audience_id=offer.audience_id,
        campaign_id=offer.campaign_id,
        url=offer.url,
        external_url=offer.external_url,
        maximum_uses_per_user=offer.maximum_uses_per_user,
        maximum_grants_per_user=offer.maximum_grants_per_user,
        periodic_usage=offer.periodic_usage,
        stock=offer.stock,
        usable_in_seconds_after_granting=offer.usable_in_seconds_after_granting,
        usage_authorization_token=offer.usage_authorization_token,
        usage_authorization_token_required=offer.usage_authorization_token_required,
        external_source=offer.external_source,
        external_master=offer.external_master,
        image_template=full_shape(EmbeddedImageTemplate, offer.image_template),
        read_more=full_shape(ReadMore, offer.read_more),
        activation_texts=full_shape(ActivationTexts, offer.activation_texts),
        extras=offer.extras or {},
        files=[full_shape(FileDescriptor, f) for f in offer.files or []],
        cms_tag_ids=offer.cms_tag_ids or [],
        created_at=offer.created_at,
        updated_at=offer.updated_at,
        archived_at=offer.archived_at,
        uses_count=offer.uses_count,
        grants_count=offer.grants_count,
    )


def present_one(session: Session, offer: Offer) -> OfferOut:
    return present(offer, collection_ids_of(session, offer.loyalty_club_id, [offer.id]).get(offer.id, []))


# Built once (``GET`` of an offer is a hot read): the tenant's clubs and the offer are given at execution.
_SHOWN_OFFER = select(Offer, collection_ids_sql(Offer.id, Offer.loyalty_club_id)).where(
    in_clubs(Offer, bindparam("club_keys", expanding=True)), Offer.id == bindparam("offer_key")
)


def show_offer(session: Session, tenant: Tenant, offer_id: int) -> OfferOut:
    """One offer of the tenant as shown, its collection ids read in the same query (``GET`` of an offer,
    a hot read: one round trip less than :func:`present_one`); 404 when the club has no such offer."""
    row = session.execute(_SHOWN_OFFER, {"club_keys": list(tenant.club_ids), "offer_key": offer_id}).first()
    if row is None:
        raise NotFound(f"Offer#{offer_id} not found")
    return present(row[0], parse_id_list(row[1]))


def present_many(session: Session, club_id: int, offers: Sequence[Offer]) -> list[OfferOut]:
    links = collection_ids_of(session, club_id, [o.id for o in offers])
    return [present(offer, links.get(offer.id, [])) for offer in offers]


# --- writing --------------------------------------------------------------------------------------


def _patch_of(session: Session, club: LoyaltyClub, body: OfferFields, errors: validation.ErrorList) -> dict[str, Any]:
    """The body's explicitly given fields as column-ready values (nested objects with every key)."""
    patch = sent_fields(body)
    if "periodic_usage" in patch:
        periodic = patch.pop("periodic_usage")
        patch["periodic_usage_timespan"] = periodic["timespan"] if periodic else None
        patch["periodic_usage_limit"] = periodic["limit"] if periodic else None
    template_id = patch.pop("image_template_id", None)
    if template_id is not None:
        if "image_template" in patch:
            errors.append((("image_template_id",), "attribute_cannot_be_present_with", {"with": "image_template"}))
        template = session.execute(
            select(ImageTemplate).where(in_club(ImageTemplate, club.id), ImageTemplate.id == template_id)
        ).scalar_one_or_none()
        if template is None:
            errors.append((("image_template_id",), "does_not_exist", {}))
        else:
            patch["image_template"] = embedded_template(template)
    if patch.get("collection_ids") is not None:
        patch["collection_ids"] = list(dict.fromkeys(patch["collection_ids"]))
    return patch


def embedded_template(template: ImageTemplate) -> dict[str, Any]:
    """The ImageTemplate record as an offer's ``image_template`` (a copy, not a reference)."""
    return {
        "width": template.width,
        "height": template.height,
        "default": template.is_default,
        "rectangles": list(template.rectangles or []),
        "background_url": template.background_url,
    }


def _validate(
    session: Session, club: LoyaltyClub, state: dict[str, Any], patch: dict[str, Any], errors: validation.ErrorList
) -> None:
    validation.check_nulls(errors, patch)
    for field in ("name", "description"):
        if field in patch:
            validation.check_localized(errors, field, patch[field], club)
    validation.check_windows(errors, state)
    validation.check_authorization(errors, state)
    validation.check_references(errors, session, club.id, patch)
    if ("collection_ids" in patch or "type" in patch) and state.get("type"):
        validation.check_collections(errors, session, club.id, state["type"], state.get("collection_ids") or [])
    validation.raise_if(errors)


def _apply(offer: Offer, patch: dict[str, Any]) -> None:
    for field in (*_PLAIN_FIELDS, "periodic_usage_timespan", "periodic_usage_limit"):
        if field in patch:
            setattr(offer, field, patch[field])


def set_collections(session: Session, club_id: int, offer_id: int, collection_ids: Sequence[int]) -> None:
    session.execute(
        delete(OfferCollection).where(in_club(OfferCollection, club_id), OfferCollection.offer_id == offer_id)
    )
    session.add_all(
        OfferCollection(loyalty_club_id=club_id, offer_id=offer_id, collection_id=collection_id)
        for collection_id in collection_ids
    )
    session.flush()


def create_offer(session: Session, club: LoyaltyClub, body: OfferCreate) -> Offer:
    errors: validation.ErrorList = []
    patch = _patch_of(session, club, body, errors)
    for field, default in _CREATE_DEFAULTS.items():
        if patch.get(field) is None:
            patch[field] = default
    _validate(session, club, patch, patch, errors)
    now = utcnow()
    offer = Offer(loyalty_club_id=club.id, created_at=now, updated_at=now)
    _apply(offer, patch)
    session.add(offer)
    session.flush()
    set_collections(session, club.id, offer.id, patch["collection_ids"])
    _announce(session, offer, frozenset(patch))
    _notify(session, offer, "created")
    return offer


def _notify(session: Session, offer: Offer, action: str) -> None:
    """Tell the app's resource listeners (webhooks) about the change, with the offer as the API shows it
    (after :func:`_announce`, so its rendered image is part of it)."""
    data = present_one(session, offer).model_dump(mode="json", by_alias=True)
    notify_change(session, ResourceChange("offer", action, offer.loyalty_club_id, offer.id, utcnow(), data))


def _announce(session: Session, offer: Offer, changed: frozenset[str]) -> None:
    """Tell the app's offer listeners (the image renderer) that the offer changed, and which fields the
    request set (``changed``; empty for a clone)."""
    for listener in services_of(session).offer_listeners:
        listener(session, offer, changed)


def _state_of(session: Session, offer: Offer) -> dict[str, Any]:
    state = {field: getattr(offer, field) for field in _PLAIN_FIELDS}
    state["collection_ids"] = collection_ids_of(session, offer.loyalty_club_id, [offer.id]).get(offer.id, [])
    return state


def update_offer(session: Session, club: LoyaltyClub, offer: Offer, body: OfferUpdate) -> Offer:
    errors: validation.ErrorList = []
    patch = _patch_of(session, club, body, errors)
    state = {**_state_of(session, offer), **patch}
    _validate(session, club, state, patch, errors)
    _apply(offer, patch)
    offer.updated_at = utcnow()
    if "collection_ids" in patch:
        set_collections(session, club.id, offer.id, patch["collection_ids"])
    session.flush()
    if "stock" in patch:
        offer_stock.redistribute(session, offer)
    _announce(session, offer, frozenset(patch))
    _notify(session, offer, "updated")
    return offer


def clone_offer(session: Session, offer: Offer) -> Offer:
    """A draft copy with the same content and collections, without counters, grants or archive mark."""
    now = utcnow()
    copy = Offer(loyalty_club_id=offer.loyalty_club_id, created_at=now, updated_at=now)
    for field in (*_PLAIN_FIELDS, "periodic_usage_timespan", "periodic_usage_limit"):
        setattr(copy, field, getattr(offer, field))
    copy.status = "draft"
    copy.grants_count = 0
    copy.archived_at = None
    session.add(copy)
    session.flush()
    links = collection_ids_of(session, offer.loyalty_club_id, [offer.id]).get(offer.id, [])
    set_collections(session, offer.loyalty_club_id, copy.id, links)
    _announce(session, copy, frozenset())
    _notify(session, copy, "created")
    return copy


def archive_offer(session: Session, offer: Offer, now: datetime | None = None) -> Offer:
    """Archive once: archiving an archived offer keeps its original ``archived_at``."""
    if offer.archived_at is None:
        offer.archived_at = now or utcnow()
        session.flush()
        _notify(session, offer, "archived")
    return offer
