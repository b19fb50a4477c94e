"""Demo step of the reporting domain (see :mod:`loyaltyhub.demo`).

Runs after members and offers: recounts the grouped member counts of every demo club, rebuilds the
member_balance events from member history (creation → ``in``, deletion → ``out``) and backfills member
count snapshots (daily over the demo period, hourly over its last week, then one for now), and
builds the hourly offer usage rollup.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import in_club
from loyaltyhub.reporting import grouping, rollups, snapshots
from loyaltyhub.reporting.balance import balance_row

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext


def load(session: Session, context: DemoContext) -> None:
    from loyaltyhub.members.events import reporting_snapshot
    from loyaltyhub.members.models import Member
    from loyaltyhub.reporting.models import MemberBalanceEvent, MembersCountSnapshot

    now = context.now.replace(second=0, microsecond=0)
    start = now - timedelta(days=context.options.days)
    week_ago = now - timedelta(days=7)
    for club in context.clubs.values():
        grouping.rebuild(session, club.id, now)
        session.execute(delete(MemberBalanceEvent).where(in_club(MemberBalanceEvent, club.id)))
        rows = []
        for member in session.execute(select(Member).where(in_club(Member, club.id))).scalars():
            snapshot = reporting_snapshot(member)
            rows.append(balance_row(snapshot, "in", member.created_at))
            if member.deleted_at is not None:
                rows.append(balance_row(snapshot, "out", member.deleted_at))
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(MemberBalanceEvent), rows[chunk : chunk + 5000])
        session.execute(delete(MembersCountSnapshot).where(in_club(MembersCountSnapshot, club.id)))
        midnight = start.replace(hour=0, minute=0)
        snapshots.backfill(session, club.id, midnight, week_ago, timedelta(days=1))
        snapshots.backfill(session, club.id, week_ago.replace(minute=0), now, timedelta(hours=1))
    snapshots.take_snapshot(session, now)
    rollups.rebuild(session, now)
