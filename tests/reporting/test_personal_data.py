"""No personal member property leaves through a report: every report, every aggregation, and the exports.

The list of personal keys is ``members.properties.PERSONAL_PROPERTIES`` (the one the destroy path
anonymises); each key is stored on a member with a marker value that must never appear in an answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.exports.runner import Sessions, run_pending
from loyaltyhub.members.properties import PERSONAL_PROPERTIES
from loyaltyhub.reporting.registry import reports
from loyaltyhub.settings import Settings
from tests.factories import Factory
from tests.reporting.factories import member, reporting_headers

MARKER = "pii-marker-"
PERSONAL = {key: f"{MARKER}{key}" for key in sorted(PERSONAL_PROPERTIES)}
PUBLIC = {"interests": ["cars"], "shoe_size": 38}
# A time range around the members' creation (2024-04-10) for the reports that need one.
RANGE = {"from": "2024-04-01T00:00:00Z", "to": "2024-04-30T00:00:00Z"}


def _queries() -> list[dict[str, Any]]:
    """Every report with no aggregation and with each of its aggregations."""
    found = []
    for report in reports().values():
        base: dict[str, Any] = {"report": report.name}
        if report.format != "records":
            base.update(RANGE)
        found.append(base)
        found.extend({**base, "aggregate_by": aggregation.name} for aggregation in report.aggregations)
    return found


def _keys(value: Any) -> set[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Without rate limits: one test asks every report and aggregation (~90 queries of cost 2 to 10)."""
    return settings.model_copy(update={"ratelimit_enabled": False})


@pytest.fixture
def club_with_personal_data(client: TestClient, factory: Factory, session: Session):
    club = factory.club()
    # Stored directly: every personal key, whatever its value, with markers that are easy to find.
    member(session, club, properties={**PERSONAL, **PUBLIC})
    # Signed up through the Public API: real values of the keys the members report once let through.
    app = factory.headers(factory.client_token([club], [permits.MEMBERS_CREATE]))
    signed_up = client.post(
        f"/v3/{club.slug}/members",
        headers=app,
        json={
            "properties": {
                "email": "pii-marker-signup@example.com",
                "city": "Pii-marker-Tromsø",
                "child_birth_years": ["pii-marker-2015", "pii-marker-2018"],
                **PUBLIC,
            }
        },
    )
    assert signed_up.status_code == 201, signed_up.text
    return club, reporting_headers(factory.client_token([club]), club)


def test_the_list_holds_the_known_personal_properties():
    known = {"first_name", "last_name", "birthday", "msisdn", "email", "zip_code", "city", "address"}
    assert known | {"child_birth_years"} <= PERSONAL_PROPERTIES


def test_no_report_answer_carries_a_personal_property(client: TestClient, club_with_personal_data):
    _club, headers = club_with_personal_data
    leaks = []
    for body in _queries():  # one app for all of them: ~90 queries
        response = client.post("/v1/reporting/query", json=body, headers=headers)
        assert response.status_code == 200, (body, response.text)
        if MARKER in response.text.lower() or _keys(response.json()) & PERSONAL_PROPERTIES:
            leaks.append((body, response.text))
    assert leaks == []


def test_members_records_keep_the_public_properties(client: TestClient, club_with_personal_data):
    _club, headers = club_with_personal_data
    records = client.post("/v1/reporting/query", json={"report": "members"}, headers=headers).json()["records"]
    assert [record["properties"] for record in records] == [PUBLIC, {**PUBLIC, "language": "no"}]


@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
@pytest.mark.parametrize("aggregation", [None, "interests_count"])
def test_no_export_of_the_members_report_carries_a_personal_property(
    client: TestClient, club_with_personal_data, sessions: Sessions, settings: Settings, fmt, aggregation
):
    _club, headers = club_with_personal_data
    body = {"report": "members", "format": fmt, **({"aggregate_by": aggregation} if aggregation else {})}
    queued = client.post("/v1/reporting/query/export", json=body, headers=headers)
    assert queued.status_code == 202, queued.text
    run_pending(sessions, settings)
    job = client.get(f"/v1/reporting/exports/{queued.json()['id']}", headers=headers).json()
    assert job["status"] == "done", job
    text = client.get(job["download_url"], headers=headers).text
    assert "cars" in text  # the export holds the members' public data
    assert MARKER not in text.lower()
    if fmt == "ndjson" and aggregation is None:
        rows = [json.loads(line) for line in text.splitlines()]
        assert all(not set(row["properties"]) & PERSONAL_PROPERTIES for row in rows)
        assert all(row["properties"]["interests"] == ["cars"] for row in rows)
