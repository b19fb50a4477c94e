"""Rate-limit headers on every response, 429 with Retry-After on the Reporting API."""

from __future__ import annotations

import pytest

from loyaltyhub.app import create_app


def _client_with_bucket(settings, engine, connection, capacity):
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    # A refill this slow adds no token between two requests, so remaining counts are exact.
    settings = settings.model_copy(
        update={"ratelimit_reporting_capacity": capacity, "ratelimit_reporting_refill_per_second": 0.01}
    )
    app = create_app(
        settings,
        engine=engine,
        session_factory=lambda _w: Session(bind=connection, join_transaction_mode="create_savepoint"),
        start_background_jobs=False,
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def small_bucket_client(settings, engine, connection):
    with _client_with_bucket(settings, engine, connection, 25) as client:
        yield client


@pytest.fixture
def slow_refill_client(settings, engine, connection):
    with _client_with_bucket(settings, engine, connection, 300) as client:
        yield client


def test_reporting_charges_report_cost_plus_filter_nodes(slow_refill_client, factory):
    client = slow_refill_client
    club = factory.club()
    headers = {"X-Client-Authorization": factory.client_token([club]), "X-Customer": str(club.id)}
    body = {
        "report": "members",
        "filter": {"type": "or", "operations": [{"type": "equal", "field": "gender", "value": "man"}]},
    }
    response = client.post("/v1/reporting/query", json=body, headers=headers)
    assert response.status_code == 200
    assert response.headers["ratelimit-cost"] == "13"
    assert response.headers["ratelimit-bucket"] == f"customer:{club.id}:reporting"
    assert response.headers["ratelimit-remaining"] == str(300 - 13)
    response = client.post("/v1/reporting/metadata", headers=headers)
    assert response.headers["ratelimit-cost"] == "1"
    assert response.headers["ratelimit-remaining"] == str(300 - 14)


def test_empty_bucket_answers_429_with_retry_after(small_bucket_client, factory):
    club = factory.club()
    headers = {"X-Client-Authorization": factory.client_token([club]), "X-Customer": str(club.id)}
    for _ in range(2):
        assert (
            small_bucket_client.post("/v1/reporting/query", json={"report": "members"}, headers=headers).status_code
            == 200
        )
    response = small_bucket_client.post("/v1/reporting/query", json={"report": "members"}, headers=headers)
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests"}
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["ratelimit-remaining"] == "5"


def test_several_clubs_charge_the_organization_bucket(client, factory):
    one, two = factory.club(), factory.club()
    headers = {"X-Client-Authorization": factory.client_token([one, two]), "X-Customer": f"{one.id}_{two.id}"}
    response = client.post("/v1/reporting/query", json={"report": "members_count"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["ratelimit-bucket"] == f"organization:customers-{one.id}_{two.id}:reporting"


def test_other_apis_count_in_the_general_bucket_without_rejecting(client, factory):
    response = client.get("/v1/permits", headers={"X-Client-Authorization": factory.client_token([factory.club()])})
    assert response.headers["ratelimit-bucket"].endswith(":general")
    assert response.headers["ratelimit-cost"] == "1"
