"""Queueing and judging (rule, event) pairs.

Ingestion calls :func:`on_events` (an event listener wired in :mod:`loyaltyhub.wiring`) in the transaction
that stored the events: one queue row per active rule of the event's type whose excluded sources do not
name the event's source, due after the rule's delay. The worker's job (:func:`process_due`) takes due
rows with ``FOR UPDATE SKIP LOCKED``, deletes them and judges them in the same transaction: a worker
killed midway rolls back, and the rows are taken again. Each judged pair writes its execution row
(unique per rule and event) and, per member and rule, the counter is locked while it is judged, so
concurrent workers can never let a member past ``limit`` or ``frequency``.

A batch is judged with one statement per kind (:func:`_judge_batch`): the counters of its (rule, member)
pairs created and locked together, the fired counts of their periods read together, the executions
inserted and the counters updated together; the hooks of the pairs that fire run together
(:func:`hooks.run_many`), pair by pair only when one refuses. Built-in rules are judged by the same
function in the transaction of their events (:func:`on_events`). The decisions are :mod:`.rules`' as for
one pair (:func:`judge`, the former pair-by-pair judge, kept to compare: ``triggerer_judge: pairwise``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from loyaltyhub.clubs import config_cache
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.dialect import insert_ignore_returning, insert_many, insert_or_lock, one_writer_at_a_time
from loyaltyhub.db.tenancy import across_clubs, in_club
from loyaltyhub.errors import ApiError
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.members.events import reporting_snapshot
from loyaltyhub.members.models import Member
from loyaltyhub.triggers import hooks, rules, system
from loyaltyhub.triggers.models import (
    FAILED,
    FIRED,
    SKIPPED,
    TriggerCounter,
    TriggerExecution,
    TriggerQueueItem,
    TriggerRule,
)

BATCH = 50
ONE_WRITER_BATCH = 200
"""At most this many pairs per transaction where one writer at a time holds the database (SQLite): a
batch holds the write lock for its whole judging, and 1,000 pairs gained little there (~10 %) while
making every ingestion request wait longer for the lock."""


@dataclass(frozen=True)
class EventView:
    """An event as the judge reads it (a stored ``MemberEvent`` reads the same)."""

    id: int
    member_id: int
    type: str
    source: str | None
    occurred_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class RuleRouting:
    """What queueing needs of a live rule (paused ones too, deleted ones not), cached per club."""

    id: int
    event_type: str
    system_key: str | None
    paused: bool
    delay: timedelta
    excluded_sources: frozenset[str]


def _routing(session: Session, club_id: int) -> tuple[RuleRouting, ...]:
    rows = session.execute(
        select(
            TriggerRule.id,
            TriggerRule.event_type,
            TriggerRule.system_key,
            TriggerRule.paused,
            TriggerRule.hook_delayed_by_seconds,
            TriggerRule.excluded_sources,
        ).where(in_club(TriggerRule, club_id), TriggerRule.deleted_at.is_(None))
    ).all()
    return tuple(
        RuleRouting(rule_id, kind, key, paused, timedelta(seconds=delay or 0), frozenset(excluded or ()))
        for rule_id, kind, key, paused, delay, excluded in rows
    )


_routes = config_cache.ClubConfigCache(_routing)
"""The club's live rules as queueing reads them: every event of the club is told to :func:`on_events`."""


def _routes_for(session: Session, club_id: int, types: set[str]) -> list[RuleRouting]:
    return [route for route in _routes.get(session, club_id) if route.event_type in types]


def on_events(session: Session, club_id: int, events: list[dict[str, Any]]) -> None:
    """Event listener: queue the pairs of the club's active rules and these events; judge the pairs of its
    built-in rules now (see :mod:`loyaltyhub.triggers.system`)."""
    types = {e["type"] for e in events}
    found = _routes_for(session, club_id, types)
    if types & system.SYSTEM_EVENT_TYPES:
        have = {route.system_key for route in found}
        missing = {r.key for r in system.SYSTEM_RULES.values() if r.event_type in types and r.key not in have}
        if missing:  # a club made without its built-in rules (the club listener not bound): make them now
            system.ensure(session, club_id, missing)
            found = _routes_for(session, club_id, types)
    by_type: dict[str, list[RuleRouting]] = {}
    inline: list[int] = []
    for route in found:
        if route.paused:
            continue
        if route.system_key is not None:
            inline.append(route.id)
        else:
            by_type.setdefault(route.event_type, []).append(route)
    rows = [
        {
            "loyalty_club_id": club_id,
            "rule_id": route.id,
            "event_id": event["id"],
            "member_id": event["member_id"],
            "due_at": event["received_at"] + route.delay,
        }
        for event in events
        for route in by_type.get(event["type"], ())
        if event["source"] is None or event["source"] not in route.excluded_sources
    ]
    if rows:
        insert_many(session, TriggerQueueItem.__table__, rows)
    if inline:
        rules_now = session.execute(
            select(TriggerRule).where(in_club(TriggerRule, club_id), TriggerRule.id.in_(inline))
        ).scalars()
        _judge_now(session, club_id, list(rules_now), events)


def _member_view(member: Member) -> dict[str, Any]:
    return reporting_snapshot(member)


def _judge_now(session: Session, club_id: int, inline: list[TriggerRule], events: list[dict[str, Any]]) -> None:
    pairs = [(rule, event) for event in events for rule in inline if rule.event_type == event["type"]]
    if not pairs:
        return
    club = session.execute(select(LoyaltyClub).where(LoyaltyClub.id == club_id)).scalar_one()
    members = {
        member.id: _member_view(member)
        for member in session.execute(
            select(Member).where(in_club(Member, club_id), Member.id.in_({e["member_id"] for _, e in pairs}))
        ).scalars()
    }
    ordered = []
    for rule, event in sorted(pairs, key=lambda p: (p[1]["member_id"], p[0].id, p[1]["occurred_at"], p[1]["id"])):
        member = members.get(event["member_id"])
        if member is not None:
            view = EventView(
                event["id"], event["member_id"], event["type"], event["source"], event["occurred_at"], event["data"]
            )
            ordered.append((rule, view, member))
    _judge_batch(session, club, ordered)


def judge(
    session: Session, club: LoyaltyClub, rule: TriggerRule, event: MemberEvent | EventView, member: dict[str, Any]
) -> str:
    """Judge one pair (in the caller's transaction); the execution's status. Only the ``pairwise`` judge
    (kept to compare with the batched one) uses it."""
    terms = rules.terms_of(rule)
    base = {
        "loyalty_club_id": club.id,
        "rule_id": rule.id,
        "event_id": event.id,
        "member_id": event.member_id,
        "occurred_at": event.occurred_at,
        "executed_at": utcnow(),
    }
    reason = "paused" if rule.paused else "deleted" if rule.deleted_at is not None else None
    reason = reason or rules.admits(terms, source=event.source, member=member, data=event.data or {})
    if reason is not None:
        insert_ignore_returning(
            session, TriggerExecution.__table__, [{**base, "status": SKIPPED, "reason": reason}], _PAIR, ["id"]
        )
        return SKIPPED
    counter = insert_or_lock(
        session,
        TriggerCounter.__table__,
        {
            "loyalty_club_id": club.id,
            "rule_id": rule.id,
            "member_id": event.member_id,
            "events_count": 0,
            "actions_count": 0,
        },
        ["loyalty_club_id", "rule_id", "member_id"],
    )
    period = rules.period_of(terms, event.occurred_at, ZoneInfo(club.timezone))
    in_period = 0
    if period is not None:
        in_period = len(
            session.execute(
                select(TriggerExecution.id).where(
                    in_club(TriggerExecution, club.id),
                    TriggerExecution.rule_id == rule.id,
                    TriggerExecution.member_id == event.member_id,
                    TriggerExecution.period_start == period,
                    TriggerExecution.status == FIRED,
                )
            ).all()
        )
    decision = rules.decide(terms, rules.Standing(counter.events_count, counter.actions_count, in_period))
    claimed = insert_ignore_returning(
        session,
        TriggerExecution.__table__,
        [{**base, "status": SKIPPED, "reason": decision.reason, "period_start": period}],
        _PAIR,
        ["id"],
    )
    if not claimed:
        return SKIPPED  # judged before (cannot happen while the queue row is taken in this transaction)
    execution_id = claimed[0][0]
    status, actions, result, error = SKIPPED, counter.actions_count, None, decision.reason
    if decision.fire:
        try:
            with session.begin_nested():
                result = hooks.run(session, club, rule, event, member)
            status, actions, error = FIRED, actions + 1, None
        except ApiError as failure:
            status, error = FAILED, failure.message
    if decision.fire:  # a pair not fired was written as it stays (skipped, with the decision's reason)
        session.execute(
            update(TriggerExecution)
            .where(in_club(TriggerExecution, club.id), TriggerExecution.id == execution_id)
            .values(status=status, reason=error, result=result)
        )
    session.execute(
        update(TriggerCounter)
        .where(in_club(TriggerCounter, club.id), TriggerCounter.id == counter.id)
        .values(events_count=counter.events_count + 1, actions_count=actions)
    )
    return status


_PAIR = ["loyalty_club_id", "rule_id", "event_id"]


def process_due(
    factory: Callable[[], Session], now: datetime | None = None, batch: int = BATCH, *, pairwise: bool = False
) -> int:
    """Judge up to ``batch`` due pairs in one transaction; the number judged. ``pairwise`` judges them one
    pair at a time (as before batching: kept to compare, ``bench/events.py --judge both``)."""
    now = now or utcnow()
    with factory() as session, session.begin():
        if one_writer_at_a_time(session):
            batch = min(batch, ONE_WRITER_BATCH)
        items = session.execute(
            across_clubs(
                select(TriggerQueueItem.id, TriggerQueueItem.loyalty_club_id, TriggerQueueItem.rule_id)
                .add_columns(TriggerQueueItem.event_id, TriggerQueueItem.member_id)
                .where(TriggerQueueItem.due_at <= now)
                .order_by(TriggerQueueItem.due_at, TriggerQueueItem.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not items:
            return 0
        session.execute(across_clubs(delete(TriggerQueueItem).where(TriggerQueueItem.id.in_([i.id for i in items]))))
        by_club: dict[int, list[Any]] = {}
        for item in items:
            by_club.setdefault(item.loyalty_club_id, []).append(item)
        for club_id, club_items in by_club.items():
            _judge_club(session, club_id, club_items, pairwise)
        return len(items)


def _judge_club(session: Session, club_id: int, items: list[Any], pairwise: bool) -> None:
    club = session.execute(select(LoyaltyClub).where(LoyaltyClub.id == club_id)).scalar_one()
    rule_rows = session.execute(
        select(TriggerRule).where(in_club(TriggerRule, club_id), TriggerRule.id.in_({i.rule_id for i in items}))
    ).scalars()
    rules_by_id = {rule.id: rule for rule in rule_rows}
    events = {
        event.id: event
        for event in session.execute(
            select(MemberEvent).where(in_club(MemberEvent, club_id), MemberEvent.id.in_({i.event_id for i in items}))
        ).scalars()
    }
    members = {
        member.id: _member_view(member)
        for member in session.execute(
            select(Member).where(in_club(Member, club_id), Member.id.in_({i.member_id for i in items}))
        ).scalars()
    }
    # A member's events are judged in the order they happened; members in id order (a stable lock order).
    pairs = []
    for item in items:
        rule, event = rules_by_id.get(item.rule_id), events.get(item.event_id)
        member = members.get(item.member_id)
        if rule is None or event is None or member is None:
            continue  # deleted meanwhile (rules are soft-deleted; events and members cascade)
        pairs.append((rule, event, member))
    pairs.sort(key=lambda p: (p[1].member_id, p[0].id, p[1].occurred_at, p[1].id))
    if pairwise:
        for rule, event, member in pairs:
            judge(session, club, rule, event, member)
    else:
        _judge_batch(session, club, pairs)


Counted = tuple[TriggerRule, Any, dict[str, Any], dict[str, Any], datetime | None]
"""A pair that counts for its rule (admitted): rule, event, member, its execution row, its period."""


def _judge_batch(session: Session, club: LoyaltyClub, pairs: list[tuple[TriggerRule, Any, dict[str, Any]]]) -> None:
    """Judge ``pairs`` (in the order given) as :func:`judge` would one by one, with one statement per kind.

    The pairs are decided first, as if every hook will run; then the hooks of the firing pairs run together
    (:func:`hooks.run_many`: one grant per offer, one outbox write) in one savepoint. Should one of them
    refuse (an archived offer, a grant limit: an ``ApiError``), that savepoint is rolled back and the batch
    decided again pair by pair with each hook in a savepoint of its own, so the failing pair is logged
    ``failed`` and does not count as an action (the member's next event may then fire instead)."""
    tz = ZoneInfo(club.timezone)
    now = utcnow()
    terms = {rule.id: rules.terms_of(rule) for rule, _, _ in pairs}
    skipped: list[dict[str, Any]] = []
    counted: list[Counted] = []
    for rule, event, member in pairs:
        base = {
            "loyalty_club_id": club.id,
            "rule_id": rule.id,
            "event_id": event.id,
            "member_id": event.member_id,
            "occurred_at": event.occurred_at,
            "executed_at": now,
            "result": None,
            "period_start": None,
        }
        reason = "paused" if rule.paused else "deleted" if rule.deleted_at is not None else None
        reason = reason or rules.admits(terms[rule.id], source=event.source, member=member, data=event.data or {})
        if reason is not None:
            skipped.append({**base, "status": SKIPPED, "reason": reason})
        else:
            counted.append((rule, event, member, base, rules.period_of(terms[rule.id], event.occurred_at, tz)))
    keys = sorted({(rule.id, event.member_id) for rule, event, _, _, _ in counted})
    counters = _lock_counters(session, club.id, keys)
    in_period = _fired_in_periods(session, club.id, counted)
    executions, standings, firing = _decide(terms, counted, counters, in_period)
    if firing:
        try:
            with session.begin_nested():
                results = hooks.run_many(session, club, [counted[i][:3] for i in firing])
        except ApiError:
            executions, standings, _ = _decide(terms, counted, counters, in_period, session=session, club=club)
        else:
            for index, result in zip(firing, results, strict=True):
                executions[index]["result"] = result
    # Unique per (rule, event): a pair judged before (it cannot be, while its queue row is taken in this
    # transaction) is left as it was judged.
    insert_ignore_returning(session, TriggerExecution.__table__, [*skipped, *executions], _PAIR, ["id"])
    if standings:
        session.execute(
            update(TriggerCounter.__table__)
            .where(in_club(TriggerCounter, club.id), TriggerCounter.__table__.c.id == bindparam("counter_id"))
            .values(events_count=bindparam("events"), actions_count=bindparam("actions")),
            [
                {"counter_id": counters[key][0], "events": seen, "actions": acted}
                for key, (seen, acted) in sorted(standings.items())
            ],
        )


def _decide(
    terms: dict[int, rules.Terms],
    counted: list[Counted],
    counters: dict[tuple[int, int], tuple[int, int, int]],
    fired_before: dict[tuple[int, int, datetime | None], int],
    *,
    session: Session | None = None,
    club: LoyaltyClub | None = None,
) -> tuple[list[dict[str, Any]], dict[tuple[int, int], list[int]], list[int]]:
    """Decide the ``counted`` pairs in order from the members' standings: their execution rows, the
    standings after them and the indexes of the pairs that fire. Without a session every firing pair is
    taken to fire (its hook runs later); with one, each firing pair's hook runs now in a savepoint and a
    hook that refuses makes the pair ``failed``, not counted as an action."""
    in_period = dict(fired_before)
    standings: dict[tuple[int, int], list[int]] = {}
    executions: list[dict[str, Any]] = []
    firing: list[int] = []
    for index, (rule, event, member, base, period) in enumerate(counted):
        key = (rule.id, event.member_id)
        standing = standings.setdefault(key, [counters[key][1], counters[key][2]])
        period_key = (rule.id, event.member_id, period)
        decision = rules.decide(terms[rule.id], rules.Standing(standing[0], standing[1], in_period.get(period_key, 0)))
        row = {**base, "status": SKIPPED, "reason": decision.reason, "period_start": period}
        if decision.fire:
            try:
                if session is not None:
                    assert club is not None
                    with session.begin_nested():
                        row["result"] = hooks.run(session, club, rule, event, member)
                row["status"], row["reason"] = FIRED, None
                firing.append(index)
                standing[1] += 1
                if period is not None:
                    in_period[period_key] = in_period.get(period_key, 0) + 1
            except ApiError as failure:
                row["status"], row["reason"] = FAILED, failure.message
        standing[0] += 1
        executions.append(row)
    return executions, standings, firing


def _lock_counters(
    session: Session, club_id: int, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int, int]]:
    """The counters of ``keys`` (rule, member), made when missing and locked until the transaction ends, in
    key order (the order every worker takes them in): ``{key: (id, events_count, actions_count)}``."""
    if not keys:
        return {}
    # insert_ignore_returning: one cached statement (PostgreSQL: the rows as one JSON text), where a
    # multi-row VALUES would be compiled afresh for each batch's number of keys.
    insert_ignore_returning(
        session,
        TriggerCounter.__table__,
        [
            {
                "loyalty_club_id": club_id,
                "rule_id": rule_id,
                "member_id": member_id,
                "events_count": 0,
                "actions_count": 0,
            }
            for rule_id, member_id in keys
        ],
        ["loyalty_club_id", "rule_id", "member_id"],
        ["id"],
    )
    wanted = set(keys)
    rows = session.execute(
        select(TriggerCounter.id, TriggerCounter.rule_id, TriggerCounter.member_id)
        .add_columns(TriggerCounter.events_count, TriggerCounter.actions_count)
        .where(
            in_club(TriggerCounter, club_id),
            TriggerCounter.rule_id.in_(sorted({k[0] for k in keys})),
            TriggerCounter.member_id.in_(sorted({k[1] for k in keys})),
        )
        .order_by(TriggerCounter.rule_id, TriggerCounter.member_id)
        .with_for_update()
    ).all()
    return {
        (r.rule_id, r.member_id): (r.id, r.events_count, r.actions_count)
        for r in rows
        if (r.rule_id, r.member_id) in wanted
    }


def _fired_in_periods(
    session: Session,
    club_id: int,
    counted: list[Counted],
) -> dict[tuple[int, int, datetime | None], int]:
    """How many actions each (rule, member, period) of ``counted`` already has (rules with a frequency)."""
    periods = {(rule.id, event.member_id, period) for rule, event, _, _, period in counted if period is not None}
    if not periods:
        return {}
    rows = session.execute(
        select(TriggerExecution.rule_id, TriggerExecution.member_id, TriggerExecution.period_start, func.count())
        .where(
            in_club(TriggerExecution, club_id),
            TriggerExecution.rule_id.in_(sorted({p[0] for p in periods})),
            TriggerExecution.member_id.in_(sorted({p[1] for p in periods})),
            TriggerExecution.period_start.in_(sorted({p[2] for p in periods})),
            TriggerExecution.status == FIRED,
        )
        .group_by(TriggerExecution.rule_id, TriggerExecution.member_id, TriggerExecution.period_start)
    ).all()
    return {(r[0], r[1], r[2]): r[3] for r in rows if (r[0], r[1], r[2]) in periods}
