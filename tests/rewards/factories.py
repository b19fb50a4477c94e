"""Builders for rewards tests: plain functions taking ``session``."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.models import Member
from loyaltyhub.rewards.models import ReceiptConfiguration, ReceiptSubmission, Reward, RewardsProgram
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.program import service as program_service
from loyaltyhub.rewards.receipts import service as receipts
from loyaltyhub.stores.models import Store

_n = itertools.count(1)


def member(session: Session, club: LoyaltyClub, **fields: Any) -> Member:
    n = next(_n)
    row = Member(
        loyalty_club_id=club.id,
        properties={"first_name": f"Rewarded {n}"},
        consents={},
        msisdn=f"4791{n:06d}",
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def program(session: Session, club: LoyaltyClub, **fields: Any) -> RewardsProgram:
    values: dict[str, Any] = {"enabled": True, "reward_activation_time": 30}
    values.update(fields)
    return program_service.save_program(session, club.id, values)


def participant(session: Session, club: LoyaltyClub, now: datetime, points: int = 0, **fields: Any) -> Member:
    """A member who joined the program (which must exist), with ``points`` granted at ``now``."""
    row = member(session, club, **fields)
    account = program_service.join(session, club.id, row.id, now)
    if points:
        prog = program_service.program_of(session, club.id)
        assert prog is not None
        policy = program_service.policy_of(club, prog)
        ledger.earn(session, account, type="grant", points=points, now=now, policy=policy)
    return row


def reward(session: Session, club: LoyaltyClub, **fields: Any) -> Reward:
    n = next(_n)
    values: dict[str, Any] = {"loyalty_club_id": club.id, "name": f"Reward {n}", "price": 10, "files": []}
    values.update(fields)
    row = Reward(**values)
    session.add(row)
    session.flush()
    return row


def store(session: Session, club: LoyaltyClub, name: str = "Store") -> Store:
    row = Store(loyalty_club_id=club.id, name=f"{name} {next(_n)}", external_id=f"rw-{next(_n)}")
    session.add(row)
    session.flush()
    return row


def receipts_configuration(session: Session, club: LoyaltyClub, **values: Any) -> ReceiptConfiguration:
    return receipts.save_configuration(session, club.id, values)


def submission(session: Session, club: LoyaltyClub, member_row: Member, **fields: Any) -> ReceiptSubmission:
    row = ReceiptSubmission(
        loyalty_club_id=club.id, member_id=member_row.id, state=fields.pop("state", "OCR_COMPLETED"), **fields
    )
    session.add(row)
    session.flush()
    return row
