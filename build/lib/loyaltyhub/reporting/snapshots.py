"""Member count snapshots: every 15 minutes the grouped counts of every club are copied, with a total.

``members_count_snapshot`` and ``members_count_history`` read them. :func:`backfill` rebuilds past
snapshots from member history (creation and deletion times) for demo data.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import across_clubs, club_of, in_club
from loyaltyhub.reporting.grouping import TOTAL, TOTAL_VALUE, _as_dict, groupings

SNAPSHOT_INTERVAL_SECONDS = 15 * 60


def take_snapshot(session: Session, now: datetime | None = None) -> int:
    """Copy every club's grouped counts (and its member total) as of ``now``; returns rows written."""
    from loyaltyhub.members.models import Member
    from loyaltyhub.reporting.models import MembersCountSnapshot, MembersGroupedCount

    now = now or utcnow()
    rows: list[dict[str, Any]] = []
    totals = session.execute(
        across_clubs(select(club_of(Member), func.count()).where(Member.deleted_at.is_(None)).group_by(club_of(Member)))
    )
    for club_id, total in totals:
        rows.append(_row(club_id, now, TOTAL, TOTAL_VALUE, total))
    grouped = session.execute(
        across_clubs(
            select(
                MembersGroupedCount.loyalty_club_id,
                MembersGroupedCount.grouping_type,
                MembersGroupedCount.grouping_value,
                MembersGroupedCount.members_count,
            ).where(MembersGroupedCount.members_count > 0)
        )
    )
    for club_id, kind, value, count in grouped:
        rows.append(_row(club_id, now, kind, value, count))
    if rows:
        session.execute(insert(MembersCountSnapshot), rows)
    return len(rows)


def _row(club_id: int, at: datetime, kind: str, value: str, count: int) -> dict[str, Any]:
    return {
        "loyalty_club_id": club_id,
        "taken_at": at,
        "grouping_type": kind,
        "grouping_value": value,
        "members_count": count,
    }


def backfill(session: Session, club_id: int, start: datetime, end: datetime, step: timedelta) -> int:
    """Snapshots of one club at ``start, start + step, ... < end`` from its members' history.

    A member counts from ``created_at`` until ``deleted_at`` with its current attributes (history of
    attribute changes is not kept, so past groupings are approximated by today's).
    """
    from loyaltyhub.members.models import Member
    from loyaltyhub.reporting.models import MembersCountSnapshot

    members = [_as_dict(m) for m in session.execute(select(Member).where(in_club(Member, club_id))).scalars()]
    events: list[tuple[datetime, int, list[tuple[str, str]]]] = []
    for member in members:
        pairs = [(TOTAL, TOTAL_VALUE), *groupings(member)]
        events.append((member["created_at"], 1, pairs))
        if member["deleted_at"] is not None:
            events.append((member["deleted_at"], -1, pairs))
    events.sort(key=lambda e: e[0])
    counts: Counter[tuple[str, str]] = Counter()
    rows: list[dict[str, Any]] = []
    index = 0
    at = start
    while at < end:
        while index < len(events) and events[index][0] <= at:
            _, sign, pairs = events[index]
            for pair in pairs:
                counts[pair] += sign
            index += 1
        rows.extend(_row(club_id, at, kind, value, n) for (kind, value), n in counts.items() if n > 0)
        at += step
    for chunk in range(0, len(rows), 5000):
        session.execute(insert(MembersCountSnapshot), rows[chunk : chunk + 5000])
    return len(rows)
