"""The engine interface the exports domain builds on: ``iter_rows`` yields every row without caps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyaltyhub.errors import MissingPermit, ValidationFailed
from loyaltyhub.reporting.engine import iter_rows, run_query
from tests.reporting.factories import access, balance_event, member


def test_records_come_whole_and_in_id_order(session, factory):
    club = factory.club()
    ids = [member(session, club).id for _ in range(5)]
    rows = list(iter_rows(session, access(club), {"report": "members", "per_page": 1}))
    assert [r["id"] for r in rows] == ids
    assert "consents" in rows[0] and "first_name" not in rows[0]["properties"]


def test_timeseries_come_in_long_form_beyond_the_interactive_limits(session, factory):
    club = factory.club()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for hour in range(200):  # 200 hourly buckets: over the 150-bucket limit of the API
        balance_event(session, club, start + timedelta(hours=hour, minutes=5))
    query = {
        "report": "member_balance",
        "interval": "1h",
        "from": start.isoformat(),
        "to": (start + timedelta(hours=200)).isoformat(),
    }
    with pytest.raises(ValidationFailed):
        run_query(session, access(club), query)
    rows = list(iter_rows(session, access(club), query))
    assert len(rows) == 200
    assert rows[0] == {"bucket": "2024-01-01T01:00:00.000+01:00", "type": "in", "value": 1}


def test_several_timezones_add_club_and_timezone_to_each_row(session, factory):
    oslo, denver = factory.club(timezone="Europe/Oslo"), factory.club(timezone="America/Denver")
    balance_event(session, oslo, datetime(2024, 5, 1, 10, tzinfo=UTC))
    balance_event(session, denver, datetime(2024, 5, 1, 10, tzinfo=UTC))
    query = {"report": "member_balance", "interval": "1d", "from": "2024-05-01T00:00:00Z", "to": "2024-05-02T00:00:00Z"}
    rows = sorted(iter_rows(session, access(oslo, denver), query), key=lambda r: r["loyalty_club_id"])
    assert [(r["loyalty_club_id"], r["timezone"], r["bucket"]) for r in rows] == [
        (oslo.id, "Europe/Oslo", "2024-05-01T00:00:00.000+02:00"),
        (denver.id, "America/Denver", "2024-05-01T00:00:00.000-06:00"),
    ]


def test_permits_are_checked(session, factory):
    club = factory.club()
    with pytest.raises(MissingPermit):
        list(iter_rows(session, access(club, permits=frozenset({"Reporting:Api:Query"})), {"report": "members"}))
