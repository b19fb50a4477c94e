"""The Triggerer's decisions, without a database: minimum, rate, limit, frequency (calendar periods of
Europe/Oslo across a DST change and a week boundary), audience, sources and data conditions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from loyaltyhub.errors import ValidationFailed
from loyaltyhub.triggers import conditions as grammar
from loyaltyhub.triggers.rules import Standing, Terms, admits, decide, period_of

OSLO = ZoneInfo("Europe/Oslo")


def terms(**values) -> Terms:
    base = {
        "minimum": 0,
        "rate": None,
        "limit": None,
        "frequency_limit": None,
        "frequency_timespan": None,
        "data_conditions": None,
        "audience_id": None,
        "excluded_sources": (),
    }
    return Terms(**{**base, **values})


def fired(t: Terms, events: int, per_period: list[int] | None = None) -> list[bool]:
    """Replay ``events`` events of one member (all in one period unless ``per_period`` says which)."""
    acted = 0
    in_period: dict[int, int] = {}
    out = []
    for n in range(events):
        period = per_period[n] if per_period else 0
        decision = decide(t, Standing(n, acted, in_period.get(period, 0)))
        out.append(decision.fire)
        if decision.fire:
            acted += 1
            in_period[period] = in_period.get(period, 0) + 1
    return out


def test_every_event_fires_without_constraints():
    assert fired(terms(), 3) == [True, True, True]


def test_minimum_events_come_before_the_first_action():
    assert fired(terms(minimum=2), 4) == [False, False, True, True]


def test_rate_acts_on_every_nth_event_past_the_minimum():
    assert fired(terms(rate=3), 7) == [False, False, True, False, False, True, False]
    assert fired(terms(minimum=1, rate=2), 5) == [False, False, True, False, True]


def test_limit_caps_the_actions_per_member():
    assert fired(terms(limit=1), 3) == [True, False, False]
    assert decide(terms(limit=1), Standing(5, 1, 0)).reason == "limit"


def test_frequency_caps_the_actions_per_period():
    t = terms(frequency_limit=1, frequency_timespan="day")
    assert fired(t, 4, per_period=[0, 0, 1, 1]) == [True, False, True, False]
    assert decide(t, Standing(1, 1, 1)).reason == "frequency"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("first", "second", "same_period"),
    [
        # spring forward (2026-03-29 02:00 → 03:00): the local day is 23 hours long
        ("2026-03-28T23:30:00+01:00", "2026-03-29T00:30:00+01:00", False),
        ("2026-03-29T00:30:00+01:00", "2026-03-29T23:30:00+02:00", True),
        ("2026-03-29T23:30:00+02:00", "2026-03-30T00:10:00+02:00", False),
        # fall back (2026-10-25 03:00 → 02:00): 25 hours
        ("2026-10-25T00:05:00+02:00", "2026-10-25T23:55:00+01:00", True),
        ("2026-10-24T23:59:00+02:00", "2026-10-25T00:00:00+02:00", False),
        # UTC midnight is not the club's midnight
        ("2026-06-01T21:59:00+00:00", "2026-06-01T22:01:00+00:00", False),
    ],
)
def test_days_are_oslo_days_across_dst(first, second, same_period):
    t = terms(frequency_limit=1, frequency_timespan="day")
    assert (period_of(t, at(first), OSLO) == period_of(t, at(second), OSLO)) is same_period


def test_a_day_across_the_spring_change_lasts_23_hours():
    t = terms(frequency_limit=1, frequency_timespan="day")
    start = period_of(t, at("2026-03-29T12:00:00+02:00"), OSLO)
    after = period_of(t, at("2026-03-30T12:00:00+02:00"), OSLO)
    assert after - start == timedelta(hours=23)
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def test_weeks_start_on_monday_in_oslo():
    t = terms(frequency_limit=1, frequency_timespan="week")
    sunday_night = at("2026-03-29T23:59:00+02:00")  # Sunday, the day of the DST change
    monday_morning = at("2026-03-30T00:01:00+02:00")
    assert period_of(t, sunday_night, OSLO) != period_of(t, monday_morning, OSLO)
    assert period_of(t, at("2026-03-23T00:00:00+01:00"), OSLO) == period_of(t, sunday_night, OSLO)


def op(kind, field, value):
    return {"type": kind, "field": field, "value": value}


def both(*operations):
    return {"type": "and", "operations": list(operations)}


def test_audience_sources_and_conditions():
    node = grammar.parse("coupon_used", op("in", "data.offer_id", [1, 2]))
    t = terms(audience_id=7, excluded_sources=("webforms",), data_conditions=node)
    member = {"group_ids": [7], "gender": "woman"}
    assert admits(t, source="ios", member=member, data={"offer_id": 1}) is None
    assert admits(t, source="webforms", member=member, data={"offer_id": 1}) == "excluded_source"
    assert admits(t, source="ios", member={"group_ids": []}, data={"offer_id": 1}) == "not_in_audience"
    assert admits(t, source="ios", member=member, data={"offer_id": 3}) == "data_conditions"


@pytest.mark.parametrize(
    ("event_type", "condition", "data", "member", "holds"),
    [
        ("link_clicked", op("equal", "data.url", "https://x"), {"url": "https://x"}, {}, True),
        ("link_clicked", op("not_equal", "data.url", "https://x"), {}, {}, True),
        ("link_clicked", op("equal", "data.link_id", None), {}, {}, True),  # null: the key is absent
        ("link_clicked", op("not_equal", "data.link_id", None), {}, {}, False),
        (
            "points_earned",
            both(op("greater_or_equal_to", "data.points", 2), op("less_than", "data.points", 5)),
            {"points": 4},
            {},
            True,
        ),
        ("points_earned", op("greater_than", "data.points", 4), {"points": 4}, {}, False),
        ("points_earned", op("greater_than", "data.points", 4), {}, {}, False),
        ("app_opened", op("in", "member.gender", ["woman"]), {}, {"gender": "woman"}, True),
        ("app_opened", op("not_in", "member.gender", ["woman"]), {}, {"gender": "woman"}, False),
        ("app_opened", op("in", "member.group_ids", [3, 4]), {}, {"group_ids": [1, 4]}, True),
        ("app_opened", op("in", "member.age", ["20-24"]), {}, {"age": "25-29"}, False),
        ("app_opened", op("equal", "data.platform", "ios"), {"platform": "ios"}, {}, True),
        ("app_opened", op("equal", "source", "kiosk"), {}, {}, False),
        (
            "app_opened",
            {"type": "or", "operations": [op("equal", "data.platform", "ios"), op("equal", "member.gender", "man")]},
            {"platform": "web"},
            {"gender": "man"},
            True,
        ),
    ],
)
def test_conditions_use_the_reporting_filter_grammar(event_type, condition, data, member, holds):
    node = grammar.parse(event_type, condition)
    assert grammar.holds(node, source="ios", member=member, data=data) is holds


def test_condition_problems_name_the_bad_nodes():
    assert grammar.parse("app_opened", both(op("equal", "data.platform", "ios"))) is not None
    with pytest.raises(ValidationFailed) as refused:
        grammar.parse(
            "app_opened",
            both(
                op("equal", "member.password", 1),
                op("like", "data.platform", "x"),
                op("in", "data.app_version", "1.0"),
                op("equal", "data.platform", "amiga"),
            ),
        )
    details = refused.value.extra["details"]["data_conditions"]["operations"]
    assert details["0"]["field"][0]["error"] == "inclusion"
    assert "data.platform" in details["0"]["field"][0]["options"]["in"]
    assert "member.gender" in details["0"]["field"][0]["options"]["in"]
    assert details["1"]["type"][0]["error"] == "inclusion"
    assert details["2"]["value"][0]["error"] == "invalid_type"
    assert details["3"]["value"][0] == {"error": "inclusion", "options": {"in": ["ios", "android", "web", "other"]}}


def test_the_parsed_tree_is_cached_per_rule_text():
    raw = both(op("equal", "data.url", "https://x"))
    assert grammar.compiled("link_clicked", raw) is grammar.compiled("link_clicked", dict(raw))
    assert grammar.compiled("link_clicked", None) is None
