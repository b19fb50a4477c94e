"""Grouped counts stay exact when members change concurrently (one upsert per group, no read-then-write)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, select

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import create_club
from loyaltyhub.reporting.models import MembersGroupedCount
from loyaltyhub.wiring import unit_of_work
from tests.reporting.factories import member

THREADS, PER_THREAD = 6, 5


def test_concurrent_member_creations_count_exactly(engine):
    with unit_of_work(engine, write=True) as session:
        club = create_club(
            session,
            slug=f"race-{uuid.uuid4().hex[:8]}",
            name="Race",
            timezone="Europe/Oslo",
            country="NO",
            default_language="no",
            languages=["no"],
        )
        session.flush()
        club_id = club.id

    def create_some(_: int) -> None:
        for _ in range(PER_THREAD):
            with unit_of_work(engine, write=True) as session:
                member(session, session.get(LoyaltyClub, club_id), gender="woman", optin_channel="default")

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(create_some, range(THREADS)))
        with unit_of_work(engine, write=False) as session:
            rows = session.execute(
                select(MembersGroupedCount.grouping_type, MembersGroupedCount.members_count).where(
                    MembersGroupedCount.loyalty_club_id == club_id,
                    MembersGroupedCount.grouping_value.in_(["woman", "default"]),
                )
            ).all()
        assert sorted(rows) == [("gender", THREADS * PER_THREAD), ("optin_channel", THREADS * PER_THREAD)]
    finally:
        with unit_of_work(engine, write=True) as session:
            session.execute(delete(LoyaltyClub).where(LoyaltyClub.id == club_id))
