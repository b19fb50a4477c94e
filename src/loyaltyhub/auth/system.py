"""The platform acting on its own behalf: a Triggerer rule sending a message, a job sending the "points
expire soon" notices. Services take a :class:`~loyaltyhub.auth.context.ClubAccess` for whoever acts; a
system actor gets one of its own, on one club, holding exactly the permits its one action needs (no
client token or staff user stands behind it). Its ``actor_key`` (``rule:12``, ``job:<name>``) is what the
rows it makes record as their creator (``docs/decisions/events.md``).
"""

from __future__ import annotations

from collections.abc import Iterable

from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.principal import Grant, Principal
from loyaltyhub.clubs.models import LoyaltyClub


def system_access(club: LoyaltyClub, actor: str, permits: Iterable[str]) -> ClubAccess:
    """A ``ClubAccess`` of the system actor ``actor`` (``rule:12``) on ``club`` with exactly ``permits``."""
    held = frozenset(permits)
    principal = Principal(kind="system", id=0, name=actor, grants=(Grant(held, club_ids=frozenset({club.id})),))
    return ClubAccess(principal=principal, club=club, permits=held)


def rule_actor(rule_id: int) -> str:
    return f"rule:{rule_id}"


def job_actor(job: str) -> str:
    return f"job:{job}"
