"""The duplicate-receipt rule holds between two members submitting the same receipt at once (real
transactions, committed): the second is judged after the first commits and is rejected."""

from __future__ import annotations

import base64
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.engine import make_session_factory, writer
from loyaltyhub.members.models import Member
from loyaltyhub.rewards.models import ReceiptSubmission
from loyaltyhub.rewards.receipts import service as receipts
from loyaltyhub.rewards.receipts.schemas import ReceiptSubmissionCreate
from loyaltyhub.services import SESSION_KEY
from loyaltyhub.storage import LocalStorage
from loyaltyhub.wiring import build_services, unit_of_work
from tests.factories import Factory
from tests.rewards import factories as rw

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()


@pytest.fixture
def committed(engine):
    """A club accepting receipts automatically, a store and two participants, committed; removed afterwards."""
    with unit_of_work(engine, write=True) as session:
        club = Factory(session).club()
        rw.program(session, club)
        rw.receipts_configuration(session, club, auto_accept=True)
        store = rw.store(session, club)
        first = rw.participant(session, club, utcnow())
        second = rw.participant(session, club, utcnow())
        ids = (club.id, store.id, first.id, second.id)
    yield ids
    with unit_of_work(engine, write=True) as session:
        session.execute(delete(LoyaltyClub).where(LoyaltyClub.id == ids[0]))


def test_the_same_receipt_from_two_members_at_once_is_accepted_once(engine, committed, tmp_path):
    club_id, store_id, first_id, second_id = committed
    sessions = make_session_factory(writer(engine), info={SESSION_KEY: build_services()})
    storage = LocalStorage(tmp_path)
    now = utcnow()
    body = ReceiptSubmissionCreate.model_validate(
        {
            "photo": {"content_type": "image/png", "data": PNG},
            "form": {
                "store_id": store_id,
                "total": 24990,
                "purchased_at": (now - timedelta(hours=1)).isoformat(),
                "receipt_number": "R-42",
            },
        }
    )
    first_judged = threading.Event()
    states: dict[str, str] = {}

    def submit(name: str, member_id: int) -> None:
        with sessions() as session, session.begin():
            club = session.get(LoyaltyClub, club_id)
            member = session.get(Member, member_id)
            row = receipts.create_submission(session, storage, club, member, body, now, None)
            states[name] = row.state
            if name == "first":
                first_judged.set()
                time.sleep(0.3)  # hold the transaction open while the second one is judged

    def second() -> None:
        first_judged.wait(5)
        submit("second", second_id)

    threads = [threading.Thread(target=submit, args=("first", first_id)), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert states == {"first": "ACCEPTED", "second": "REJECTED"}
    with unit_of_work(engine, write=False) as session:
        reasons = session.scalars(
            select(ReceiptSubmission.rejection_reason)
            .where(ReceiptSubmission.loyalty_club_id == club_id)
            .order_by(ReceiptSubmission.id)
        ).all()
    assert reasons == [None, "Receipt was already submitted"]
