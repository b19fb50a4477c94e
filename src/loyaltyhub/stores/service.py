"""Stores: CRUD and the check that ``favorite_stores`` name stores of the club."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.services import services_of
from loyaltyhub.stores.models import Store

SORTABLE = {"id": Store.id, "name": Store.name, "created_at": Store.created_at, "updated_at": Store.updated_at}


def stores_in_club(club_id: int) -> Select[tuple[Store]]:
    """The tenant-filtered base statement."""
    return select(Store).where(in_club(Store, club_id))


def missing_store_ids(session: Session, club_id: int, store_ids: Sequence[int]) -> set[int]:
    """The ids among ``store_ids`` that are not stores of the club."""
    if not store_ids:
        return set()
    found = set(
        session.execute(select(Store.id).where(in_club(Store, club_id), Store.id.in_(list(store_ids)))).scalars()
    )
    return set(store_ids) - found


def list_statement(
    club_id: int,
    *,
    search: str | None = None,
    external_ids: Sequence[str] | None = None,
    sort_by: str = "name",
    sort_direction: str = "asc",
) -> Select[tuple[Store]]:
    statement = stores_in_club(club_id)
    if search:
        statement = statement.where(Store.name.icontains(search.strip(), autoescape=True))
    if external_ids:
        statement = statement.where(Store.external_id.in_(list(external_ids)))
    column = SORTABLE[sort_by]
    return statement.order_by(column.desc() if sort_direction == "desc" else column.asc(), Store.id.asc())


def _flush(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ValidationFailed.at(("external_id",), "taken")


def _check_external_id(session: Session, club_id: int, external_id: str | None, store_id: int | None) -> None:
    if external_id is None:
        return
    statement = select(Store.id).where(in_club(Store, club_id), Store.external_id == external_id)
    if store_id is not None:
        statement = statement.where(Store.id != store_id)
    if session.execute(statement.limit(1)).first():
        raise ValidationFailed.at(("external_id",), "taken")


def create_store(session: Session, club_id: int, *, name: str, external_id: str | None = None) -> Store:
    _check_external_id(session, club_id, external_id, None)
    now = utcnow()
    store = Store(loyalty_club_id=club_id, name=name, external_id=external_id, created_at=now, updated_at=now)
    session.add(store)
    _flush(session)
    return store


def update_store(session: Session, store: Store, changes: dict[str, Any]) -> Store:
    if changes.get("name") is None:
        changes.pop("name", None)
    if "external_id" in changes:
        _check_external_id(session, store.loyalty_club_id, changes["external_id"], store.id)
    for key, value in changes.items():
        setattr(store, key, value)
    store.updated_at = utcnow()
    _flush(session)
    return store


def delete_store(session: Session, store: Store) -> None:
    """Delete the store, after the app's store-removal listeners (members drop it from their favourites)."""
    for listener in services_of(session).store_removal_listeners:
        listener(session, store)
    session.delete(store)
    session.flush()
