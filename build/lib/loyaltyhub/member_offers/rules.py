"""May this member use this offer now? Plain functions over plain data (SPEC §5).

Nothing here touches HTTP or the database: the service loads an :class:`OfferTerms`, a
:class:`MemberStanding` and a :class:`UsageState` (the latter under a row lock) and asks
:func:`check_use`; the first failing step of the SPEC's nine wins.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from loyaltyhub.member_offers.periods import Timespan, period_bounds
from loyaltyhub.offers.types import GRANT_ONLY_TYPES, NON_USABLE_TYPES

NEVER_USABLE_TYPES = NON_USABLE_TYPES


@dataclass(frozen=True)
class Refusal:
    """Why a use is refused: HTTP status, the seed's exact message, and a stable reason code."""

    reason: str
    status: int
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


def not_found(offer_id: int) -> Refusal:
    return Refusal("not_found", 404, f"Offer#{offer_id} not found")


def banned(until: datetime) -> Refusal:
    return Refusal("banned", 467, "Member is banned!", {"banned_until": iso(until)})


NOT_GRANTED = Refusal("not_granted", 422, "Not granted")
NOT_USABLE_TYPE = Refusal("not_usable_type", 405, "Offer is not usable")
NOT_IN_TIMEFRAMES = Refusal("not_in_usable_timeframes", 422, "Not in usable timeframes")
TOKEN_MISSING = Refusal("authorization_token_missing", 422, "Usage authorization token missing")
TOKEN_INVALID = Refusal("authorization_token_invalid", 422, "Usage authorization token invalid")
ALREADY_ACTIVE = Refusal("already_active", 422, "Already active")
USER_LIMIT = Refusal("user_limit_exceeded", 422, "User limit exceeded")
PERIODIC_LIMIT = Refusal("periodic_user_limit_exceeded", 422, "Periodic user limit exceeded")
GLOBAL_LIMIT = Refusal("global_limit_exceeded", 422, "Global limit exceeded")


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, as the seeds print times."""
    return value.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class PeriodicUsage:
    """A periodic limit: at most ``limit`` uses per calendar ``timespan``."""

    timespan: Timespan
    limit: int

    @classmethod
    def of(cls, timespan: Timespan | None, limit: int | None) -> PeriodicUsage | None:
        """The limit an offer's ``periodic_usage`` sets. Both keys are nullable (seed): a limit without a
        timespan, or a timespan without a limit, counts nothing, so either null means no periodic limit."""
        if timespan is None or limit is None:
            return None
        return cls(timespan=timespan, limit=int(limit))

    @classmethod
    def parse(cls, value: Any) -> PeriodicUsage | None:
        if not isinstance(value, dict):
            return None
        return cls.of(value.get("timespan"), value.get("limit"))


@dataclass(frozen=True)
class OfferTerms:
    """The usage-relevant fields of an offer."""

    id: int
    type: str
    status: str = "published"
    archived: bool = False
    visible_since: datetime | None = None
    visible_until: datetime | None = None
    usable_since: datetime | None = None
    usable_until: datetime | None = None
    audience_id: int | None = None
    maximum_uses_per_user: int | None = None
    periodic_usage: PeriodicUsage | None = None
    stock: int | None = None
    uses_count: int = 0
    usable_in_seconds_after_granting: int | None = None
    usage_authorization_token: str | None = None
    usage_authorization_token_required: bool = False

    @property
    def grant_only(self) -> bool:
        return self.type in GRANT_ONLY_TYPES


@dataclass(frozen=True)
class MemberStanding:
    """Who the member is, as far as one offer cares: ban, audiences, latest grant of this offer."""

    banned_until: datetime | None = None
    group_ids: frozenset[int] = frozenset()
    granted_at: datetime | None = None


@dataclass(frozen=True)
class UsageState:
    """The member's counters for one offer (a locked ``member_offer_counters`` row, or zeros)."""

    uses_count: int = 0
    last_used_at: datetime | None = None
    active_until: datetime | None = None
    period_start: datetime | None = None
    period_uses: int = 0


@dataclass(frozen=True)
class ClubClock:
    """The club's settings that the rules need, and the time they are judged at."""

    now: datetime
    tz: ZoneInfo
    offer_active_seconds: int = 900


def _within(now: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or since <= now) and (until is None or now <= until)


def is_banned(standing: MemberStanding, now: datetime) -> bool:
    return standing.banned_until is not None and standing.banned_until > now


def admitted(offer: OfferTerms, standing: MemberStanding) -> bool:
    """The audience admits the member and, for grant-only types, a grant exists (step 3)."""
    if offer.audience_id is not None and offer.audience_id not in standing.group_ids:
        return False
    return not (offer.grant_only and standing.granted_at is None)


def grant_expires_at(offer: OfferTerms, standing: MemberStanding) -> datetime | None:
    if standing.granted_at is None or offer.usable_in_seconds_after_granting is None:
        return None
    return standing.granted_at + timedelta(seconds=offer.usable_in_seconds_after_granting)


def in_timeframes(offer: OfferTerms, standing: MemberStanding, now: datetime) -> bool:
    """Within the visible and usable windows and, with a grant, its usable seconds (step 4)."""
    if not _within(now, offer.visible_since, offer.visible_until):
        return False
    if not _within(now, offer.usable_since, offer.usable_until):
        return False
    expires = grant_expires_at(offer, standing)
    return expires is None or now <= expires


def is_visible(offer: OfferTerms, standing: MemberStanding | None, now: datetime, scope_types: frozenset[str]) -> bool:
    """Whether the offer appears in the member's list (SPEC §5); ``standing`` None is a guest."""
    if offer.status != "published" or offer.archived or offer.type not in scope_types:
        return False
    if not _within(now, offer.visible_since, offer.visible_until):
        return False
    if standing is None:
        return offer.audience_id is None and not offer.grant_only
    if not admitted(offer, standing):
        return False
    if offer.grant_only:
        expires = grant_expires_at(offer, standing)
        return expires is None or now <= expires
    return True


def token_matches(expected: str | None, given: str) -> bool:
    if expected is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def current_period_uses(offer: OfferTerms, state: UsageState, clock: ClubClock) -> tuple[datetime, int] | None:
    """``(period start, uses in it)`` for the period containing ``clock.now``; None without a limit."""
    if offer.periodic_usage is None:
        return None
    start, _end = period_bounds(offer.periodic_usage.timespan, clock.now, clock.tz)
    return start, state.period_uses if state.period_start == start else 0


def is_active(state: UsageState, now: datetime) -> bool:
    return state.active_until is not None and state.active_until > now


def check_use(
    offer: OfferTerms | None,
    offer_id: int,
    standing: MemberStanding,
    state: UsageState,
    clock: ClubClock,
    scope_types: frozenset[str],
    authorization_token: str | None,
    *,
    check_stock: bool = True,
) -> Refusal | None:
    """The nine checks of SPEC §5, in order; the first failure wins. None = the use may happen.

    ``check_stock=False`` leaves step 9 to the conditional ``UPDATE`` that increments the stock
    (the only race-free way to judge it).
    """
    now = clock.now
    # 1. exists in the club, published, not archived, type within the requested scope
    if offer is None or offer.status != "published" or offer.archived or offer.type not in scope_types:
        return not_found(offer_id)
    # 2. member not banned
    if standing.banned_until is not None and is_banned(standing, now):
        return banned(standing.banned_until)
    # 3. audience admits and grant held; informational never usable
    if not admitted(offer, standing):
        return NOT_GRANTED
    if offer.type in NEVER_USABLE_TYPES:
        return NOT_USABLE_TYPE
    # 4. visible and usable windows, grant's usable seconds
    if not in_timeframes(offer, standing, now):
        return NOT_IN_TIMEFRAMES
    # 5. authorization token
    if offer.usage_authorization_token_required:
        if not authorization_token:
            return TOKEN_MISSING
        if not token_matches(offer.usage_authorization_token, authorization_token):
            return TOKEN_INVALID
    # 6. previous use still active
    if is_active(state, now):
        return ALREADY_ACTIVE
    # 7. per-user limit
    if offer.maximum_uses_per_user is not None and state.uses_count >= offer.maximum_uses_per_user:
        return USER_LIMIT
    # 8. periodic limit in the current calendar period
    period = current_period_uses(offer, state, clock)
    if period is not None and offer.periodic_usage is not None and period[1] >= offer.periodic_usage.limit:
        return PERIODIC_LIMIT
    # 9. global stock
    if check_stock and offer.stock is not None and offer.uses_count >= offer.stock:
        return GLOBAL_LIMIT
    return None


def after_use(offer: OfferTerms, state: UsageState, clock: ClubClock) -> UsageState:
    """The member's counters once a use at ``clock.now`` has happened."""
    now = clock.now
    active_until = now + timedelta(seconds=clock.offer_active_seconds) if clock.offer_active_seconds > 0 else None
    period = current_period_uses(offer, state, clock)
    return UsageState(
        uses_count=state.uses_count + 1,
        last_used_at=now,
        active_until=active_until,
        period_start=period[0] if period else None,
        period_uses=period[1] + 1 if period else 0,
    )


def usage_view(
    offer: OfferTerms, standing: MemberStanding | None, state: UsageState, clock: ClubClock, scope_types: frozenset[str]
) -> dict[str, Any]:
    """The OfferUsage object of reference C.1 for this member, as of ``clock.now``.

    ``usable``: every check but the token (the member brings it at the counter) and the active
    window (an offer that was just used is still usable, as in the seed's example answer).
    ``uses_left``: per-user uses left (null without a per-user limit). ``active_until``: when the
    last use stops being active, null when none is. ``period``: the current periodic window.
    """
    now = clock.now
    if standing is None:
        usable = False
    else:
        refusal = check_use(
            offer,
            offer.id,
            standing,
            UsageState(uses_count=state.uses_count, period_start=state.period_start, period_uses=state.period_uses),
            clock,
            scope_types,
            offer.usage_authorization_token,
        )
        usable = refusal is None
    max_uses = offer.maximum_uses_per_user
    period_view = None
    if offer.periodic_usage is not None:
        start, end = period_bounds(offer.periodic_usage.timespan, now, clock.tz)
        used = state.period_uses if state.period_start == start else 0
        period_view = {
            "timespan": offer.periodic_usage.timespan,
            "limit": offer.periodic_usage.limit,
            "uses_left": max(offer.periodic_usage.limit - used, 0),
            "started_at": iso(start),
            "ends_at": iso(end),
        }
    return {
        "usable": usable,
        "max_uses": max_uses,
        "uses_left": None if max_uses is None else max(max_uses - state.uses_count, 0),
        "active_until": iso(state.active_until) if is_active(state, now) and state.active_until else None,
        "period": period_view,
    }
