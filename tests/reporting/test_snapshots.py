"""Member count snapshots: the 15-minute job, the demo backfill and the two timeseries reading them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from loyaltyhub.demo import DemoContext, DemoOptions
from loyaltyhub.reporting import demo
from loyaltyhub.reporting.engine import run_query
from loyaltyhub.reporting.snapshots import take_snapshot
from loyaltyhub.worker import JOBS
from tests.reporting.factories import access, member

NOW = datetime(2024, 6, 10, 12, tzinfo=UTC)


def test_the_snapshot_job_runs_every_15_minutes():
    [job] = [job for job in JOBS if job.name == "members_count_snapshot"]
    assert job.interval_seconds == 15 * 60


def test_snapshot_reports_take_the_last_snapshot_of_each_bucket(session, factory):
    club = factory.club()
    member(session, club, gender="woman")
    take_snapshot(session, NOW)
    member(session, club, gender="man")
    take_snapshot(session, NOW + timedelta(minutes=15))
    member(session, club, gender="man")
    take_snapshot(session, NOW + timedelta(hours=1))
    window = {"from": "2024-06-10T00:00:00Z", "to": "2024-06-11T00:00:00Z", "interval": "1h"}
    answer = run_query(session, access(club), {"report": "members_count_snapshot", **window})
    assert answer["time_buckets"] == ["2024-06-10T14:00:00.000+02:00", "2024-06-10T15:00:00.000+02:00"]
    assert answer["series"] == [{"label": {}, "values": [2, 3]}]
    by_gender = run_query(
        session,
        access(club),
        {
            "report": "members_count_history",
            "filter": {"type": "equal", "field": "grouping_type", "value": "gender"},
            "aggregate_by": "by_grouping_value",
            **window,
        },
    )
    assert by_gender["series"] == [
        {"label": {"grouping_value": "man"}, "values": [1, 2]},
        {"label": {"grouping_value": "woman"}, "values": [1, 1]},
    ]


def test_demo_step_backfills_counts_balance_and_snapshots(session, factory):
    club = factory.club()
    for day in range(5):
        member(session, club, notify=False, created_at=NOW - timedelta(days=day, hours=3))
    context = DemoContext(options=DemoOptions(days=10), rng=random.Random(1), now=NOW, clubs={club.slug: club})
    demo.load(session, context)
    grouped = run_query(session, access(club), {"report": "members_grouped_count"})["records"]
    assert {
        "community_id": club.id,
        "grouping_type": "gender",
        "grouping_value": "woman",
        "members_count": 5,
    }.items() <= {k: v for r in grouped if r["grouping_type"] == "gender" for k, v in r.items()}.items()
    window = {"from": (NOW - timedelta(days=6)).isoformat(), "to": NOW.isoformat(), "interval": "1d"}
    balance = run_query(session, access(club), {"report": "member_balance", **window})
    assert sum(balance["series"][0]["values"][i] or 0 for i in range(len(balance["time_buckets"]))) == 5
    history = run_query(session, access(club), {"report": "members_count_history", **window})
    values = history["series"][0]["values"]
    assert values == sorted(values)  # members only joined: the count never falls
    assert values[-1] == 5
