"""Every aggregation equals a straightforward recount in Python over the same random rows."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltyhub.reporting.engine import iter_rows, run_query
from loyaltyhub.reporting.filters import evaluate, parse_filter
from loyaltyhub.reporting.registry import reports
from loyaltyhub.timebuckets import bucket_start, format_instant
from tests.reporting.factories import access, member, usage

SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
members_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "gender": st.none() | st.sampled_from(["woman", "man", "other"]),
            "age": st.none() | st.sampled_from(["20-24", "30-34", "80-"]),
            "optin_channel": st.none() | st.sampled_from(["default", "webforms"]),
            "optin_subchannel": st.none() | st.sampled_from(["2242"]),
            "optin_platform": st.sampled_from(["android", "ios", "other"]),
            "marketing_via_anything": st.booleans(),
            "place_id": st.none() | st.sampled_from(["40", "43"]),
            "city_place_id": st.none() | st.sampled_from(["40"]),
            "group_ids": st.lists(st.sampled_from([1, 2, 3]), unique=True, max_size=2),
            "consents": st.dictionaries(st.sampled_from(["sms_marketing", "email_marketing"]), st.booleans()),
            "interests": st.lists(st.sampled_from(["cars", "swimming"]), unique=True, max_size=2),
        }
    ),
    max_size=10,
)
FILTERS = [
    None,
    {"type": "equal", "field": "gender", "value": None},
    {"type": "not_equal", "field": "gender", "value": "woman"},
    {"type": "in", "field": "group_ids", "value": [1, 3]},
    {"type": "not_in", "field": "group_ids", "value": [2]},
    {
        "type": "or",
        "operations": [
            {"type": "in", "field": "age", "value": ["20-24"]},
            {"type": "equal", "field": "marketing_via_anything", "value": True},
        ],
    },
]


def expected_rows(rows, aggregation, club_id):
    counts: Counter = Counter()
    for row in rows:
        if aggregation.name.endswith("consents_count"):
            keys = [(k, bool(v)) for k, v in row["consents"].items()]
        elif aggregation.name.endswith("interests_count"):
            keys = [(i,) for i in row["interests"]]
        else:
            keys = [tuple(row[label] for label in aggregation.labels)]
        for key in keys:
            counts[((club_id,) if aggregation.per_club else ()) + key] += 1
    return counts


@SETTINGS
@given(rows=members_strategy, filter_index=st.integers(0, len(FILTERS) - 1))
def test_member_aggregations_match_a_recount(session, factory, rows, filter_index):
    club = factory.club()
    for row in rows:
        values = {k: v for k, v in row.items() if k != "interests"}
        values["properties"] = {"interests": row["interests"]}
        values["consents"] = {k: {"status": v} for k, v in row["consents"].items()}
        member(session, club, notify=False, **values)
    raw_filter = FILTERS[filter_index]
    report = reports()["members"]
    node = parse_filter(raw_filter, report.field_map)
    chosen = [row for row in rows if evaluate(node, row)]
    for aggregation in report.aggregations:
        answer = list(
            iter_rows(
                session, access(club), {"report": "members", "aggregate_by": aggregation.name, "filter": raw_filter}
            )
        )
        got = Counter()
        for record in answer:
            key = ((record["community_id"],) if aggregation.per_club else ()) + tuple(
                record[label] for label in aggregation.labels
            )
            got[key] += record["members_count"]
        assert got == expected_rows(chosen, aggregation, club.id), aggregation.name
    listed = run_query(session, access(club), {"report": "members", "filter": raw_filter, "per_page": 1000})
    assert len(listed["records"]) == len(chosen)


usages_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "minutes": st.integers(0, 60 * 24 * 9),
            "member_gender": st.none() | st.sampled_from(["woman", "man"]),
            "member_age": st.none() | st.sampled_from(["20-24", "30-34"]),
            "member_place_id": st.none() | st.sampled_from(["40", "43"]),
            "member_city_place_id": st.none() | st.sampled_from(["40"]),
            "authorized": st.booleans(),
            "authorization_type": st.none() | st.sampled_from(["token"]),
        }
    ),
    max_size=25,
)
START = datetime(2024, 10, 21, tzinfo=ZoneInfo("Europe/Oslo"))


@SETTINGS
@given(rows=usages_strategy)
def test_usage_statistics_and_history_match_a_recount(session, factory, rows):
    from tests.offers.factories import offer

    club = factory.club()
    used = offer(session, club)
    someone = member(session, club, notify=False)
    for row in rows:
        values = {k: v for k, v in row.items() if k != "minutes"}
        usage(session, club, used.id, someone.id, START + timedelta(minutes=row["minutes"]), **values)
    window = {"from": START.isoformat(), "to": (START + timedelta(days=10)).isoformat(), "interval": "1d"}
    for aggregation in reports()["offers_usages_stats"].aggregations:
        answer = run_query(
            session, access(club), {"report": "offers_usages_stats", "aggregate_by": aggregation.name, **window}
        )
        label = aggregation.labels[0]
        expected = Counter(row[label] for row in rows)
        got = {}
        for entry in answer["series"]:
            value = entry["label"][label]
            got[str(value) if isinstance(value, int) and not isinstance(value, bool) else value] = entry["value"]
        assert got == dict(expected), aggregation.name
    tz = ZoneInfo("Europe/Oslo")
    answer = run_query(session, access(club), {"report": "offers_usages_history", **window})
    buckets = Counter(
        format_instant(bucket_start((START + timedelta(minutes=r["minutes"])).astimezone(UTC), tz, "1d"), tz)
        for r in rows
    )
    assert answer["time_buckets"] == sorted(buckets)
    assert answer["series"] == ([{"label": {}, "values": [buckets[b] for b in sorted(buckets)]}] if rows else [])
