"""The Use Offer checks of SPEC §5 as plain functions: each step, and which wins when several fail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from loyaltyhub.member_offers import rules
from loyaltyhub.member_offers.rules import (
    ClubClock,
    MemberStanding,
    OfferTerms,
    PeriodicUsage,
    UsageState,
    after_use,
    check_use,
    is_visible,
    usage_view,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")
CLOCK = ClubClock(now=NOW, tz=OSLO, offer_active_seconds=900)
STANDARD = frozenset({"regular", "exclusive", "welcome", "birthday", "competition", "game_prize"})
INFORMATIONAL = frozenset({"informational"})
OFFER = OfferTerms(id=7, type="regular")
MEMBER = MemberStanding()
FRESH = UsageState()


def check(offer=OFFER, standing=MEMBER, state=FRESH, clock=CLOCK, scope=STANDARD, token=None):
    refusal = check_use(offer, offer.id if offer else 7, standing, state, clock, scope, token)
    return None if refusal is None else (refusal.status, refusal.message)


def test_a_plain_offer_is_usable():
    assert check() is None


@pytest.mark.parametrize(
    "offer",
    [
        replace(OFFER, status="draft"),
        replace(OFFER, status="unpublished"),
        replace(OFFER, archived=True),
        replace(OFFER, type="parking"),  # not in the standard scope
    ],
)
def test_step1_unpublished_archived_or_other_scope_is_404(offer):
    assert check(offer) == (404, "Offer#7 not found")


def test_step1_missing_offer_is_404_with_its_id():
    assert check_use(None, 10000951, MEMBER, FRESH, CLOCK, STANDARD, None).body() == {
        "error": "Offer#10000951 not found"
    }


def test_step2_banned_member_is_467_with_banned_until():
    standing = MemberStanding(banned_until=datetime(2137, 10, 28, 17, 24, 6, 207000, tzinfo=UTC))
    refusal = check_use(OFFER, 7, standing, FRESH, CLOCK, STANDARD, None)
    assert refusal.status == 467
    assert refusal.body() == {"error": "Member is banned!", "banned_until": "2137-10-28T17:24:06.207Z"}


def test_a_ban_in_the_past_is_no_ban():
    assert check(standing=MemberStanding(banned_until=NOW - timedelta(seconds=1))) is None


def test_step3_audience_must_admit_the_member():
    offer = replace(OFFER, audience_id=3)
    assert check(offer) == (422, "Not granted")
    assert check(offer, standing=MemberStanding(group_ids=frozenset({3}))) is None


@pytest.mark.parametrize("kind", sorted(rules.GRANT_ONLY_TYPES - {"parking_exclusive"}))
def test_step3_grant_only_types_need_a_grant(kind):
    offer = replace(OFFER, type=kind)
    assert check(offer) == (422, "Not granted")
    assert check(offer, standing=MemberStanding(granted_at=NOW - timedelta(days=1))) is None


def test_step3_informational_is_never_usable_405():
    assert check(replace(OFFER, type="informational"), scope=INFORMATIONAL) == (405, "Offer is not usable")


@pytest.mark.parametrize(
    "fields",
    [
        {"visible_since": NOW + timedelta(minutes=1)},
        {"visible_until": NOW - timedelta(minutes=1)},
        {"usable_since": NOW + timedelta(minutes=1)},
        {"usable_until": NOW - timedelta(minutes=1)},
    ],
)
def test_step4_outside_visible_or_usable_window(fields):
    assert check(replace(OFFER, **fields)) == (422, "Not in usable timeframes")


def test_step4_windows_are_inclusive_and_nulls_open():
    offer = replace(OFFER, usable_since=NOW, usable_until=NOW, visible_since=NOW, visible_until=None)
    assert check(offer) is None


def test_step4_grant_usable_seconds():
    offer = replace(OFFER, type="exclusive", usable_in_seconds_after_granting=3600)
    assert check(offer, standing=MemberStanding(granted_at=NOW - timedelta(seconds=3600))) is None
    assert check(offer, standing=MemberStanding(granted_at=NOW - timedelta(seconds=3601))) == (
        422,
        "Not in usable timeframes",
    )


def test_step5_authorization_token():
    offer = replace(OFFER, usage_authorization_token="tok3n", usage_authorization_token_required=True)
    assert check(offer) == (422, "Usage authorization token missing")
    assert check(offer, token="") == (422, "Usage authorization token missing")
    assert check(offer, token="wrong") == (422, "Usage authorization token invalid")
    assert check(offer, token="tok3n") is None


def test_step5_token_not_required_is_ignored():
    assert check(replace(OFFER, usage_authorization_token="tok3n"), token="anything") is None


def test_step6_already_active():
    state = UsageState(uses_count=1, last_used_at=NOW - timedelta(minutes=5), active_until=NOW + timedelta(minutes=10))
    assert check(state=state) == (422, "Already active")
    assert check(state=replace(state, active_until=NOW)) is None


def test_step7_user_limit():
    offer = replace(OFFER, maximum_uses_per_user=3)
    assert check(offer, state=UsageState(uses_count=2)) is None
    assert check(offer, state=UsageState(uses_count=3)) == (422, "User limit exceeded")


def test_step8_periodic_limit_counts_only_the_current_period():
    offer = replace(OFFER, periodic_usage=PeriodicUsage("day", 2))
    today = datetime(2026, 11, 24, 23, tzinfo=UTC)  # Oslo midnight
    assert check(offer, state=UsageState(uses_count=2, period_start=today, period_uses=2)) == (
        422,
        "Periodic user limit exceeded",
    )
    yesterday = today - timedelta(days=1)
    assert check(offer, state=UsageState(uses_count=2, period_start=yesterday, period_uses=2)) is None


@pytest.mark.parametrize(("timespan", "limit"), [(None, 1), ("day", None), (None, None)])
def test_step8_a_null_timespan_or_limit_is_no_periodic_limit(timespan, limit):
    periodic = PeriodicUsage.of(timespan, limit)
    assert periodic is None
    assert PeriodicUsage.parse({"timespan": timespan, "limit": limit}) is None
    offer = replace(OFFER, periodic_usage=periodic)
    today = datetime(2026, 11, 24, 23, tzinfo=UTC)  # Oslo midnight
    assert check(offer, state=UsageState(uses_count=50, period_start=today, period_uses=50)) is None
    assert usage_view(offer, MEMBER, FRESH, CLOCK, STANDARD)["period"] is None


def test_step8_a_complete_periodic_usage_is_a_limit():
    assert PeriodicUsage.of("day", 2) == PeriodicUsage("day", 2) == PeriodicUsage.parse({"timespan": "day", "limit": 2})


def test_step9_global_limit():
    assert check(replace(OFFER, stock=50, uses_count=50)) == (422, "Global limit exceeded")
    assert check(replace(OFFER, stock=50, uses_count=49)) is None
    refusal = check_use(
        replace(OFFER, stock=1, uses_count=1), 7, MEMBER, FRESH, CLOCK, STANDARD, None, check_stock=False
    )
    assert refusal is None  # left to the conditional UPDATE


# --- the order: when several checks fail, the earlier step wins ---------------------------------

EVERYTHING_WRONG = replace(
    OFFER,
    type="exclusive",
    audience_id=99,
    usable_until=NOW - timedelta(days=1),
    usage_authorization_token="t",
    usage_authorization_token_required=True,
    maximum_uses_per_user=1,
    periodic_usage=PeriodicUsage("week", 1),
    stock=1,
    uses_count=1,
)
WORN_OUT = UsageState(uses_count=5, active_until=NOW + timedelta(minutes=1), period_start=None, period_uses=9)


def test_banned_and_out_of_stock_is_467():
    standing = MemberStanding(banned_until=NOW + timedelta(days=1))
    assert check(replace(OFFER, stock=50, uses_count=50), standing=standing)[0] == 467


def test_order_of_checks_peeling_one_failure_at_a_time():
    banned = MemberStanding(banned_until=NOW + timedelta(days=1))
    assert check(replace(EVERYTHING_WRONG, archived=True), standing=banned, state=WORN_OUT)[0] == 404
    assert check(EVERYTHING_WRONG, standing=banned, state=WORN_OUT)[0] == 467
    assert check(EVERYTHING_WRONG, state=WORN_OUT)[1] == "Not granted"
    member = MemberStanding(group_ids=frozenset({99}), granted_at=NOW - timedelta(hours=1))
    assert check(EVERYTHING_WRONG, standing=member, state=WORN_OUT)[1] == "Not in usable timeframes"
    offer = replace(EVERYTHING_WRONG, usable_until=None)
    assert check(offer, standing=member, state=WORN_OUT)[1] == "Usage authorization token missing"
    assert check(offer, standing=member, state=WORN_OUT, token="x")[1] == "Usage authorization token invalid"
    assert check(offer, standing=member, state=WORN_OUT, token="t")[1] == "Already active"
    state = replace(WORN_OUT, active_until=None)
    assert check(offer, standing=member, state=state, token="t")[1] == "User limit exceeded"
    offer = replace(offer, maximum_uses_per_user=None)
    period_start = datetime(2026, 11, 22, 23, tzinfo=UTC)  # Monday 23 Nov, Oslo midnight
    state = replace(state, period_start=period_start)
    assert check(offer, standing=member, state=state, token="t")[1] == "Periodic user limit exceeded"
    offer = replace(offer, periodic_usage=None)
    assert check(offer, standing=member, state=state, token="t")[1] == "Global limit exceeded"
    assert check(replace(offer, stock=None), standing=member, state=state, token="t") is None


# --- counters after a use, periodic limits over a controllable clock ------------------------------


def use_at(offer, state, when):
    clock = ClubClock(now=when, tz=OSLO, offer_active_seconds=0)
    refusal = check_use(offer, offer.id, MEMBER, state, clock, STANDARD, None)
    return refusal, (state if refusal else after_use(offer, state, clock))


def test_after_use_moves_counters_and_active_window():
    state = after_use(OFFER, FRESH, CLOCK)
    assert state.uses_count == 1 and state.last_used_at == NOW
    assert state.active_until == NOW + timedelta(seconds=900)
    assert after_use(OFFER, FRESH, replace(CLOCK, offer_active_seconds=0)).active_until is None


def test_weekly_limit_resets_at_oslo_monday_midnight_not_utc():
    offer = replace(OFFER, periodic_usage=PeriodicUsage("week", 1))
    sunday_late = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)  # Sunday 23:30 Oslo
    monday_early = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Monday 00:30 Oslo, still Sunday in UTC
    refusal, state = use_at(offer, FRESH, sunday_late)
    assert refusal is None
    refusal, state = use_at(offer, state, sunday_late + timedelta(minutes=20))
    assert refusal.message == "Periodic user limit exceeded"
    refusal, state = use_at(offer, state, monday_early)
    assert refusal is None and state.period_uses == 1 and state.uses_count == 2


def test_daily_limit_across_the_spring_dst_change():
    offer = replace(OFFER, periodic_usage=PeriodicUsage("day", 2))
    # 29 March 2026 in Oslo is 23 hours long: 28 Mar 23:00 UTC to 29 Mar 22:00 UTC.
    refusal, state = use_at(offer, FRESH, datetime(2026, 3, 28, 23, 5, tzinfo=UTC))
    refusal, state = use_at(offer, state, datetime(2026, 3, 29, 21, 55, tzinfo=UTC))  # 23:55 CEST same day
    assert refusal is None and state.period_uses == 2
    refusal, _ = use_at(offer, state, datetime(2026, 3, 29, 21, 59, tzinfo=UTC))
    assert refusal.message == "Periodic user limit exceeded"
    refusal, state = use_at(offer, state, datetime(2026, 3, 29, 22, 0, tzinfo=UTC))  # next local day
    assert refusal is None and state.period_uses == 1


def test_hourly_limit_across_the_autumn_dst_change():
    offer = replace(OFFER, periodic_usage=PeriodicUsage("hour", 1))
    first_0230 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second_0230 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the repeated hour
    refusal, state = use_at(offer, FRESH, first_0230)
    assert refusal is None
    assert use_at(offer, state, first_0230 + timedelta(minutes=29))[0].message == "Periodic user limit exceeded"
    refusal, state = use_at(offer, state, second_0230)
    assert refusal is None and state.uses_count == 2


# --- visibility and the usage object ------------------------------------------------------------


def test_visibility():
    assert is_visible(OFFER, MEMBER, NOW, STANDARD)
    assert is_visible(OFFER, None, NOW, STANDARD)  # guest
    assert not is_visible(replace(OFFER, status="draft"), MEMBER, NOW, STANDARD)
    assert not is_visible(replace(OFFER, visible_until=NOW - timedelta(1)), MEMBER, NOW, STANDARD)
    assert not is_visible(replace(OFFER, audience_id=1), None, NOW, STANDARD)
    exclusive = replace(OFFER, type="exclusive", usable_in_seconds_after_granting=60)
    assert not is_visible(exclusive, MEMBER, NOW, STANDARD)
    assert is_visible(exclusive, MemberStanding(granted_at=NOW - timedelta(seconds=30)), NOW, STANDARD)
    assert not is_visible(exclusive, MemberStanding(granted_at=NOW - timedelta(seconds=61)), NOW, STANDARD)
    # visible but not yet usable: still listed
    assert is_visible(replace(OFFER, usable_since=NOW + timedelta(days=1)), MEMBER, NOW, STANDARD)


def test_usage_view_after_a_use():
    offer = replace(OFFER, maximum_uses_per_user=100)
    state = after_use(offer, UsageState(uses_count=31), CLOCK)
    assert usage_view(offer, MEMBER, state, CLOCK, STANDARD) == {
        "usable": True,
        "max_uses": 100,
        "uses_left": 68,
        "active_until": "2026-11-25T12:15:00.000Z",
        "period": None,
    }


def test_usage_view_limits_and_period():
    offer = replace(OFFER, maximum_uses_per_user=1, periodic_usage=PeriodicUsage("week", 15))
    view = usage_view(offer, MEMBER, UsageState(uses_count=1), CLOCK, STANDARD)
    assert view["usable"] is False and view["uses_left"] == 0 and view["active_until"] is None
    assert view["period"] == {
        "timespan": "week",
        "limit": 15,
        "uses_left": 15,
        "started_at": "2026-11-22T23:00:00.000Z",
        "ends_at": "2026-11-29T23:00:00.000Z",
    }
    assert usage_view(OFFER, None, FRESH, CLOCK, STANDARD)["usable"] is False  # guests use nothing


def test_usage_view_token_required_offer_is_usable_without_the_token():
    offer = replace(OFFER, usage_authorization_token="tok", usage_authorization_token_required=True)
    assert usage_view(offer, MEMBER, FRESH, CLOCK, STANDARD)["usable"] is True
