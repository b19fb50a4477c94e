"""The console's collections pages: the club's collections in their order, and each collection's offers
in theirs. The form fields become the Collections API's bodies (``CollectionCreate``/``CollectionUpdate``,
``CollectionsOrder``), applied by ``collections.service`` like the API's routes apply them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.collections import service
from loyaltyhub.collections.schemas import CollectionCreate, CollectionOut, CollectionsOrder, CollectionUpdate
from loyaltyhub.console import forms
from loyaltyhub.console.dependencies import FormData
from loyaltyhub.offers import queries
from loyaltyhub.offers.models import Collection, Offer


def in_order(session: Session, access: ClubAccess) -> list[Collection]:
    """The club's collections that are not archived, by position (the API's list)."""
    statement = service.list_collections(access.club_id, with_archived=False, scope=None)
    return list(session.execute(statement).scalars())


def listing(session: Session, access: ClubAccess) -> list[CollectionOut]:
    """:func:`in_order`, as the API presents them (with their offer counts)."""
    return service.present_many(session, access.club_id, in_order(session, access))


def moved(ids: list[int], index: int, step: int) -> list[int]:
    """``ids`` with the one at ``index`` moved ``step`` places (-1 up, +1 down); unchanged at an end."""
    target = index + step
    if not 0 <= index < len(ids) or not 0 <= target < len(ids):
        return list(ids)
    changed = list(ids)
    changed[index], changed[target] = changed[target], changed[index]
    return changed


def body_from_form(form: FormData, access: ClubAccess) -> dict[str, Any]:
    """A collection's body: titles and descriptions in the club's languages, scope and position."""
    body: dict[str, Any] = {}
    for name in ("title", "description"):
        body[name] = {
            lang: form.get(f"{name}.{lang}")
            for lang in forms.languages_of(access.club)
            if form.get(f"{name}.{lang}").strip()
        }
    if "scope" in form:
        body["scope"] = form.get("scope") or None
    if form.get("position").strip():
        body["position"] = forms.integer(form.get("position"))
    return body


def create(session: Session, access: ClubAccess, form: FormData) -> Collection:
    body = forms.parse_model(CollectionCreate, body_from_form(form, access))
    return service.create_collection(session, access.club, body)


def update(session: Session, access: ClubAccess, collection: Collection, form: FormData) -> Collection:
    body = forms.parse_model(CollectionUpdate, body_from_form(form, access))
    return service.update_collection(session, access.club, collection, body)


def reorder(session: Session, access: ClubAccess, form: FormData) -> None:
    ids = [forms.integer(value) for value in form.getlist("collection_ids")]
    service.reorder_collections(session, access.club_id, forms.parse_model(CollectionsOrder, {"collection_ids": ids}))


def offers_in_order(session: Session, access: ClubAccess, collection: Collection) -> list[Offer]:
    """The collection's offers: those in its ``offers_order`` first, in that order, then the others by id."""
    found = {o.id: o for o in session.execute(queries.collection_offers(access.club_id, collection.id)).scalars()}
    ordered = [found.pop(i) for i in collection.offers_order or [] if i in found]
    return ordered + [found[i] for i in sorted(found)]


def order_offers(session: Session, access: ClubAccess, collection: Collection, form: FormData) -> Collection:
    ids = [forms.integer(value) for value in form.getlist("offer_ids")]
    body = forms.parse_model(CollectionUpdate, {"offers_order": ids})
    return service.update_collection(session, access.club, collection, body)


def title_of(collection: Any, club: Any) -> str:
    texts = collection.title or {}
    return str(texts.get(club.default_language) or next(iter(texts.values()), "") or f"#{collection.id}")
