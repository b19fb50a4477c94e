"""Achievements: management, earning from member events, and the member's summary.

**Earning** (:func:`on_events`, an event listener of the app's services, called in the transaction that
stored the events): for each new event of a participating member, every active achievement of the
event's type grants its points (after the point multipliers, source ``achievement``) unless the member
already has it ``limit`` times in all, or ``frequency.limit`` times in the calendar ``frequency.timespan``
(hour, day, week from Monday, month, year on the club's clock) holding the event. The member's account is
locked first (as for every change of points), so two events of one member racing cannot both take the
last allowed time, and the ``external_id`` ``achievement:<event>:<achievement>`` makes an event earn an
achievement once. An event of a member who does not participate, or of a club without an enabled program,
earns nothing and is stored all the same.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs import config_cache
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, UnprocessableEntity, ValidationFailed, details_tree
from loyaltyhub.events.types import EVENT_TYPES
from loyaltyhub.rewards import rules
from loyaltyhub.rewards.models import Achievement, PointsTransaction
from loyaltyhub.rewards.points import ledger, multipliers
from loyaltyhub.rewards.program import service as program_service
from loyaltyhub.timebuckets import wall_to_instant

NOT_EARNING = ("points_earned", "points_spent")
"""Event types no achievement may use (earning points would record them again: a loop)."""


# --- Management -----------------------------------------------------------------------------------


def statement(club_id: int) -> Any:
    return (
        select(Achievement)
        .where(in_club(Achievement, club_id), Achievement.archived_at.is_(None))
        .order_by(Achievement.id)
    )


def achievement_or_404(session: Session, club_id: int, achievement_id: int) -> Achievement:
    row = session.execute(statement(club_id).where(Achievement.id == achievement_id)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Achievement#{achievement_id} not found")
    return row


def _check_type(values: dict[str, Any]) -> None:
    kind = values.get("type")
    if kind is not None and (kind not in EVENT_TYPES or kind in NOT_EARNING):
        allowed = [name for name in EVENT_TYPES if name not in NOT_EARNING]
        raise ValidationFailed(details_tree([(("type",), "inclusion", {"in": allowed})]))


def create(session: Session, club_id: int, values: dict[str, Any]) -> Achievement:
    _check_type(values)
    row = Achievement(loyalty_club_id=club_id, **values)
    session.add(row)
    session.flush()
    return row


def update(session: Session, row: Achievement, values: dict[str, Any]) -> Achievement:
    _check_type(values)
    for key in ("type", "name", "points", "active"):
        if key in values and values[key] is None:
            raise ValidationFailed(details_tree([((key,), "blank", {})]))
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return row


def archive(session: Session, row: Achievement, now: datetime) -> None:
    row.archived_at = now
    row.active = False
    session.flush()


def render(row: Achievement) -> dict[str, Any]:
    return {
        "id": row.id,
        "type": row.type,
        "name": row.name,
        "points": row.points,
        "limit": row.limit,
        "frequency": row.frequency,
        "active": row.active,
        "created_at": rules.iso(row.created_at),
        "updated_at": rules.iso(row.updated_at),
        "archived_at": rules.iso(row.archived_at),
    }


def render_public(row: Achievement) -> dict[str, Any]:
    """The documented Achievement model (reference 2.1)."""
    return {
        "id": row.id,
        "type": row.type,
        "name": row.name,
        "points": row.points,
        "limit": row.limit,
        "frequency": row.frequency,
    }


def active_achievements(session: Session, club_id: int) -> list[Achievement]:
    return list(session.scalars(statement(club_id).where(Achievement.active.is_(True))))


def _active_types(session: Session, club_id: int) -> frozenset[str]:
    return frozenset(row.type for row in active_achievements(session, club_id))


_earning_types = config_cache.ClubConfigCache(_active_types)
"""The event types some active achievement of the club earns on (most events earn nothing)."""


# --- Earning --------------------------------------------------------------------------------------


def _times(session: Session, club_id: int, member_id: int, achievement_id: int, since: datetime | None = None) -> int:
    query = select(func.count()).where(
        in_club(PointsTransaction, club_id),
        PointsTransaction.member_id == member_id,
        PointsTransaction.achievement_id == achievement_id,
        PointsTransaction.type == "achievement",
        PointsTransaction.cancelled_at.is_(None),
    )
    if since is not None:
        query = query.where(PointsTransaction.occurred_at >= since)
    return session.execute(query).scalar_one()


def allowed(session: Session, club: LoyaltyClub, member_id: int, achievement: Achievement, at: datetime) -> bool:
    """Whether the member may have the achievement once more at ``at`` (its limit and frequency)."""
    if achievement.limit is not None and _times(session, club.id, member_id, achievement.id) >= achievement.limit:
        return False
    if achievement.frequency:
        start, _ = rules.period_bounds(at, ZoneInfo(club.timezone), achievement.frequency["timespan"])
        if _times(session, club.id, member_id, achievement.id, since=start) >= achievement.frequency["limit"]:
            return False
    return True


def award(
    session: Session, club: LoyaltyClub, member_id: int, event_id: int, event_type: str, at: datetime
) -> list[PointsTransaction]:
    """Every achievement of ``event_type`` the member may have now: its points as an ``achievement``
    transaction (after multipliers). Nothing for a member who does not participate."""
    program = program_service.program_of(session, club.id)
    if program is None or not program.enabled:
        return []
    achievements = [row for row in active_achievements(session, club.id) if row.type == event_type]
    if not achievements:
        return []
    account = ledger.lock_account(session, club.id, member_id)
    if account is None or not account.active:
        return []
    policy = program_service.policy_of(club, program)
    earned = []
    for achievement in achievements:
        external_id = f"achievement:{event_id}:{achievement.id}"
        if not allowed(session, club, member_id, achievement, at):
            continue
        if ledger.by_external_id(session, club.id, external_id) is not None:
            continue
        points, applied = multipliers.apply(
            session, club.id, member_id, achievement.points, source="achievement", store_id=None, at=at
        )
        if points <= 0:  # a factor under 100 % rounded the points down to none: nothing to earn
            continue
        details: dict[str, Any] = {
            "achievement_type": achievement.type,
            "achievement_id": achievement.id,
            "event_id": event_id,
        }
        if applied:
            details["multiplier"] = applied
        try:
            row = ledger.earn(
                session,
                account,
                type="achievement",
                points=points,
                now=at,
                policy=policy,
                details=details,
                external_id=external_id,
                achievement_type=achievement.type,
                achievement_id=achievement.id,
            )
        except UnprocessableEntity:  # the balance cap: the event is stored, no points
            continue
        earned.append(row)
    session.flush()
    return earned


def on_events(session: Session, club_id: int, events: list[dict[str, Any]]) -> None:
    """The event listener: achievements for member events just stored (see the module docstring)."""
    # Points earned or spent are never an achievement's type (earning would loop): the events of every
    # grant and purchase end here without reading the club's achievements.
    events = [event for event in events if event["type"] not in NOT_EARNING]
    if not events:
        return
    types = _earning_types.get(session, club_id)
    events = [event for event in events if event["type"] in types]
    if not events:
        return
    club = session.get(LoyaltyClub, club_id)
    if club is None:
        return
    for event in sorted(events, key=lambda e: (e["member_id"], e["id"])):  # member order: no deadlock
        at = event.get("received_at") or utcnow()
        award(session, club, event["member_id"], event["id"], event["type"], at)


# --- Summary --------------------------------------------------------------------------------------


def summary(session: Session, club: LoyaltyClub, member_id: int, months_no: int, now: datetime) -> dict[str, Any]:
    """Reference (a).2: the member's achievements of the last ``months_no`` months (the current one
    included, on the club's clock) by type and by month, newest month first (months without any too)."""
    if months_no == 0:
        return {"achievements_by_type": [], "achievements_by_month": []}
    tz = ZoneInfo(club.timezone)
    this_month = now.astimezone(tz).date().replace(day=1)
    first = rules.add_months(this_month, -(months_no - 1))
    since = wall_to_instant(datetime(first.year, first.month, 1), tz)
    rows = session.execute(
        select(PointsTransaction.achievement_type, PointsTransaction.amount, PointsTransaction.occurred_at).where(
            in_club(PointsTransaction, club.id),
            PointsTransaction.member_id == member_id,
            PointsTransaction.type == "achievement",
            PointsTransaction.cancelled_at.is_(None),
            PointsTransaction.occurred_at >= since,
        )
    ).all()
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_month: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for kind, amount, at in rows:
        by_type[kind or "other"][0] += 1
        by_type[kind or "other"][1] += amount
        month = at.astimezone(tz)
        by_month[(month.year, month.month)][0] += 1
        by_month[(month.year, month.month)][1] += amount
    months = []
    day = this_month
    for _ in range(months_no):
        made, total = by_month.get((day.year, day.month), (0, 0))
        months.append({"year": day.year, "month": day.month, "achievements_made": made, "total_amount_earned": total})
        day = rules.add_months(day, -1)
    return {
        "achievements_by_type": [
            {"type": kind, "times_achieved": made, "total_amount_earned": total}
            for kind, (made, total) in sorted(by_type.items())
        ],
        "achievements_by_month": months,
    }
