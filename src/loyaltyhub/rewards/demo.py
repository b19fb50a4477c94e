"""Demo step of the rewards domain, for the first demo club: a program with levels and a points expiry,
achievements, point multipliers, a catalogue with stock, receipts rules, and participants with a history
(grants, achievements, purchases, uses, expired points, receipts in every state). Deterministic from
``context.rng``; every point goes through the ledger, so balances equal the ledgers' sums."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from loyaltyhub.errors import ApiError
from loyaltyhub.members.repository import member_or_404
from loyaltyhub.rewards.achievements import service as achievements
from loyaltyhub.rewards.catalogue import service as catalogue
from loyaltyhub.rewards.models import ReceiptSubmission, Reward
from loyaltyhub.rewards.points import ledger, multipliers
from loyaltyhub.rewards.program import service as program_service
from loyaltyhub.rewards.receipts import service as receipts

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext

LEVELS = {
    "type": "regular",
    "levels": [
        {"name": "Bronze", "points_threshold": 0},
        {"name": "Silver", "points_threshold": 500},
        {"name": "Gold", "points_threshold": 1500},
    ],
}
ACHIEVEMENTS = (
    {"type": "app_opened", "name": "Open the app", "points": 5, "frequency": {"timespan": "day", "limit": 1}},
    {"type": "coupon_used", "name": "Use an offer", "points": 20, "frequency": {"timespan": "week", "limit": 3}},
    {"type": "consent_granted", "name": "Say yes to news", "points": 50, "limit": 1},
    {
        "type": "receipt_accepted",
        "name": "Scan a receipt",
        "points": 10,
        "frequency": {"timespan": "month", "limit": 4},
    },
)
REWARDS = (
    ("Coffee at the food court", 100, None, None),
    ("Cinema ticket", 400, 50, None),
    ("Free parking for a day", 250, None, None),
    ("Gift card 200 NOK", 1200, 20, "Silver"),
    ("Spa afternoon", 3000, 5, "Gold"),
)
SUBMISSION_STATES = ("ACCEPTED", "ACCEPTED", "MANUAL_VERIFICARION", "REJECTED", "OCR_COMPLETED")


def load(session: Session, context: DemoContext) -> None:
    if not context.clubs:
        return
    slug, club = next(iter(context.clubs.items()))
    rng, now = context.rng, context.now
    program = program_service.save_program(
        session,
        club.id,
        {"enabled": True, "levels_program": LEVELS, "points_validity_months": 1, "points_expire_at": "end_of_month"},
    )
    policy = program_service.policy_of(club, program)
    kinds = [achievements.create(session, club.id, dict(values)) for values in ACHIEVEMENTS]
    store_ids = (context.data.get("store_ids") or {}).get(slug, [])
    if store_ids:
        multipliers.create(
            session,
            club.id,
            {"name": "Double points at the food court", "factor_percent": 200, "store_ids": store_ids[:3]},
        )
    multipliers.create(
        session,
        club.id,
        {
            "name": "Black Friday",
            "factor_percent": 150,
            "starts_at": now - timedelta(days=5),
            "ends_at": now + timedelta(days=2),
        },
    )
    rewards = [
        catalogue.create_reward(
            session,
            club.id,
            {"name": name, "price": price, "stock": stock, "required_member_level": level, "uses_per_purchase": 1},
        )
        for name, price, stock, level in REWARDS
    ]
    receipts.save_configuration(
        session,
        club.id,
        {
            "points_per_unit": 1,
            "unit_amount": 1000,
            "weekly_limit": 5,
            "min_total": 5000,
            "max_age_days": 30,
            **({"accepted_store_ids": store_ids[:40]} if store_ids else {}),
        },
    )
    member_ids = (context.data.get("member_ids") or {}).get(slug, [])
    participants = member_ids[: max(1, min(200, len(member_ids) // 4))] if member_ids else []
    days = max(context.options.days, 1)
    event_ids = iter(range(1, 10**9))
    for n, member_id in enumerate(participants):
        joined = now - timedelta(days=rng.uniform(min(days, 60), days))
        account = program_service.join(session, club.id, member_id, joined)
        moments = sorted(
            joined + timedelta(days=rng.uniform(0, (now - joined).days or 1)) for _ in range(rng.randint(2, 12))
        )
        for at in moments:
            roll = rng.random()
            if roll < 0.2:
                ledger.earn(
                    session,
                    account,
                    type="grant",
                    points=rng.choice((50, 100, 200)),
                    now=at,
                    policy=policy,
                    details={"grant_type": "campaign"},
                )
            elif roll < 0.8:
                kind = rng.choice(kinds[:3])
                achievements.award(session, club, member_id, next(event_ids), kind.type, at)
            else:
                _purchase(session, club, program, account, rewards, rng, at)
        if store_ids and n % 3 == 0:
            _submission(
                session, club, member_id, store_ids, rng, now, SUBMISSION_STATES[(n // 3) % len(SUBMISSION_STATES)]
            )
        ledger.expire_due(session, account, now)
    session.flush()


def _purchase(
    session: Session, club: Any, program: Any, account: Any, rewards: list[Reward], rng: Any, at: Any
) -> None:
    affordable = [
        reward for reward in rewards if reward.price <= account.balance and reward.required_member_level is None
    ]
    if not affordable:
        return
    reward = rng.choice(affordable)
    member = member_or_404(session, club.id, account.member_id)
    try:
        with session.begin_nested():  # a refused purchase leaves nothing behind
            catalogue.purchase(session, club, member, reward.id, at)
            if rng.random() < 0.5:
                catalogue.use(session, club, program, member, reward.id, at + timedelta(hours=1))
    except ApiError:  # out of stock, a limit: the demo member simply does not buy
        return


def _submission(
    session: Session, club: Any, member_id: int, store_ids: list[int], rng: Any, now: Any, state: str
) -> None:
    config = receipts.configuration_of(session, club.id)
    assert config is not None
    at = now - timedelta(days=rng.uniform(0, 20))
    row = ReceiptSubmission(
        loyalty_club_id=club.id,
        member_id=member_id,
        state="OCR_COMPLETED",
        created_at=at,
        updated_at=at,
        ocr_scan_results=None,
    )
    if state != "OCR_COMPLETED":
        row.store_id = rng.choice(store_ids[:40])
        row.total = rng.randrange(5000, 150000, 10)
        row.purchased_at = at - timedelta(hours=rng.uniform(1, 30))
        row.receipt_number = f"DEMO-{member_id}-{rng.randrange(10**6)}"
    session.add(row)
    session.flush()
    if state == "ACCEPTED":
        receipts.decide(session, club, row, {"state": "ACCEPTED"}, at + timedelta(hours=5), "demo")
    elif state == "REJECTED":
        reason = rng.choice(("Photo unreadable", "Receipt from a store outside the mall"))
        receipts.decide(
            session, club, row, {"state": "REJECTED", "rejection_reason": reason}, at + timedelta(hours=5), "demo"
        )
    elif state == "MANUAL_VERIFICARION":
        row.state = "MANUAL_VERIFICARION"
