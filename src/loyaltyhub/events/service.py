"""Ingestion of member events: validate the whole batch, then insert it in one statement per chunk.

A batch is all or nothing: any invalid event refuses the request with 422 and the details of every
invalid event (``events.<n>.<key>``), and nothing is written. Duplicates (a ``client_event_id`` the club
already has, also one inserted by a concurrent request) are skipped by the unique key and reported as
``duplicate`` with the id of the event stored first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.db.dialect import among, insert_ignore_returning
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import ValidationFailed, details_tree
from loyaltyhub.events import rules
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.events.schemas import EventIn
from loyaltyhub.events.types import EVENT_TYPES, adapter
from loyaltyhub.http.errors import symbol_for
from loyaltyhub.members.models import Member
from loyaltyhub.services import notify_events

CHUNK = 1000
Problem = tuple[tuple[str | int, ...], str, dict[str, Any]]


@dataclass(frozen=True)
class Incoming:
    """One event to store: the member it is about and what the client sent."""

    member_id: int
    event: EventIn


@dataclass(frozen=True)
class Ingested:
    id: int
    client_event_id: str
    created: bool


def _data_problems(index: int, event: EventIn) -> tuple[dict[str, Any], list[Problem]]:
    try:
        model = adapter(event.type).validate_python(event.data or {})
    except ValidationError as error:
        problems: list[Problem] = []
        for item in error.errors():
            symbol, options = symbol_for(dict(item))
            problems.append((("events", index, "data", *item["loc"]), symbol, options))
        return {}, problems
    return model.model_dump(mode="json", exclude_none=True), []


def validate(batch: Sequence[Incoming], now: datetime, *, known_members: set[int] | None) -> list[dict[str, Any]]:
    """The rows to insert, or 422 naming every problem of the batch. ``known_members``: the members of the
    club among those named (None when the route already resolved the one member)."""
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(batch):
        event = item.event
        if known_members is not None and item.member_id not in known_members:
            problems.append((("events", index, "member_id"), "not_found", {}))
        refused = rules.type_error(event.type)
        if refused is not None:
            problems.append((("events", index, "type"), *refused))
            continue
        occurred_at = event.occurred_at or now
        late = rules.occurred_at_error(occurred_at, now)
        if late is not None:
            problems.append((("events", index, "occurred_at"), *late))
        data, data_problems = _data_problems(index, event)
        problems.extend(data_problems)
        rows.append(
            {
                "member_id": item.member_id,
                "type": event.type,
                "client_event_id": event.client_event_id,
                "occurred_at": occurred_at,
                "data": data,
            }
        )
    if problems:
        raise ValidationFailed(details_tree(problems))
    return rows


def live_member_ids(session: Session, club_id: int, member_ids: set[int]) -> set[int]:
    """Those of ``member_ids`` that are live members of the club."""
    found: set[int] = set()
    ids = sorted(member_ids)
    for start in range(0, len(ids), CHUNK):
        found.update(
            session.execute(
                select(Member.id).where(
                    in_club(Member, club_id),
                    among(session, Member.id, ids[start : start + CHUNK]),
                    Member.deleted_at.is_(None),
                )
            ).scalars()
        )
    return found


def store(
    session: Session, club_id: int, rows: list[dict[str, Any]], *, source: str | None, now: datetime
) -> list[Ingested]:
    """Insert validated rows (skipping client ids the club already has); one result per row, in order."""
    created: dict[str, int] = {}
    stored: list[dict[str, Any]] = []
    for start in range(0, len(rows), CHUNK):
        chunk = [
            {**row, "loyalty_club_id": club_id, "source": source, "received_at": now}
            for row in rows[start : start + CHUNK]
        ]
        by_key: dict[str, dict[str, Any]] = {}
        for row in chunk:
            by_key.setdefault(row["client_event_id"], row)
        for event_id, client_event_id in insert_ignore_returning(
            session,
            MemberEvent.__table__,
            chunk,
            ["loyalty_club_id", "client_event_id"],
            ["id", "client_event_id"],
        ):
            created[client_event_id] = event_id
            row = by_key[client_event_id]
            stored.append(
                {
                    "id": event_id,
                    "member_id": row["member_id"],
                    "type": row["type"],
                    "source": source,
                    "received_at": now,
                    "occurred_at": row["occurred_at"],
                    "data": row["data"],
                }
            )
    notify_events(session, club_id, stored)
    missing = sorted({row["client_event_id"] for row in rows} - created.keys())
    existing: dict[str, int] = {}
    for start in range(0, len(missing), CHUNK):
        existing.update(
            (key, event_id)
            for key, event_id in session.execute(
                select(MemberEvent.client_event_id, MemberEvent.id).where(
                    in_club(MemberEvent, club_id),
                    among(session, MemberEvent.client_event_id, missing[start : start + CHUNK]),
                )
            )
        )
    results: list[Ingested] = []
    first_seen: set[str] = set()
    for row in rows:
        key = row["client_event_id"]
        if key in created and key not in first_seen:
            first_seen.add(key)
            results.append(Ingested(created[key], key, True))
        else:
            results.append(Ingested(created.get(key) or existing[key], key, False))
    return results


def ingest(
    session: Session,
    club_id: int,
    batch: Sequence[Incoming],
    *,
    source: str | None,
    now: datetime,
    member_resolved: bool = False,
) -> list[Ingested]:
    """Validate and store a batch of events of the club's members (all or nothing)."""
    known = None if member_resolved else live_member_ids(session, club_id, {item.member_id for item in batch})
    rows = validate(batch, now, known_members=known)
    return store(session, club_id, rows, source=source, now=now)


def record(
    session: Session,
    club_id: int,
    member_id: int,
    event_type: str,
    data: dict[str, Any],
    *,
    key: str,
    source: str | None = "loyaltyhub",
    occurred_at: datetime,
) -> None:
    """Record an event loyaltyhub produced itself (a listener, in the transaction of the change). ``key``
    makes it unique within the club (e.g. ``offer_used:<usage id>``)."""
    assert EVENT_TYPES[event_type].produced_by == "loyaltyhub", event_type
    payload = adapter(event_type).validate_python(data).model_dump(mode="json", exclude_none=True)
    row = {
        "loyalty_club_id": club_id,
        "member_id": member_id,
        "type": event_type,
        "client_event_id": key[:100],
        "occurred_at": occurred_at,
        "received_at": occurred_at,
        "source": source,
        "data": payload,
    }
    for (event_id,) in insert_ignore_returning(
        session, MemberEvent.__table__, [row], ["loyalty_club_id", "client_event_id"], ["id"]
    ):
        entry = {"id": event_id, "member_id": member_id, "type": event_type, "source": source, "data": payload}
        notify_events(session, club_id, [{**entry, "received_at": occurred_at, "occurred_at": occurred_at}])


def record_many(session: Session, club_id: int, events: list[tuple[int, str, dict[str, Any], str, datetime]]) -> None:
    """:func:`record` for many events of one club, ``(member_id, type, data, key, occurred_at)`` each, in one
    statement, told to the event listeners together."""
    rows = []
    for member_id, event_type, data, key, occurred_at in events:
        assert EVENT_TYPES[event_type].produced_by == "loyaltyhub", event_type
        payload = adapter(event_type).validate_python(data).model_dump(mode="json", exclude_none=True)
        rows.append(
            {
                "loyalty_club_id": club_id,
                "member_id": member_id,
                "type": event_type,
                "client_event_id": key[:100],
                "occurred_at": occurred_at,
                "received_at": occurred_at,
                "source": "loyaltyhub",
                "data": payload,
            }
        )
    inserted = insert_ignore_returning(
        session, MemberEvent.__table__, rows, ["loyalty_club_id", "client_event_id"], ["id", "client_event_id"]
    )
    by_key = {row["client_event_id"]: row for row in rows}
    notify_events(
        session,
        club_id,
        [
            {
                "id": event_id,
                "member_id": by_key[key]["member_id"],
                "type": by_key[key]["type"],
                "source": "loyaltyhub",
                "data": by_key[key]["data"],
                "received_at": by_key[key]["occurred_at"],
                "occurred_at": by_key[key]["occurred_at"],
            }
            for event_id, key in inserted
        ],
    )
