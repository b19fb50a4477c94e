"""Triggerer rules: create, update, pause, start, delete (soft, as the vendor's ``deleted_at``), the
execution log and the dry run."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import Tenant, in_club
from loyaltyhub.errors import UnprocessableEntity, ValidationFailed, details_tree
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.events.types import EVENT_TYPES
from loyaltyhub.members.events import reporting_snapshot
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.models import Member
from loyaltyhub.triggers import conditions, hooks, rules, system
from loyaltyhub.triggers.models import TriggerExecution, TriggerRule

Problems = list[tuple[tuple[str | int, ...], str, dict[str, Any]]]


def _validate(session: Session, club_id: int, values: dict[str, Any]) -> None:
    hook_type = values["hook_type"]
    if hook_type in hooks.NOT_LANDED:
        raise UnprocessableEntity(hooks.NOT_LANDED[hook_type])
    problems: Problems = []
    if values["event_type"] not in EVENT_TYPES:
        problems.append((("event_type",), "inclusion", {"in": list(EVENT_TYPES)}))
    if hook_type not in hooks.AVAILABLE:
        problems.append((("hook_type",), "inclusion", {"in": list(hooks.HOOK_TYPES)}))
    elif values["event_type"] in hooks.RECORDS_ITS_OWN_EVENT.get(hook_type, ()):
        reason = f"a {hook_type} hook records {values['event_type']} itself: the rule would fire itself again"
        problems.append((("event_type",), "exclusion", {"hook_type": hook_type, "reason": reason}))
    else:
        for path, symbol, options in hooks.option_problems(session, club_id, hook_type, values["options"] or {}):
            problems.append((("options", *path), symbol, options))
    audience = values["audience_id"]
    if audience is not None:
        found = session.execute(
            select(MemberGroup.id).where(in_club(MemberGroup, club_id), MemberGroup.id == audience)
        ).first()
        if found is None:
            problems.append((("audience_id",), "not_found", {}))
    details = details_tree(problems) if problems else {}
    try:
        conditions.parse(values["event_type"], values["data_conditions"])
    except ValidationFailed as failure:
        details.update(failure.extra["details"])
    if details:
        raise ValidationFailed(details)


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    frequency = values.get("frequency")
    if frequency is not None:
        values["frequency"] = {k: v for k, v in frequency.items() if v is not None}
    return values


def create_rule(session: Session, club_id: int, body: dict[str, Any]) -> TriggerRule:
    _validate(session, club_id, body)
    now = utcnow()
    rule = TriggerRule(loyalty_club_id=club_id, created_at=now, updated_at=now, **_stored(body))
    session.add(rule)
    session.flush()
    return rule


UPDATABLE = (
    "event_type",
    "name",
    "frequency",
    "limit",
    "minimum",
    "rate",
    "hook_type",
    "hook_delayed_by_seconds",
    "options",
    "data_conditions",
    "audience_id",
    "excluded_sources",
    "paused",
)
NOT_NULL = ("event_type", "name", "minimum", "hook_type", "hook_delayed_by_seconds", "options", "excluded_sources")


def update_rule(session: Session, rule: TriggerRule, changes: dict[str, Any]) -> TriggerRule:
    for key in (*NOT_NULL, "paused"):
        if key in changes and changes[key] is None:
            changes.pop(key)
    if rule.system_key is not None:
        fixed = sorted(key for key in changes if key not in system.CHANGEABLE and changes[key] != getattr(rule, key))
        if fixed:
            raise ValidationFailed(details_tree([((key,), "built_in_rule", {}) for key in fixed]))
        for key, value in changes.items():
            setattr(rule, key, value)
        rule.updated_at = utcnow()
        session.flush()
        return rule
    merged = {key: changes.get(key, getattr(rule, key)) for key in UPDATABLE}
    _validate(session, rule.loyalty_club_id, merged)
    for key, value in _stored(changes).items():
        setattr(rule, key, value)
    rule.updated_at = utcnow()
    session.flush()
    return rule


def set_paused(session: Session, rule: TriggerRule, paused: bool) -> TriggerRule:
    rule.paused = paused
    rule.updated_at = utcnow()
    session.flush()
    return rule


def delete_rule(session: Session, rule: TriggerRule) -> None:
    if rule.system_key is not None:
        raise UnprocessableEntity("A built-in rule cannot be deleted (pause it instead)")
    rule.deleted_at = utcnow()
    rule.updated_at = rule.deleted_at
    session.flush()


def live_rule(tenant: Tenant) -> Select[Any]:
    return tenant.select(TriggerRule).where(TriggerRule.deleted_at.is_(None))


def rules_statement(tenant: Tenant, event_types: list[str] | None, paused: bool | None) -> Select[Any]:
    statement = live_rule(tenant)
    if event_types:
        statement = statement.where(TriggerRule.event_type.in_(event_types))
    if paused is not None:
        statement = statement.where(TriggerRule.paused.is_(paused))
    return statement.order_by(TriggerRule.id)


def executions_statement(tenant: Tenant, rule_id: int, status: str | None) -> Select[Any]:
    statement = tenant.select(TriggerExecution).where(TriggerExecution.rule_id == rule_id)
    if status is not None:
        statement = statement.where(TriggerExecution.status == status)
    return statement.order_by(TriggerExecution.id.desc())


def dry_run(session: Session, club: LoyaltyClub, rule: TriggerRule, last: int) -> list[dict[str, Any]]:
    """Which of the club's last ``last`` events of the rule's type would fire, replayed oldest first from a
    clean slate (no earlier events, no earlier actions; the hook is not run)."""
    events = list(
        session.execute(
            select(MemberEvent)
            .where(in_club(MemberEvent, club.id), MemberEvent.type == rule.event_type)
            .order_by(MemberEvent.id.desc())
            .limit(last)
        ).scalars()
    )
    events.reverse()
    members = {
        m.id: reporting_snapshot(m)
        for m in session.execute(
            select(Member).where(in_club(Member, club.id), Member.id.in_({e.member_id for e in events}))
        ).scalars()
    }
    terms = rules.terms_of(rule)
    tz = ZoneInfo(club.timezone)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    periods: dict[tuple[int, Any], int] = defaultdict(int)
    answer = []
    for event in events:
        reason = rules.admits(terms, source=event.source, member=members.get(event.member_id, {}), data=event.data)
        fire = False
        if reason is None:
            seen, acted = counts[event.member_id]
            period = rules.period_of(terms, event.occurred_at, tz)
            decision = rules.decide(terms, rules.Standing(seen, acted, periods[(event.member_id, period)]))
            fire, reason = decision.fire, decision.reason
            counts[event.member_id] = [seen + 1, acted + (1 if fire else 0)]
            if fire:
                periods[(event.member_id, period)] += 1
        answer.append(
            {
                "event_id": event.id,
                "member_id": event.member_id,
                "occurred_at": event.occurred_at,
                "would_fire": fire,
                "reason": reason,
            }
        )
    return answer
