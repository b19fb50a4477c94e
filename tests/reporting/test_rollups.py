"""The hourly usage rollup changes how fast usage reports answer, never what they answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltyhub.reporting import rollups
from loyaltyhub.reporting.engine import run_query
from tests.reporting.factories import access, member, usage

START = datetime(2024, 10, 25, 0, 0, tzinfo=UTC)  # the Oslo autumn transition falls inside
rows_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "minutes": st.integers(0, 60 * 24 * 4),
            "member_gender": st.none() | st.sampled_from(["woman", "man"]),
            "member_place_id": st.none() | st.sampled_from(["40", "43"]),
            "authorized": st.booleans(),
        }
    ),
    max_size=30,
)


def queries(window_start: datetime, window_end: datetime) -> list[dict]:
    window = {"from": window_start.isoformat(), "to": window_end.isoformat()}
    found = [{"report": "offers_usages_history", "interval": i, **window} for i in ("1h", "1d")]
    for aggregation in (None, "member_gender", "member_place_id", "authorized"):
        found.append({"report": "offers_usages_stats", "interval": "5m", "aggregate_by": aggregation, **window})
    found.append({"report": "offers_usages_history", "interval": "1d", "aggregate_by": "authorized", **window})
    return found


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=rows_strategy,
    now_minutes=st.integers(0, 60 * 24 * 5),
    offsets=st.tuples(st.integers(0, 600), st.integers(0, 600)),
)
def test_answers_are_the_same_with_and_without_the_rollup(session, factory, rows, now_minutes, offsets):
    from sqlalchemy import delete

    from loyaltyhub.reporting.models import OfferUsageHourly, RollupState
    from tests.offers.factories import offer

    # Examples share the test's transaction: start each one without a rollup.
    session.execute(delete(RollupState))
    session.execute(delete(OfferUsageHourly))
    club = factory.club(timezone="Europe/Oslo")
    used = offer(session, club)
    someone = member(session, club, notify=False)
    for row in rows:
        values = {k: v for k, v in row.items() if k != "minutes"}
        usage(session, club, used.id, someone.id, START + timedelta(minutes=row["minutes"]), **values)
    window_start = START + timedelta(minutes=offsets[0])
    window_end = START + timedelta(days=4, minutes=-offsets[1])
    raw = [run_query(session, access(club), q) for q in queries(window_start, window_end)]
    rollups.rebuild(session, now=START + timedelta(minutes=now_minutes))
    rolled = [run_query(session, access(club), q) for q in queries(window_start, window_end)]
    assert rolled == raw


def test_roll_up_adds_only_closed_hours_and_continues_where_it_stopped(session, factory):
    from tests.offers.factories import offer

    club = factory.club()
    used = offer(session, club)
    someone = member(session, club, notify=False)
    for minutes in (10, 70, 130):
        usage(session, club, used.id, someone.id, START + timedelta(minutes=minutes))
    until = rollups.rebuild(session, now=START + timedelta(hours=1, minutes=4))
    assert until == START  # the first hour is not closed until 5 minutes after its end
    until = rollups.roll_up(session, now=START + timedelta(hours=2, minutes=6))
    assert until == START + timedelta(hours=2)
    from sqlalchemy import func, select

    from loyaltyhub.reporting.models import OfferUsageHourly

    total = session.execute(
        select(func.sum(OfferUsageHourly.usages_count)).where(
            OfferUsageHourly.loyalty_club_id == club.id, OfferUsageHourly.dimension == rollups.TOTAL
        )
    ).scalar()
    assert total == 2
