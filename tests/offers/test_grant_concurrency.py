"""Two concurrent grants cannot both pass ``maximum_grants_per_user`` (real transactions, committed)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, func, select

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.engine import make_session_factory, writer
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.offers.grants import grant_offer
from loyaltyhub.offers.models import OfferGrant
from loyaltyhub.services import SESSION_KEY
from loyaltyhub.wiring import build_services, unit_of_work
from tests.factories import Factory
from tests.offers import factories


@pytest.fixture
def committed(engine):
    """A club with an offer (max one grant per member) and a member, committed; removed afterwards."""
    with unit_of_work(engine, write=True) as session:
        club = Factory(session).club()
        offer = factories.offer(session, club, type="exclusive", maximum_grants_per_user=1)
        member = factories.member(session, club)
        ids = (club.id, offer.id, member.id)
    yield ids
    with unit_of_work(engine, write=True) as session:
        session.execute(delete(LoyaltyClub).where(LoyaltyClub.id == ids[0]))


def test_the_second_concurrent_grant_waits_and_is_refused(engine, committed):
    club_id, offer_id, member_id = committed
    sessions = make_session_factory(writer(engine), {SESSION_KEY: build_services()})  # a grant tells listeners
    first_granted = threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        with sessions() as session, session.begin():
            grant_offer(session, club_id, offer_id, [member_id])
            outcomes["first"] = "granted"
            first_granted.set()
            time.sleep(0.3)  # hold the transaction open while the second one tries

    def second() -> None:
        first_granted.wait(5)
        try:
            with sessions() as session, session.begin():
                grant_offer(session, club_id, offer_id, [member_id])
                outcomes["second"] = "granted"
        except ValidationFailed:
            outcomes["second"] = "refused"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert outcomes == {"first": "granted", "second": "refused"}
    with unit_of_work(engine, write=False) as session:
        count = session.execute(select(func.count()).where(OfferGrant.offer_id == offer_id)).scalar_one()
    assert count == 1
