"""An offer's stock and uses, counted in shards so that uses of a popular offer do not queue on one row.

Each offer has :data:`SHARDS` rows in ``offer_stock_shards``; a use adds 1 to one of them. With a stock,
every shard has an allowance (the uses it may hold) and the allowances add up to the stock, so the
offer is out of stock exactly when every shard is full. A use takes a shard that is not full:

1. on PostgreSQL first one no other transaction holds (``FOR UPDATE SKIP LOCKED``), looking first at
   the shard the member's id points to, so parallel uses of different members lock different rows and
   commit in parallel;
2. when every shard that is not full is held, it waits for one (``FOR UPDATE``; after the wait
   PostgreSQL checks the row again and moves on to the next when it has filled up meanwhile, keeping
   the lock on the one it waited for). It waits in shard order, the order :func:`redistribute` locks
   them in, inside a savepoint that is retried should PostgreSQL still pick it to break a deadlock
   (a lock kept from step 1 can be out of that order);
3. nothing found: out of stock, or the offer has no shards yet. Shards are created at an offer's first
   use (with a share lock on the offer's row, so a stock change cannot slip in between) and the take
   is retried.

On SQLite the write transaction holds the database lock (``BEGIN IMMEDIATE``), so the first attempt
already sees every shard as it is. A stock change redistributes what is left among the shards
(:func:`redistribute`). The offer's uses are the sum of its shards (``Offer.uses_count``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, literal_column, or_, select, update
from sqlalchemy.orm import Session

from loyaltyhub.db import dialect
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.offers.models import Offer, OfferStockShard

SHARDS = 16

_SHARDS = OfferStockShard.__table__


def allowances(stock: int | None, uses: list[int]) -> list[int | None]:
    """Each shard's allowance: its uses plus an even share of what is left of ``stock`` (the first
    shards take the remainder). They add up to the stock, or to the uses when the stock was lowered
    below them (every shard is full then)."""
    if stock is None:
        return [None] * len(uses)
    share, extra = divmod(max(stock - sum(uses), 0), len(uses))
    return [used + share + (1 if index < extra else 0) for index, used in enumerate(uses)]


def _take_statement(*, skip_locked: bool) -> Any:
    # Without waiting, start at the member's shard (spreads parallel uses); waiting, go in shard order.
    order = (_SHARDS.c.shard + SHARDS - bindparam("first_shard")) % SHARDS if skip_locked else _SHARDS.c.shard
    free = (
        select(_SHARDS.c.id)
        .where(
            in_club(_SHARDS, bindparam("club_key")),
            _SHARDS.c.offer_id == bindparam("offer_key"),
            or_(_SHARDS.c.allowance.is_(None), _SHARDS.c.uses_count < _SHARDS.c.allowance),
        )
        .order_by(order)
        .limit(1)
        .with_for_update(skip_locked=skip_locked)
        .scalar_subquery()
    )
    # The other shards are summed apart from the updated one: the same answer on both databases
    # (a subquery in RETURNING sees the statement's own change on SQLite, not on PostgreSQL). The
    # updated row is named in full: SQLAlchemy writes RETURNING columns unqualified for SQLite, and
    # inside the subquery a bare ``id`` would be the other shard's.
    others = _SHARDS.alias("other_shards")
    updated = {name: literal_column(f"{_SHARDS.name}.{name}") for name in ("id", "loyalty_club_id", "offer_id")}
    uses_elsewhere = (
        select(func.coalesce(func.sum(others.c.uses_count), 0))
        .where(
            in_club(others, updated["loyalty_club_id"]),
            others.c.offer_id == updated["offer_id"],
            others.c.id != updated["id"],
        )
        .scalar_subquery()
    )
    return (
        update(_SHARDS)
        .where(_SHARDS.c.id == free)
        .values(uses_count=_SHARDS.c.uses_count + 1)
        .returning(_SHARDS.c.uses_count + uses_elsewhere)
    )


_TAKE_FREE = _take_statement(skip_locked=True)
_TAKE_WAITING = _take_statement(skip_locked=False)


def take(session: Session, *, club_id: int, offer_id: int, spread_key: int) -> int | None:
    """Count one use of the offer: its uses including this one (as this transaction sees them), or None
    when the stock is exhausted. The shard stays locked until the transaction ends. ``spread_key`` (the
    member's id) picks the shard looked at first."""
    free = {"club_key": club_id, "offer_key": offer_id, "first_shard": spread_key % SHARDS}
    uses = session.execute(_TAKE_FREE, free).scalar()
    if uses is None:
        uses = _take_waiting(session, club_id, offer_id)
    if uses is None and _create_shards(session, club_id, offer_id):
        uses = _take_waiting(session, club_id, offer_id)
    return None if uses is None else int(uses)


def _take_waiting(session: Session, club_id: int, offer_id: int) -> Any:
    params = {"club_key": club_id, "offer_key": offer_id}
    return dialect.retry_on_deadlock(session, lambda: session.execute(_TAKE_WAITING, params).scalar())


def _create_shards(session: Session, club_id: int, offer_id: int) -> bool:
    """Create the offer's shards if it has none; True when it had none (they exist now)."""
    shards_of_offer = (in_club(_SHARDS, club_id), _SHARDS.c.offer_id == offer_id)
    if session.execute(select(_SHARDS.c.id).where(*shards_of_offer).limit(1)).first() is not None:
        return False
    # A share lock on the offer's row keeps a stock change (its UPDATE locks the row first) from
    # finding no shards while they are created from the old stock. Not FOR UPDATE: the use's own
    # inserts already hold the row's key-share lock, as do other members' uses, and FOR UPDATE would
    # wait for those (a deadlock between two first uses).
    stock = session.execute(
        select(Offer.stock).where(Offer.id == offer_id, in_club(Offer, club_id)).with_for_update(read=True)
    ).scalar()
    rows = [
        {"loyalty_club_id": club_id, "offer_id": offer_id, "shard": shard, "uses_count": 0, "allowance": allowance}
        for shard, allowance in enumerate(allowances(stock, [0] * SHARDS))
    ]
    dialect.insert_ignore(session, _SHARDS, rows, ["loyalty_club_id", "offer_id", "shard"])
    return True


def redistribute(session: Session, offer: Offer) -> None:
    """After a stock change (the offer's row is locked by its update): share what is left of the new
    stock among the offer's shards. An offer without shards gets them at its first use."""

    def lock_and_share() -> None:
        rows = session.execute(
            select(_SHARDS.c.id, _SHARDS.c.uses_count)
            .where(same_club(_SHARDS, offer), _SHARDS.c.offer_id == offer.id)
            .order_by(_SHARDS.c.shard)
            .with_for_update()
        ).all()
        if not rows:
            return
        new = allowances(offer.stock, [row.uses_count for row in rows])
        session.execute(
            update(_SHARDS)
            .where(_SHARDS.c.id == bindparam("shard_key"), in_club(_SHARDS, offer.loyalty_club_id))
            .values(allowance=bindparam("new_allowance")),
            [{"shard_key": row.id, "new_allowance": allowance} for row, allowance in zip(rows, new, strict=True)],
        )

    dialect.retry_on_deadlock(session, lock_and_share)


def add_uses(session: Session, *, club_id: int, offer_id: int, uses: int) -> None:
    """Record ``uses`` uses at once (demo data, imports): onto the offer's first shard, then the
    allowances are shared again."""
    _create_shards(session, club_id, offer_id)
    session.execute(
        update(_SHARDS)
        .where(in_club(_SHARDS, club_id), _SHARDS.c.offer_id == offer_id, _SHARDS.c.shard == 0)
        .values(uses_count=_SHARDS.c.uses_count + uses)
    )
    offer = session.execute(select(Offer).where(Offer.id == offer_id, in_club(Offer, club_id))).scalar_one()
    redistribute(session, offer)
