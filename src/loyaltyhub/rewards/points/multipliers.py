"""Point multipliers (Triggerer › Point multipliers in the vendor's navigation): the club's factors on
earned points by store, member group, time window and earning source. Earning paths (accepted receipts,
achievements, POS purchases) call :func:`apply` with what they know; the rule is
:func:`loyaltyhub.rewards.rules.multiplied` (the highest factor that applies, never compounded)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, ValidationFailed, details_tree
from loyaltyhub.members.groups.models import MemberGroupMembership
from loyaltyhub.rewards import rules
from loyaltyhub.rewards.models import PointMultiplier

SOURCES = ("receipt", "achievement", "pos")


def _plain(row: PointMultiplier) -> rules.Multiplier:
    return rules.Multiplier(
        id=row.id,
        factor_percent=row.factor_percent,
        store_ids=row.store_ids,
        member_group_ids=row.member_group_ids,
        sources=row.sources,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
    )


def apply(
    session: Session, club_id: int, member_id: int, points: int, *, source: str, store_id: int | None, at: datetime
) -> tuple[int, dict[str, Any] | None]:
    """The points after the club's multipliers, and what to record of the one applied (None: none did)."""
    rows = list(
        session.scalars(
            select(PointMultiplier).where(in_club(PointMultiplier, club_id), PointMultiplier.active.is_(True))
        )
    )
    if not rows:
        return points, None
    groups: list[int] = []
    if any(row.member_group_ids for row in rows):
        groups = list(
            session.scalars(
                select(MemberGroupMembership.group_id).where(
                    in_club(MemberGroupMembership, club_id), MemberGroupMembership.member_id == member_id
                )
            )
        )
    result, used = rules.multiplied(
        points, [_plain(row) for row in rows], source=source, store_id=store_id, group_ids=groups, at=at
    )
    if used is None:
        return points, None
    return result, {"multiplier_id": used.id, "factor_percent": used.factor_percent, "base_points": points}


# --- Management -----------------------------------------------------------------------------------


def statement(club_id: int) -> Any:
    return select(PointMultiplier).where(in_club(PointMultiplier, club_id)).order_by(PointMultiplier.id)


def multiplier_or_404(session: Session, club_id: int, multiplier_id: int) -> PointMultiplier:
    row = session.execute(statement(club_id).where(PointMultiplier.id == multiplier_id)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"PointMultiplier#{multiplier_id} not found")
    return row


def create(session: Session, club_id: int, values: dict[str, Any]) -> PointMultiplier:
    row = PointMultiplier(loyalty_club_id=club_id, **values)
    session.add(row)
    session.flush()
    return row


def update(session: Session, row: PointMultiplier, values: dict[str, Any]) -> PointMultiplier:
    for key in ("name", "factor_percent", "active"):
        if key in values and values[key] is None:
            raise ValidationFailed(details_tree([((key,), "blank", {})]))
    starts_at, ends_at = values.get("starts_at", row.starts_at), values.get("ends_at", row.ends_at)
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed(details_tree([(("ends_at",), "after", {"attribute": "starts_at"})]))
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return row


def render(row: PointMultiplier) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "factor_percent": row.factor_percent,
        "factor": row.factor_percent / 100,
        "store_ids": row.store_ids,
        "member_group_ids": row.member_group_ids,
        "sources": row.sources,
        "starts_at": rules.iso(row.starts_at),
        "ends_at": rules.iso(row.ends_at),
        "active": row.active,
        "created_at": rules.iso(row.created_at),
        "updated_at": rules.iso(row.updated_at),
    }


def delete(session: Session, row: PointMultiplier) -> None:
    session.delete(row)
    session.flush()
