"""The rewards catalogue: management (create, update, archive) and the member's purchase and use.

**Purchase** is race-free on both databases, in one transaction:

1. the member's account is locked with the club's program in one statement (402 without an enabled program,
   480 when not participating), so one purchase at a time per member;
2. the checks on that locked state: ban (467), the reward visible (404), level (422), the member's
   purchases of it (422 ``User limit exceeded``), points (422 ``Not enough points``; due lots expire first);
3. the points are debited (a ``reward_purchase`` transaction, FIFO over the lots);
4. last, the stock is taken with one conditional ``UPDATE rewards SET purchased_count = purchased_count + 1
   WHERE stock IS NULL OR purchased_count < stock`` (422 ``Global limit exceeded`` when no row changed,
   and the request's transaction undoes step 3). Last, so the reward's row lock is held only until commit.
   On PostgreSQL this ``UPDATE`` and the purchase's ``INSERT`` are one statement (a data-modifying CTE).

**Use** locks the account too, so two uses of one member never pass the "already active" check together.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.session import make_transient_to_detached

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.dialect import is_sqlite
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import MemberBanned, UnprocessableEntity, ValidationFailed, details_tree
from loyaltyhub.members.models import Member
from loyaltyhub.rewards import rules
from loyaltyhub.rewards.errors import (
    AlreadyActive,
    GlobalLimitExceeded,
    LevelTooLow,
    NotGranted,
    UserLimitExceeded,
    reward_not_found,
)
from loyaltyhub.rewards.models import Reward, RewardPurchase, RewardsProgram
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.program import service as program_service
from loyaltyhub.stores.models import Store

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
NOT_NULL = ("name", "price")


# --- Management -------------------------------------------------------------------------------------


def render_reward(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "name": reward.name,
        "description": reward.description,
        "price": reward.price,
        "required_member_level": reward.required_member_level,
        "stock": reward.stock,
        "purchased_count": reward.purchased_count,
        "remaining_stock": remaining_stock(reward),
        "limit_per_member": reward.limit_per_member,
        "uses_per_purchase": reward.uses_per_purchase,
        "visible_from": rules.iso(reward.visible_from),
        "visible_until": rules.iso(reward.visible_until),
        "usable_until": rules.iso(reward.usable_until),
        "store_id": reward.store_id,
        "files": reward.files or [],
        "created_at": rules.iso(reward.created_at),
        "updated_at": rules.iso(reward.updated_at),
        "archived_at": rules.iso(reward.archived_at),
    }


def remaining_stock(reward: Reward) -> int | None:
    return None if reward.stock is None else max(reward.stock - reward.purchased_count, 0)


def rewards_statement(club_id: int) -> Any:
    """The club's rewards that are not archived, in id order."""
    return select(Reward).where(in_club(Reward, club_id), Reward.archived_at.is_(None)).order_by(Reward.id)


def reward_or_404(session: Session, club_id: int, reward_id: int) -> Reward:
    reward = session.execute(
        select(Reward).where(in_club(Reward, club_id), Reward.id == reward_id, Reward.archived_at.is_(None))
    ).scalar_one_or_none()
    if reward is None:
        raise reward_not_found(reward_id)
    return reward


def _check(session: Session, club_id: int, values: dict[str, Any], reward: Reward | None) -> None:
    errors: list[tuple[tuple[str | int, ...], str, dict[str, Any]]] = []
    for key in NOT_NULL:
        if key in values and values[key] is None:
            errors.append(((key,), "blank", {}))
    store_id = values.get("store_id")
    if store_id is not None:
        found = session.execute(select(Store.id).where(in_club(Store, club_id), Store.id == store_id)).first()
        if found is None:
            errors.append((("store_id",), "does_not_exist", {}))
    start = values.get("visible_from", reward.visible_from if reward else None)
    end = values.get("visible_until", reward.visible_until if reward else None)
    if start is not None and end is not None and end < start:
        errors.append((("visible_until",), "greater_than_or_equal_to", {"count": "visible_from"}))
    if errors:
        raise ValidationFailed(details_tree(errors))


def create_reward(session: Session, club_id: int, values: dict[str, Any]) -> Reward:
    _check(session, club_id, values, None)
    reward = Reward(loyalty_club_id=club_id, purchased_count=0, **{**values, "files": values.get("files") or []})
    session.add(reward)
    session.flush()
    return reward


def update_reward(session: Session, reward: Reward, values: dict[str, Any]) -> Reward:
    """Change the keys given. Stock may go below what was sold: nothing more is sold then."""
    _check(session, reward.loyalty_club_id, values, reward)
    if "files" in values and values["files"] is None:
        values["files"] = []
    for key, value in values.items():
        setattr(reward, key, value)
    session.flush()
    return reward


def archive_reward(session: Session, reward: Reward, now: datetime) -> None:
    """Archived rewards leave the catalogue; what members purchased stays usable."""
    reward.archived_at = now
    session.flush()


# --- Members ----------------------------------------------------------------------------------------


def _visible(now: datetime) -> list[Any]:
    return [
        or_(Reward.visible_from.is_(None), Reward.visible_from <= now),
        or_(Reward.visible_until.is_(None), Reward.visible_until > now),
    ]


def visible_rewards(session: Session, club_id: int, now: datetime) -> list[Reward]:
    """The rewards a member can see now (sold-out ones too: ``remaining_stock`` says 0)."""
    return list(session.scalars(rewards_statement(club_id).where(*_visible(now))))


def render_member_reward(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "name": reward.name,
        "description": reward.description,
        "price": reward.price,
        "required_member_level": reward.required_member_level,
        "remaining_stock": remaining_stock(reward),
        # Reference (a).3: purchasable until then (the reward's visible_until; null: no end).
        "available_until": rules.iso(reward.visible_until),
        "files": reward.files or [],
    }


def _check_ban(member: Member, now: datetime) -> None:
    if member.banned_until is not None and member.banned_until > now:
        raise MemberBanned(banned_until=rules.iso(member.banned_until))


def _purchases_of(session: Session, club_id: int, member_id: int, reward_id: int) -> int:
    return session.execute(
        select(func.count())
        .select_from(RewardPurchase)
        .where(
            in_club(RewardPurchase, club_id),
            RewardPurchase.member_id == member_id,
            RewardPurchase.reward_id == reward_id,
        )
    ).scalar_one()


_REWARDS = Reward.__table__
_TAKE_STOCK = (
    update(_REWARDS)
    .where(
        in_club(_REWARDS, bindparam("club_key")),
        _REWARDS.c.id == bindparam("reward_key"),
        or_(_REWARDS.c.stock.is_(None), _REWARDS.c.purchased_count < _REWARDS.c.stock),
    )
    .values(purchased_count=_REWARDS.c.purchased_count + 1)
    .returning(_REWARDS.c.purchased_count)
)
_PURCHASES = RewardPurchase.__table__
_INSERT_PURCHASE = insert(_PURCHASES).returning(_PURCHASES.c.id)
_PURCHASE_COLUMNS = (
    "loyalty_club_id",
    "member_id",
    "reward_id",
    "transaction_id",
    "price",
    "code",
    "purchased_at",
    "uses_count",
    "last_used_at",
    "active_until",
)
# PostgreSQL: the stock taken and the purchase written in one statement (a data-modifying CTE); no row
# comes back when the stock is gone, and the caller's 422 undoes the debit with the transaction.
_STOCK_TAKEN = _TAKE_STOCK.cte("stock_taken")
_INSERT_PURCHASE_IF_STOCK = (
    insert(_PURCHASES)
    .from_select(
        list(_PURCHASE_COLUMNS),
        select(
            *(bindparam(f"purchase_{name}", type_=_PURCHASES.c[name].type) for name in _PURCHASE_COLUMNS)
        ).select_from(_STOCK_TAKEN),
    )
    .returning(_PURCHASES.c.id)
)


def _take_stock(session: Session, reward: Reward) -> None:
    """One more sold, unless the stock is gone (422 ``Global limit exceeded``): a conditional ``UPDATE``."""
    taken = session.execute(_TAKE_STOCK, {"club_key": reward.loyalty_club_id, "reward_key": reward.id}).first()
    if taken is None:
        raise GlobalLimitExceeded()
    set_committed_value(reward, "purchased_count", taken[0])


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


# The participant's lock reads the reward too (a purchase's hottest statement, one round trip less); the
# checks keep their order: 402/480 of the program, the ban, then 404 of the reward.
_LOCK_PARTICIPANT_AND_REWARD = program_service.LOCK_PARTICIPANT.add_columns(Reward).outerjoin(
    Reward,
    and_(
        in_club(Reward, bindparam("club_key")),
        Reward.id == bindparam("reward_key"),
        Reward.archived_at.is_(None),
        *_visible(bindparam("now", type_=Reward.visible_from.type)),
    ),
)


def purchase(session: Session, club: LoyaltyClub, member: Member, reward_id: int, now: datetime) -> RewardPurchase:
    """Buy a reward with points (see the module docstring for the order of the checks; 402 without an
    enabled program comes first)."""
    params = {**program_service.lock_parameters(club.id, member.id, now), "reward_key": reward_id, "now": now}
    row = session.execute(_LOCK_PARTICIPANT_AND_REWARD, params).one_or_none()
    participant = program_service.participant_of(session, club.id, row)
    account, program = participant.account, participant.program
    _check_ban(member, now)
    reward: Reward | None = row[3] if row is not None else None
    if reward is None:
        raise reward_not_found(reward_id)
    if not rules.level_reached(program.levels_program, account.lifetime_earned, reward.required_member_level):
        raise LevelTooLow()
    limit = reward.limit_per_member
    if limit is not None and _purchases_of(session, club.id, member.id, reward.id) >= limit:
        raise UserLimitExceeded()
    debit = ledger.spend(
        session,
        account,
        type="reward_purchase",
        points=reward.price,
        now=now,
        details={"reward_name": reward.name, "reward_id": reward.id},
    )
    values = {
        "loyalty_club_id": club.id,
        "member_id": member.id,
        "reward_id": reward.id,
        "transaction_id": debit.id,
        "price": reward.price,
        "code": new_code(),
        "purchased_at": now,
        "uses_count": 0,
        "last_used_at": None,
        "active_until": None,
    }
    if is_sqlite(session):
        _take_stock(session, reward)
        bought_id = session.execute(_INSERT_PURCHASE, values).scalar_one()
    else:
        params = {f"purchase_{name}": value for name, value in values.items()}
        bought_id = session.execute(
            _INSERT_PURCHASE_IF_STOCK, {**params, "club_key": club.id, "reward_key": reward.id}
        ).scalar()
        if bought_id is None:
            raise GlobalLimitExceeded()
        session.expire(reward, ["purchased_count"])
    bought = RewardPurchase(id=bought_id, **values)
    make_transient_to_detached(bought)  # as if loaded: persistent once added, nothing to flush
    session.add(bought)
    return bought


def render_purchase(bought: RewardPurchase) -> dict[str, Any]:
    return {
        "id": bought.id,
        "reward_id": bought.reward_id,
        "code": bought.code,
        "price": bought.price,
        "purchased_at": rules.iso(bought.purchased_at),
    }


def purchased_rewards(session: Session, club_id: int, member_id: int, now: datetime) -> list[dict[str, Any]]:
    """The member's purchases, newest first, each as the Reward with its Usage (reference (a).3)."""
    rows = session.execute(
        select(RewardPurchase, Reward)
        .join(Reward, Reward.id == RewardPurchase.reward_id)
        .where(
            in_club(RewardPurchase, club_id),
            in_club(Reward, club_id),
            RewardPurchase.member_id == member_id,
        )
        .order_by(RewardPurchase.purchased_at.desc(), RewardPurchase.id.desc())
    ).all()
    return [
        {
            "id": reward.id,
            "name": reward.name,
            "description": reward.description,
            "files": reward.files or [],
            "usage": rules.usage_view(reward.uses_per_purchase, _state(bought), now),
            "purchase_id": bought.id,
            "code": bought.code,
            "purchased_at": rules.iso(bought.purchased_at),
        }
        for bought, reward in rows
    ]


def _state(bought: RewardPurchase) -> rules.PurchaseState:
    return rules.PurchaseState(uses_count=bought.uses_count, active_until=bought.active_until)


def use(
    session: Session, club: LoyaltyClub, program: RewardsProgram, member: Member, reward_id: int, now: datetime
) -> dict[str, Any]:
    """Use (activate) the member's purchase of a reward: the oldest one with uses left. 422 ``Already
    active`` while one is active, ``Not granted`` without a purchase, ``User limit exceeded`` when every
    purchase is used up, ``Reward is no longer usable`` after ``usable_until``."""
    program_service.participating_account(session, club.id, member.id)
    _check_ban(member, now)
    reward = session.execute(
        select(Reward).where(in_club(Reward, club.id), Reward.id == reward_id)
    ).scalar_one_or_none()
    if reward is None:
        raise reward_not_found(reward_id)
    purchases = list(
        session.scalars(
            select(RewardPurchase)
            .where(
                in_club(RewardPurchase, club.id),
                RewardPurchase.member_id == member.id,
                RewardPurchase.reward_id == reward.id,
            )
            .order_by(RewardPurchase.purchased_at, RewardPurchase.id)
        )
    )
    if not purchases:
        raise NotGranted()
    if any(rules.is_active(_state(bought), now) for bought in purchases):
        raise AlreadyActive()
    usable = [bought for bought in purchases if rules.has_uses_left(reward.uses_per_purchase, _state(bought))]
    if not usable:
        raise UserLimitExceeded()
    if reward.usable_until is not None and reward.usable_until <= now:
        raise UnprocessableEntity("Reward is no longer usable")
    bought = usable[0]
    bought.uses_count += 1
    bought.last_used_at = now
    bought.active_until = now + timedelta(seconds=program.reward_activation_time)
    session.flush()
    return rules.usage_view(reward.uses_per_purchase, _state(bought), now)
