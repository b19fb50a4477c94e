"""Per-club configuration that listeners read on every change, cached per process and validated by a
stamp on the club's row.

Every offer use, grant, sign-up and message event is told to listeners that each read a small piece of the
club's configuration: the webhook subscriptions wanting the change, the achievement types earning points,
the Triggerer rules of the event's type. Read from the database, that was three statements (and their ORM
cost) on every use of an offer, for data that changes a few times a day.

How it stays exact:

* ``loyalty_clubs.config_stamp`` is replaced by a new random stamp in the transaction of every change to a
  watched table (:func:`watch`): automatically when a watched ORM object is flushed, and by :func:`changed`
  where a domain writes such a table with a Core statement. The new stamp and the change commit together.
  (Random, not a counter: a counter starts over at the same value for a club made under the id of a deleted
  one, or in another database served by the same process.)
* A cached value is kept with the stamp it was read under and served only to a reader holding the same
  stamp. A request's stamp is the one its authenticator read with the club (:func:`remember`), so a request
  sees the configuration as of its start, as if it had run a moment earlier; any other session (jobs, the
  CLI) reads the stamp in its transaction, one small statement instead of the loads.
* The loader runs after the stamp was read, so what it reads is that configuration or a newer one, never
  an older one: a reader never sees configuration older than its stamp.
* A session that changed a club's configuration itself never uses or fills the cache for that club (its
  change is not committed; other sessions must not see it, and it must see its own).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub, new_config_stamp

T = TypeVar("T")

MAX_CLUBS = 10_000
"""Entries per cache before it starts over (a club's entry is a few rows of configuration)."""

_REQUEST_STAMPS = "loyaltyhub_club_config_stamps"
_TRANSACTION_STAMPS = "loyaltyhub_club_config_stamps_in_transaction"
_CHANGED = "loyaltyhub_club_config_changed"
_watched: set[type] = set()


def watch(model: type) -> type:
    """Make every flushed insert, update or delete of ``model`` (a tenant model) give its club a new stamp.
    Usable as a class decorator."""
    _watched.add(model)
    return model


def changed(session: Session, club_id: int) -> None:
    """Give the club's configuration a new stamp in this transaction: call it after writing a watched table
    with a Core statement (the flush hook sees only ORM objects)."""
    session.info.setdefault(_CHANGED, set()).add(club_id)
    session.connection().execute(
        update(LoyaltyClub.__table__)
        .where(LoyaltyClub.__table__.c.id == club_id)
        .values(config_stamp=new_config_stamp())
    )


def remember(session: Session, club: LoyaltyClub) -> None:
    """The authenticator read ``club`` for this request: its stamp is the request's."""
    session.info.setdefault(_REQUEST_STAMPS, {})[club.id] = club.config_stamp


def _stamp(session: Session, club_id: int) -> int | None:
    known = session.info.get(_REQUEST_STAMPS)
    if known is not None and club_id in known:
        return known[club_id]
    transaction = session.get_transaction()
    memo = session.info.get(_TRANSACTION_STAMPS)
    if memo is not None and memo[0] is transaction and club_id in memo[1]:
        return memo[1][club_id]
    stamp = session.execute(select(LoyaltyClub.config_stamp).where(LoyaltyClub.id == club_id)).scalar()
    transaction = session.get_transaction()  # the read may have begun it
    if memo is None or memo[0] is not transaction:
        memo = session.info[_TRANSACTION_STAMPS] = (transaction, {})
    memo[1][club_id] = stamp
    return stamp


class ClubConfigCache(Generic[T]):
    """One kind of per-club configuration (``load(session, club_id)``), cached per process."""

    def __init__(self, load: Callable[[Session, int], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[int, T]] = {}

    def get(self, session: Session, club_id: int) -> T:
        if club_id in session.info.get(_CHANGED, ()):
            return self._load(session, club_id)
        stamp = _stamp(session, club_id)
        if stamp is None:  # no such club (deleted meanwhile): nothing to cache
            return self._load(session, club_id)
        entry = self._entries.get(club_id)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        value = self._load(session, club_id)
        with self._lock:
            if len(self._entries) >= MAX_CLUBS:
                self._entries.clear()
            self._entries[club_id] = (stamp, value)
        return value


@event.listens_for(Session, "after_flush")
def _restamp_changed_clubs(session: Session, _flush_context: Any) -> None:
    if not _watched:
        return
    clubs = {
        club_id
        for instance in (*session.new, *session.dirty, *session.deleted)
        if type(instance) in _watched and (club_id := instance.loyalty_club_id) is not None
    }
    for club_id in sorted(clubs):  # club order: two such transactions cannot deadlock on the rows
        changed(session, club_id)
