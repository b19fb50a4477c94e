"""The first legal information or translations of a club, saved twice at once (real transactions,
committed): the second waits and replaces the first, never a unique-key failure (a 500)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import delete, func, select

from loyaltyhub.club_info import service
from loyaltyhub.club_info.models import ClubLegalInformation, ClubTranslation
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.engine import make_session_factory, writer
from loyaltyhub.services import SESSION_KEY
from loyaltyhub.wiring import build_services, unit_of_work
from tests.factories import Factory

TEXTS = {"member_properties": {}, "consents": {}, "tags": {}, "terms": None}


@pytest.fixture
def club_id(engine):
    with unit_of_work(engine, write=True) as session:
        found = Factory(session).club().id
    yield found
    with unit_of_work(engine, write=True) as session:
        session.execute(delete(LoyaltyClub).where(LoyaltyClub.id == found))


def both_at_once(engine, save: Callable[..., object]) -> dict[str, str]:
    sessions = make_session_factory(writer(engine), info={SESSION_KEY: build_services()})
    first_saved = threading.Event()
    outcomes: dict[str, str] = {}

    def run(name: str) -> None:
        if name == "second":
            first_saved.wait(5)
        try:
            with sessions() as session, session.begin():
                save(session, name)
                if name == "first":
                    first_saved.set()
                    time.sleep(0.3)  # hold the transaction open while the second one saves
            outcomes[name] = "saved"
        except Exception as exc:  # what a request would have answered 500 for
            outcomes[name] = type(exc).__name__
            first_saved.set()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    return outcomes


def test_legal_information_saved_twice_at_once(engine, club_id):
    outcomes = both_at_once(engine, lambda s, name: service.set_legal_information(s, club_id, {"company_name": name}))
    assert outcomes == {"first": "saved", "second": "saved"}
    with unit_of_work(engine, write=False) as session:
        row = service.legal_information(session, club_id)
        assert row is not None and row.content == {"company_name": "second"}
        count = session.scalar(
            select(func.count())
            .select_from(ClubLegalInformation)
            .where(ClubLegalInformation.loyalty_club_id == club_id)
        )
    assert count == 1


def test_translations_saved_twice_at_once(engine, club_id):
    outcomes = both_at_once(engine, lambda s, name: service.set_translation(s, club_id, "en", {**TEXTS, "terms": name}))
    assert outcomes == {"first": "saved", "second": "saved"}
    with unit_of_work(engine, write=False) as session:
        row = service.translation(session, club_id, "en")
        assert row is not None and row.terms == "second"
        count = session.scalar(
            select(func.count()).select_from(ClubTranslation).where(ClubTranslation.loyalty_club_id == club_id)
        )
    assert count == 1
