"""Builders for the foundation's isolation walk: the path params of the rewards routes."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.program import service as program_service
from tests.rewards import factories as rw


def _reward(session: Session, club: LoyaltyClub) -> int:
    return rw.reward(session, club).id


def _transaction(session: Session, club: LoyaltyClub) -> int:
    program = program_service.program_of(session, club.id) or rw.program(session, club)
    member = rw.participant(session, club, utcnow())
    account = ledger.lock_account(session, club.id, member.id)
    assert account is not None
    policy = program_service.policy_of(club, program)
    return ledger.earn(session, account, type="grant", points=5, now=utcnow(), policy=policy).id


def _submission(session: Session, club: LoyaltyClub) -> int:
    return rw.submission(session, club, rw.member(session, club)).id


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {
    "reward_id": _reward,
    "transaction_id": _transaction,
    "submission_id": _submission,
}


def _achievement(session: Session, club: LoyaltyClub) -> int:
    from loyaltyhub.rewards.achievements import service as achievements

    return achievements.create(session, club.id, {"type": "app_opened", "name": "Open", "points": 1}).id


def _multiplier(session: Session, club: LoyaltyClub) -> int:
    from loyaltyhub.rewards.points import multipliers

    return multipliers.create(session, club.id, {"name": "Double", "factor_percent": 200}).id


BUILDERS.update({"achievement_id": _achievement, "multiplier_id": _multiplier})
