"""Who is asking, and for which club(s): the context of a request (or of a job acting for one), as plain data.

The HTTP layer builds these (:mod:`loyaltyhub.auth.dependencies`, and the member routes' dependencies in
:mod:`loyaltyhub.members.identity.dependencies`); services, the reporting engine, exports and the worker
take them as arguments. Nothing here knows about HTTP.

* :class:`ClubAccess` — LoyaltyClub context: one club (the slug of the path), the caller's permits on it.
* :class:`CustomerAccess` — Customer context: the clubs ``X-Customer`` selects (reporting, exports).
* :class:`MemberContext` — a Public API member route: the app's access to the club, and the member.

Each exposes its :class:`~loyaltyhub.db.tenancy.Tenant`, the argument every tenant-scoped read takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from loyaltyhub.auth.principal import Principal
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import Tenant
from loyaltyhub.errors import MissingPermit

if TYPE_CHECKING:
    from loyaltyhub.members.identity.models import MemberToken
    from loyaltyhub.members.models import Member


def require(permits: frozenset[str], *needed: str) -> None:
    """403 ``Missing permit <name>`` for the first permit of ``needed`` not in ``permits``."""
    for permit in needed:
        if permit not in permits:
            raise MissingPermit(permit)


@dataclass(frozen=True)
class ClubAccess:
    """LoyaltyClub context: one club, named by the slug in the path."""

    principal: Principal
    club: LoyaltyClub
    permits: frozenset[str]

    @property
    def club_id(self) -> int:
        return self.club.id

    @cached_property
    def tenant(self) -> Tenant:
        return Tenant((self.club.id,))

    def require(self, *needed: str) -> None:
        require(self.permits, *needed)


@dataclass(frozen=True)
class CustomerAccess:
    """Customer context: one or several clubs selected by ``X-Customer`` (or ``X-Loyalty-Club-Slug``)."""

    principal: Principal
    clubs: tuple[LoyaltyClub, ...]
    permits: frozenset[str]
    """Permits held on every one of the clubs."""
    organization_context: bool

    @property
    def club_ids(self) -> list[int]:
        return [club.id for club in self.clubs]

    @cached_property
    def tenant(self) -> Tenant:
        return Tenant(tuple(club.id for club in self.clubs))

    def require(self, *needed: str) -> None:
        require(self.permits, *needed)


MemberRef = Literal["me", "id", "guest"]


@dataclass(frozen=True)
class MemberContext:
    """A member route's caller: the app's access to the club, and the member it acts for."""

    access: ClubAccess
    """The client token's access on the club (its permits, the club)."""
    member: Member | None
    """None for ``guest``."""
    ref: MemberRef
    token: MemberToken | None = None
    """The member token row when ``ref == "me"``."""

    @property
    def club_id(self) -> int:
        return self.access.club_id

    @property
    def tenant(self) -> Tenant:
        return self.access.tenant
