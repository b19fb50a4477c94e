"""Concurrent ingestion of the same batch: each client event id is stored once, whichever request wins.

Real transactions on the suite's database (not the test's rolled-back one): the club made here is
deleted at the end (its events go with it)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import create_club
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.session import unit_of_work
from loyaltyhub.events import service
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.events.schemas import EventIn
from loyaltyhub.services import SESSION_KEY
from tests.members import factories as members


@pytest.fixture
def committed_club(engine, services):
    with unit_of_work(engine, write=True, **{SESSION_KEY: services}) as session:
        slug = f"events-{uuid.uuid4().hex[:8]}"
        club = create_club(session, slug=slug, name=slug, timezone="Europe/Oslo", country="NO")
        session.flush()
        people = [members.member(session, club).id for _ in range(5)]
        club_id = club.id
    yield club_id, people
    with engine.begin() as connection:
        connection.execute(delete(LoyaltyClub).where(LoyaltyClub.id == club_id))


def test_the_same_batch_sent_by_eight_threads_is_stored_once(engine, services, committed_club):
    club_id, people = committed_club
    batch = [
        service.Incoming(member_id, EventIn(type="app_opened", client_event_id=str(uuid.uuid4())))
        for member_id in people
        for _ in range(40)
    ]

    def send(_: int) -> list[service.Ingested]:
        with unit_of_work(engine, write=True, **{SESSION_KEY: services}) as session:
            return service.ingest(session, club_id, batch, source="test", now=utcnow())

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))

    with engine.connect() as connection:
        count = connection.execute(
            select(func.count())
            .select_from(MemberEvent)
            .where(MemberEvent.loyalty_club_id == club_id, MemberEvent.type == "app_opened")
        ).scalar_one()
    assert count == len(batch)
    assert sum(r.created for answer in answers for r in answer) == len(batch)
    ids = {tuple(r.id for r in answer) for answer in answers}
    assert len(ids) == 1  # every request names the same stored events
