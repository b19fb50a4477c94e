"""Domain validation of an offer's whole state (after a create or a patch is applied).

Every failure is collected into one 422 with the B.7 details tree, so a client sees all problems
of its payload at once. Checks that need the database (stores, audiences, collections, templates)
read only rows of the offer's club: another club's id is simply ``does_not_exist``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import ValidationFailed, details_tree
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.offers.models import Collection
from loyaltyhub.offers.types import scope_of
from loyaltyhub.stores.models import Store

ErrorList = list[tuple[tuple[str | int, ...], str, dict[str, Any]]]

# Fields of the Offer model that cannot be null (an explicit null in a PATCH is refused).
NON_NULLABLE = (
    "type",
    "status",
    "name",
    "description",
    "collection_ids",
    "usage_authorization_token_required",
    "extras",
    "cms_tag_ids",
)
WINDOWS = (("visible_since", "visible_until"), ("usable_since", "usable_until"))


def raise_if(errors: ErrorList) -> None:
    if errors:
        raise ValidationFailed(details_tree(errors))


def check_localized(errors: ErrorList, field: str, value: dict[str, Any] | None, club: LoyaltyClub) -> None:
    """LocalizedContent keys must be languages of the club (reference B.6)."""
    if not value:
        return
    languages = list(club.languages or [club.default_language])
    for language in value:
        if language not in languages:
            errors.append(((field, language), "inclusion", {"in": languages}))


def check_nulls(errors: ErrorList, patch: dict[str, Any]) -> None:
    for field in NON_NULLABLE:
        if field in patch and patch[field] is None:
            errors.append(((field,), "blank", {}))


def check_windows(errors: ErrorList, state: dict[str, Any]) -> None:
    for since, until in WINDOWS:
        start, end = state.get(since), state.get(until)
        if start is not None and end is not None and end <= start:
            errors.append(((until,), "greater_than_property", {"property": since}))


def check_authorization(errors: ErrorList, state: dict[str, Any]) -> None:
    if state.get("usage_authorization_token_required") and not state.get("usage_authorization_token"):
        errors.append((("usage_authorization_token",), "blank", {}))


def _existing(session: Session, model: Any, club_id: int, ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    statement = select(model.id).where(in_club(model, club_id), model.id.in_(wanted))
    return set(session.execute(statement).scalars())


def check_references(errors: ErrorList, session: Session, club_id: int, patch: dict[str, Any]) -> None:
    """The store and the audience named in ``patch`` belong to the club."""
    for field, model in (("store_id", Store), ("audience_id", MemberGroup)):
        value = patch.get(field)
        if value is not None and not _existing(session, model, club_id, [value]):
            errors.append(((field,), "does_not_exist", {}))


def check_collections(
    errors: ErrorList, session: Session, club_id: int, offer_type: str, collection_ids: list[int]
) -> None:
    """Each collection exists in the club, and a collection destined for a scope takes only offers
    whose type belongs to that scope (seed: Collection.scope, Offers types table)."""
    if not collection_ids:
        return
    rows = session.execute(
        select(Collection.id, Collection.scope).where(
            in_club(Collection, club_id), Collection.id.in_(set(collection_ids))
        )
    ).all()
    scopes = {row.id: row.scope for row in rows}
    type_scope = scope_of(offer_type)
    for index, collection_id in enumerate(collection_ids):
        if collection_id not in scopes:
            errors.append((("collection_ids", index), "does_not_exist", {}))
        elif scopes[collection_id] is not None and scopes[collection_id] != type_scope:
            options = {"scope": scopes[collection_id], "type_scope": type_scope}
            errors.append((("collection_ids", index), "scope_mismatch", options))
