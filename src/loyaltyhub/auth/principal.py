"""Who is calling and what they may do: plain data, no HTTP, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, false, or_, true

from loyaltyhub.clubs.models import LoyaltyClub


@dataclass(frozen=True)
class Grant:
    """Permits held on a set of clubs: every club, the clubs of some organizations, or listed clubs."""

    permits: frozenset[str]
    is_global: bool = False
    club_ids: frozenset[int] = frozenset()
    organization_ids: frozenset[int] = frozenset()

    def covers(self, club: LoyaltyClub) -> bool:
        return (
            self.is_global
            or club.id in self.club_ids
            or (club.organization_id is not None and club.organization_id in self.organization_ids)
        )

    def club_condition(self) -> ColumnElement[bool]:
        if self.is_global:
            return true()
        conditions = []
        if self.club_ids:
            conditions.append(LoyaltyClub.id.in_(sorted(self.club_ids)))
        if self.organization_ids:
            conditions.append(LoyaltyClub.organization_id.in_(sorted(self.organization_ids)))
        return or_(*conditions) if conditions else false()


@dataclass(frozen=True)
class Principal:
    kind: Literal["client", "user", "system"]
    """``system``: the platform acting on its own behalf (a Triggerer rule, a job), see :mod:`.system`."""
    id: int
    name: str
    grants: tuple[Grant, ...]
    product_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def actor_key(self) -> str:
        """Who did it, as stored on what it made: ``client:5``, ``user:3``; a system principal's name
        (``rule:12``, ``job:rewards_points_expiry``)."""
        return self.name if self.kind == "system" else f"{self.kind}:{self.id}"

    def covers(self, club: LoyaltyClub) -> bool:
        return any(grant.covers(club) for grant in self.grants)

    def permits_on(self, club: LoyaltyClub) -> frozenset[str]:
        held: set[str] = set()
        for grant in self.grants:
            if grant.covers(club):
                held |= grant.permits
        return frozenset(held)

    def club_condition(self) -> ColumnElement[bool]:
        """SQL condition on ``LoyaltyClub`` selecting exactly the clubs this principal may access."""
        return or_(*(grant.club_condition() for grant in self.grants)) if self.grants else false()


def common_permits(principal: Principal, clubs: list[LoyaltyClub]) -> frozenset[str]:
    """Permits held on every one of ``clubs`` (a request over several clubs needs them on each)."""
    if not clubs:
        return frozenset()
    held = principal.permits_on(clubs[0])
    for club in clubs[1:]:
        held &= principal.permits_on(club)
    return held
