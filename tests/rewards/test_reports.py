"""Rewards reports in the reporting registry: ``transactions`` (records), ``transactions_history``
(points earned, spent, expired per type over time) and ``points_balances``, with metadata and permits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyaltyhub.auth import permits
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.program import service as program_service
from tests.reporting.factories import reporting_headers
from tests.rewards import factories as rw

T0 = datetime(2026, 5, 6, 8, tzinfo=UTC)


def query(client, headers, status=200, **body):
    response = client.post("/v1/reporting/query", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def ledger_of_two(session, club):
    program = rw.program(session, club, points_validity_months=1, points_expire_at="end_of_day")
    policy = program_service.policy_of(club, program)
    alice = rw.participant(session, club, T0)
    bob = rw.participant(session, club, T0)
    account = ledger.lock_account(session, club.id, alice.id)
    ledger.earn(session, account, type="grant", points=100, now=T0, policy=policy)
    ledger.spend(session, account, type="reward_purchase", points=30, now=T0 + timedelta(hours=1))
    ledger.earn(
        session,
        account,
        type="achievement",
        points=5,
        now=T0 + timedelta(days=1),
        policy=policy,
        achievement_type="app_opened",
    )
    other = ledger.lock_account(session, club.id, bob.id)
    ledger.earn(session, other, type="grant", points=40, now=T0, policy=policy)
    ledger.expire_due(session, other, T0 + timedelta(days=40))
    return alice, bob


def test_transactions_records_and_counts(client, factory, session):
    club = factory.club()
    alice, bob = ledger_of_two(session, club)
    headers = reporting_headers(factory.client_token([club]), club)
    records = query(client, headers, report="transactions")["records"]
    assert [(r["member_id"], r["type"], r["amount"]) for r in records] == [
        (alice.id, "grant", 100),
        (alice.id, "reward_purchase", -30),
        (alice.id, "achievement", 5),
        (bob.id, "grant", 40),
        (bob.id, "expiration", -40),
    ]
    assert records[2]["achievement_type"] == "app_opened" and records[0]["loyalty_club_id"] == club.id
    only_bob = {"type": "equal", "field": "member_id", "value": bob.id}
    assert len(query(client, headers, report="transactions", filter=only_bob)["records"]) == 2
    by_type = query(client, headers, report="transactions", aggregate_by="type_count")["records"]
    assert {(r["type"], r["transactions_count"]) for r in by_type} == {
        ("grant", 2),
        ("reward_purchase", 1),
        ("achievement", 1),
        ("expiration", 1),
    }


def test_transactions_history_per_type(client, factory, session):
    club = factory.club()
    ledger_of_two(session, club)
    headers = reporting_headers(factory.client_token([club]), club)
    window = {"from": "2026-05-06T00:00:00+02:00", "to": "2026-06-30T00:00:00+02:00", "interval": "1mo"}
    answer = query(client, headers, report="transactions_history", **window)
    series = {s["label"]["type"]: s["values"] for s in answer["series"]}
    assert series == {
        "grant": [140, None],
        "reward_purchase": [30, None],
        "achievement": [5, None],
        "expiration": [None, 40],
    }
    assert answer["result_type"] == "timeseries"
    total = query(client, headers, report="transactions_history", aggregate_by="total", **window)
    assert total["series"] == [{"label": {}, "values": [175, 40]}]


def test_points_balances_sum_and_records(client, factory, session):
    club = factory.club()
    alice, bob = ledger_of_two(session, club)
    headers = reporting_headers(factory.client_token([club]), club)
    records = query(client, headers, report="points_balances")["records"]
    assert [(r["member_id"], r["balance"], r["lifetime_points"], r["participating"]) for r in records] == [
        (alice.id, 75, 105, True),
        (bob.id, 0, 40, True),
    ]
    assert query(client, headers, report="points_balances", aggregate_by="total")["records"] == [
        {"loyalty_club_id": club.id, "points": 75}
    ]


def test_metadata_and_permits(client, factory, session):
    club = factory.club()
    headers = reporting_headers(factory.client_token([club]), club)
    metadata = client.post("/v1/reporting/metadata", headers=headers, json={})
    assert metadata.status_code == 200, metadata.text
    body = metadata.json()
    reports = body["reports"] if isinstance(body, dict) else body
    names = {r["name"]: r for r in reports}
    assert {"transactions", "transactions_history", "points_balances"} <= set(names)
    assert names["transactions"]["permit"] == permits.REPORT_TRANSACTIONS
    assert names["transactions_history"]["intervals"] == ["5m", "1h", "1d", "1w", "1mo"]
    token = factory.client_token([club], [permits.REPORTING_QUERY, permits.REPORT_TRANSACTIONS])
    limited = reporting_headers(token, club)
    assert query(client, limited, report="transactions")["records"] == []
    refused = query(client, limited, status=403, report="points_balances")
    assert "Reporting:Api:Report:PointsBalances" in refused["error"]
