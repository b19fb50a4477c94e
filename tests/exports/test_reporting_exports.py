"""Exports of real reports through the reporting engine: every row, no interactive caps."""

from __future__ import annotations

import io
import json
from typing import Any

import polars as pl
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from loyaltyhub.exports.runner import Sessions, run_pending
from loyaltyhub.settings import Settings
from tests.factories import Factory
from tests.reporting.factories import member, reporting_headers

EXPORT = "/v1/reporting/query/export"
TENANTS = "/v1/reporting/tenants/query/export"


def _export(
    client: TestClient,
    sessions: Sessions,
    settings: Settings,
    headers: dict[str, str],
    body: dict[str, Any],
    path: str = EXPORT,
) -> str:
    queued = client.post(path, json=body, headers=headers)
    assert queued.status_code == 202, queued.text
    run_pending(sessions, settings)
    job = client.get(f"/v1/reporting/exports/{queued.json()['id']}", headers=headers).json()
    assert job["status"] == "done", job
    download = client.get(job["download_url"], headers=headers)
    assert download.status_code == 200
    return download.text


def test_a_members_export_has_every_member_and_round_trips_through_polars_with_types(
    client: TestClient, factory: Factory, session: Session, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = reporting_headers(factory.client_token([club]), club)
    genders = ["woman", "man", None, "woman", "other"]
    for n, gender in enumerate(genders):
        member(session, club, gender=gender, favorite_stores=[n, n + 1], properties={"level": n, "tags": ["a"]})
    counted = client.post("/v1/reporting/query", json={"report": "members", "aggregate_by": "count"}, headers=headers)

    text = _export(client, sessions, settings, headers, {"report": "members", "format": "csv", "per_page": 2})
    frame = pl.read_csv(io.StringIO(text), try_parse_dates=True)

    assert frame.height == counted.json()["records"][0]["members_count"] == len(genders)  # per_page does not cap
    assert frame.schema["id"] == pl.Int64 and frame.schema["community_id"] == pl.Int64
    assert frame.schema["birth_year_group"] == pl.Int64
    assert frame.schema["marketing_via_sms"] == pl.Boolean
    assert isinstance(frame.schema["created_at"], pl.Datetime)
    assert frame["gender"].to_list() == genders
    assert [json.loads(v) for v in frame["favorite_stores"]] == [[n, n + 1] for n in range(len(genders))]
    assert json.loads(frame["properties"][2]) == {"level": 2, "tags": ["a"]}
    assert frame["created_at"].dt.convert_time_zone("UTC").dt.hour().to_list() == [12] * len(genders)


def test_ndjson_keeps_json_types(
    client: TestClient, factory: Factory, session: Session, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = reporting_headers(factory.client_token([club]), club)
    member(session, club, favorite_stores=[3])

    lines = _export(client, sessions, settings, headers, {"report": "members", "format": "ndjson"}).splitlines()
    record = json.loads(lines[0])
    assert len(lines) == 1
    assert record["community_id"] == club.id and record["favorite_stores"] == [3]
    assert record["marketing_via_sms"] is False and record["created_at"].endswith("Z")


def test_an_aggregated_records_export(
    client: TestClient, factory: Factory, session: Session, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = reporting_headers(factory.client_token([club]), club)
    for gender in ("woman", "woman", "man"):
        member(session, club, gender=gender)

    text = _export(
        client, sessions, settings, headers, {"report": "members", "aggregate_by": "gender_count", "format": "csv"}
    )
    frame = pl.read_csv(io.StringIO(text))
    assert frame.columns == ["community_id", "gender", "members_count"]
    assert dict(zip(frame["gender"], frame["members_count"], strict=True)) == {"man": 1, "woman": 2}


def test_a_timeseries_is_exported_long_form_past_the_150_bucket_cap(
    client: TestClient, factory: Factory, session: Session, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = reporting_headers(factory.client_token([club]), club)
    for _ in range(3):
        member(session, club)
    body = {"report": "member_balance", "interval": "1h", "from": "2024-04-01T00:00:00", "to": "2024-04-20T00:00:00"}
    assert client.post("/v1/reporting/query", json=body, headers=headers).status_code == 422  # 456 buckets

    frame = pl.read_csv(io.StringIO(_export(client, sessions, settings, headers, {**body, "format": "csv"})))
    assert frame.columns == ["bucket", "type", "value"]
    assert frame.rows() == [("2024-04-10T14:00:00.000+02:00", "in", 3)]


def test_a_tenants_export_has_each_clubs_rows_with_its_id(
    client: TestClient, factory: Factory, session: Session, sessions: Sessions, settings: Settings
) -> None:
    oslo, denver = factory.club(), factory.club(timezone="America/Denver", country="US")
    headers = reporting_headers(factory.client_token([oslo, denver]), oslo, denver)
    for club, count in ((oslo, 2), (denver, 3)):
        for _ in range(count):
            member(session, club)

    body = {"report": "members", "aggregate_by": "count", "format": "csv"}
    frame = pl.read_csv(io.StringIO(_export(client, sessions, settings, headers, body, TENANTS)))
    assert frame.columns[0] == "loyalty_club_id"
    assert frame.select("loyalty_club_id", "members_count").rows() == [(oslo.id, 2), (denver.id, 3)]


def test_a_bad_query_is_a_422_naming_the_bad_node(client: TestClient, factory: Factory) -> None:
    club = factory.club()
    headers = reporting_headers(factory.client_token([club]), club)
    body = {
        "report": "members",
        "format": "csv",
        "filter": {"type": "and", "operations": [{"type": "equal", "field": "no_such_field", "value": 1}]},
    }
    response = client.post(EXPORT, json=body, headers=headers)
    assert response.status_code == 422
    assert "filter" in response.json()["details"]
    assert client.get("/v1/reporting/exports", headers=headers).json() == {"exports": []}


def test_an_export_costs_the_query_cost_up_front(client: TestClient, factory: Factory) -> None:
    club = factory.club()
    headers = reporting_headers(factory.client_token([club]), club)
    body = {
        "report": "members",
        "filter": {"type": "or", "operations": [{"type": "equal", "field": "gender", "value": "x"}]},
    }
    query = client.post("/v1/reporting/query", json=body, headers=headers)
    assert query.status_code == 200, query.text
    query_cost = query.headers["ratelimit-cost"]

    response = client.post(EXPORT, json={**body, "format": "csv"}, headers=headers)
    assert response.status_code == 202
    assert response.headers["ratelimit-cost"] == query_cost
    assert response.headers["ratelimit-bucket"].endswith(":reporting")


def test_a_timeseries_over_clubs_in_several_timezones_carries_club_and_timezone_per_row(
    client: TestClient, factory: Factory, session: Session, sessions: Sessions, settings: Settings
) -> None:
    oslo, denver = factory.club(), factory.club(timezone="America/Denver", country="US")
    headers = reporting_headers(factory.client_token([oslo, denver]), oslo, denver)
    for club in (oslo, denver):
        member(session, club)
    body = {"report": "member_balance", "interval": "1d", "from": "2024-04-01T00:00:00", "to": "2024-04-20T00:00:00"}

    frame = pl.read_csv(io.StringIO(_export(client, sessions, settings, headers, {**body, "format": "csv"})))
    assert frame.rows() == [
        ("2024-04-10T00:00:00.000+02:00", oslo.id, "Europe/Oslo", "in", 1),
        ("2024-04-10T00:00:00.000-06:00", denver.id, "America/Denver", "in", 1),
    ]
    assert frame.columns == ["bucket", "loyalty_club_id", "timezone", "type", "value"]


def test_an_export_without_rows_still_has_the_reports_header(
    client: TestClient, factory: Factory, session: Session, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = reporting_headers(factory.client_token([club]), club)
    body = {"report": "offers_usages_history", "from": "2024-04-01T00:00:00", "to": "2024-04-20T00:00:00"}

    text = _export(client, sessions, settings, headers, {**body, "format": "csv"})
    assert text == "bucket,value\r\n"
    empty = _export(client, sessions, settings, headers, {"report": "members", "format": "csv"})
    member(session, club)
    full = _export(client, sessions, settings, headers, {"report": "members", "format": "csv"})
    assert empty.count("\r\n") == 1 and empty.startswith("id,community_id,")
    assert full.split("\r\n")[0] == empty.split("\r\n")[0]  # the declared header is the rows' header
