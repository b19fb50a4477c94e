"""The rewards demo step: a program with achievements, multipliers, a catalogue, participants with a
history, and receipts in every state; every balance equals its ledger's sum."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from loyaltyhub.db.tenancy import across_clubs
from loyaltyhub.demo import DemoOptions, load_demo
from loyaltyhub.rewards.models import (
    Achievement,
    PointMultiplier,
    PointsTransaction,
    ReceiptSubmission,
    Reward,
    RewardPurchase,
    RewardsAccount,
)

NOW = datetime.fromisoformat("2026-11-25T12:00:00+00:00")


def test_the_demo_has_a_program_with_history_and_receipts_in_every_state(session):
    load_demo(session, DemoOptions(members=240, days=90), now=NOW)

    def count(model):
        return session.execute(across_clubs(select(func.count()).select_from(model))).scalar_one()

    assert count(Achievement) == 4 and count(Reward) == 5 and count(PointMultiplier) >= 1
    assert count(RewardsAccount) >= 40 and count(RewardPurchase) > 0
    types = set(session.scalars(across_clubs(select(PointsTransaction.type).distinct())))
    assert {"achievement", "grant", "reward_purchase", "expiration"} <= types
    states = set(session.scalars(across_clubs(select(ReceiptSubmission.state).distinct())))
    assert states == {"OCR_COMPLETED", "MANUAL_VERIFICARION", "ACCEPTED", "REJECTED"}
    sums = dict(
        session.execute(
            across_clubs(
                select(PointsTransaction.member_id, func.sum(PointsTransaction.amount)).group_by(
                    PointsTransaction.member_id
                )
            )
        ).all()
    )
    for member_id, balance in session.execute(across_clubs(select(RewardsAccount.member_id, RewardsAccount.balance))):
        assert balance == sums.get(member_id, 0) and balance >= 0
