"""The exports API: queue (202), show, download when done, cancel; only the caller's own jobs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.exports.runner import Sessions, run_pending
from loyaltyhub.settings import Settings
from tests.exports.fakes import COLUMNS, FakeSource
from tests.factories import Factory

QUERY = "/v1/reporting/query/export"
TENANTS = "/v1/reporting/tenants/query/export"
EXPORTS = "/v1/reporting/exports"
BODY = {"report": "items", "format": "csv"}


def _headers(token: str, customer: str | int) -> dict[str, str]:
    return {"X-Client-Authorization": token, "X-Customer": str(customer)}


def test_an_export_is_queued_as_a_job(client: TestClient, factory: Factory, source: FakeSource) -> None:
    club = factory.club()
    token = factory.client_token([club])

    response = client.post(QUERY, json=BODY, headers=_headers(token, club.id))

    assert response.status_code == 202, response.text
    job = response.json()
    assert {"id", "status", "progress", "rows", "created_at"} <= set(job)
    assert (job["status"], job["progress"], job["rows"]) == ("queued", 0.0, 0)
    assert job["created_at"].endswith("Z")
    assert (job["report"], job["format"], job["tenants"], job["download_url"]) == ("items", "csv", False, None)
    assert client.get(f"{EXPORTS}/{job['id']}", headers=_headers(token, club.id)).json() == job


def test_the_file_is_downloadable_once_a_worker_finished_the_job(
    client: TestClient, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    token = factory.client_token([club])
    headers = _headers(token, club.id)
    job = client.post(QUERY, json=BODY, headers=headers).json()

    early = client.get(f"{EXPORTS}/{job['id']}/download", headers=headers)
    assert early.status_code == 409
    assert early.json() == {"error": f"Export#{job['id']} is not ready (status: queued)", "status": "queued"}

    run_pending(sessions, settings)
    shown = client.get(f"{EXPORTS}/{job['id']}", headers=headers).json()
    assert (shown["status"], shown["rows"], shown["progress"]) == ("done", 5, 1.0)
    assert shown["download_url"] == f"{EXPORTS}/{job['id']}/download"

    download = client.get(shown["download_url"], headers=headers)
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="items-export-{job["id"]}.csv"' in download.headers["content-disposition"]
    records = list(csv.DictReader(io.StringIO(download.text, newline="")))
    assert list(records[0]) == COLUMNS and len(records) == 5


def test_a_tenants_export_covers_every_selected_club(
    client: TestClient, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings
) -> None:
    clubs = [factory.club(), factory.club()]
    token = factory.client_token(clubs)
    headers = _headers(token, f"{clubs[0].id}_{clubs[1].id}")
    job = client.post(TENANTS, json={**BODY, "format": "ndjson"}, headers=headers).json()
    assert job["tenants"] is True

    run_pending(sessions, settings)
    download = client.get(f"{EXPORTS}/{job['id']}/download", headers=headers)
    assert download.headers["content-type"] == "application/x-ndjson"
    assert f"tenants-items-export-{job['id']}.ndjson" in download.headers["content-disposition"]
    club_ids = [line.split(",", 1)[0] for line in download.text.splitlines()]
    assert club_ids == [f'{{"loyalty_club_id":{clubs[0].id}'] * 5 + [f'{{"loyalty_club_id":{clubs[1].id}'] * 5


def test_a_bad_query_is_refused_before_any_job_exists(
    client: TestClient, factory: Factory, source: FakeSource, session: Session
) -> None:
    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)

    bad_report = client.post(QUERY, json={**BODY, "report": "nope"}, headers=headers)
    assert bad_report.status_code == 422
    assert bad_report.json()["details"] == {"report": [{"error": "inclusion", "options": {"in": ["items"]}}]}

    bad_format = client.post(QUERY, json={**BODY, "format": "xlsx"}, headers=headers)
    assert bad_format.status_code == 422
    assert bad_format.json()["details"]["format"][0]["error"] == "inclusion"

    unknown = client.post(QUERY, json={**BODY, "colour": "red"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["details"]["colour"][0]["error"] == "unknown_attribute"

    assert client.get(EXPORTS, headers=headers).json() == {"exports": []}


def test_exports_need_the_query_the_export_and_the_report_permits(
    client: TestClient, factory: Factory, source: FakeSource
) -> None:
    club = factory.club()
    everything = {permits.REPORTING_QUERY, permits.REPORTING_EXPORT, permits.REPORT_MEMBERS}
    for missing in sorted(everything):
        token = factory.client_token([club], permits=sorted(everything - {missing}))
        response = client.post(QUERY, json=BODY, headers=_headers(token, club.id))
        assert response.status_code == 403
        assert response.json() == {"error": f"Missing permit {missing}"}


def test_exports_need_a_customer_context(client: TestClient, factory: Factory, source: FakeSource) -> None:
    club = factory.club()
    response = client.post(QUERY, json=BODY, headers={"X-Client-Authorization": factory.client_token([club])})
    assert response.status_code == 470


def test_another_callers_or_another_clubs_job_is_not_found(
    client: TestClient, factory: Factory, source: FakeSource
) -> None:
    club, other_club = factory.club(), factory.club()
    owner = factory.client_token([club, other_club])
    job = client.post(QUERY, json=BODY, headers=_headers(owner, club.id)).json()
    intruders = [
        _headers(factory.client_token([club]), club.id),  # another caller on the same club
        _headers(owner, other_club.id),  # the owner, but another club selected
    ]
    for headers in intruders:
        for method, path in (
            ("GET", f"{EXPORTS}/{job['id']}"),
            ("GET", f"{EXPORTS}/{job['id']}/download"),
            ("DELETE", f"{EXPORTS}/{job['id']}"),
        ):
            response = client.request(method, path, headers=headers)
            assert response.status_code == 404, (method, path, headers)
            assert response.json() == {"error": f"Export#{job['id']} not found"}
        assert client.get(EXPORTS, headers=headers).json() == {"exports": []}
    assert client.get(f"{EXPORTS}/{job['id']}", headers=_headers(owner, club.id)).json()["status"] == "queued"


def test_a_multi_club_job_needs_all_its_clubs_selected(
    client: TestClient, factory: Factory, source: FakeSource
) -> None:
    clubs = [factory.club(), factory.club()]
    token = factory.client_token(clubs)
    job = client.post(QUERY, json=BODY, headers=_headers(token, f"{clubs[0].id}_{clubs[1].id}")).json()

    assert client.get(f"{EXPORTS}/{job['id']}", headers=_headers(token, clubs[0].id)).status_code == 404
    assert client.get(f"{EXPORTS}/{job['id']}", headers=_headers(token, f"id={clubs[1].id}_{clubs[0].id}")).is_success


def test_cancelling_a_queued_export(
    client: TestClient, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)
    job = client.post(QUERY, json=BODY, headers=headers).json()

    cancelled = client.delete(f"{EXPORTS}/{job['id']}", headers=headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert run_pending(sessions, settings) == []
    assert client.get(f"{EXPORTS}/{job['id']}/download", headers=headers).status_code == 409
    assert client.delete(f"{EXPORTS}/{job['id']}", headers=headers).json()["status"] == "cancelled"


def test_deleting_a_finished_export_deletes_its_file(
    client: TestClient, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)
    job = client.post(QUERY, json=BODY, headers=headers).json()
    run_pending(sessions, settings)
    assert len(list(Path(settings.export_dir).iterdir())) == 1

    assert client.delete(f"{EXPORTS}/{job['id']}", headers=headers).json()["status"] == "cancelled"
    assert list(Path(settings.export_dir).iterdir()) == []


def test_an_expired_export_answers_410(
    client: TestClient, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings
) -> None:
    from loyaltyhub.exports.runner import cleanup

    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)
    job = client.post(QUERY, json=BODY, headers=headers).json()
    settings.export_ttl_seconds = 0
    run_pending(sessions, settings)
    cleanup(sessions, settings)

    assert client.get(f"{EXPORTS}/{job['id']}", headers=headers).json()["status"] == "expired"
    gone = client.get(f"{EXPORTS}/{job['id']}/download", headers=headers)
    assert gone.status_code == 410
    assert gone.json() == {"error": f"Export#{job['id']} has expired"}


def test_the_same_idempotency_key_returns_the_same_job(
    client: TestClient, factory: Factory, source: FakeSource
) -> None:
    club = factory.club()
    headers = {**_headers(factory.client_token([club]), club.id), "Idempotency-Key": "export-1"}

    first = client.post(QUERY, json=BODY, headers=headers)
    again = client.post(QUERY, json=BODY, headers=headers)

    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(client.get(EXPORTS, headers=headers).json()["exports"]) == 1


def test_list_shows_the_callers_latest_exports_first(client: TestClient, factory: Factory, source: FakeSource) -> None:
    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)
    ids = [client.post(QUERY, json=BODY, headers=headers).json()["id"] for _ in range(3)]

    assert [job["id"] for job in client.get(EXPORTS, headers=headers).json()["exports"]] == ids[::-1]


def test_downloading_needs_the_reports_permit_still(
    client: TestClient, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings, session: Session
) -> None:
    from sqlalchemy import update

    from loyaltyhub.auth.cache import forget
    from loyaltyhub.auth.models import ClientToken

    club = factory.club()
    token = factory.client_token([club])
    headers = _headers(token, club.id)
    job = client.post(QUERY, json=BODY, headers=headers).json()
    run_pending(sessions, settings)
    kept = [p for p in (permits.REPORTING_QUERY, permits.REPORTING_EXPORT)]
    session.execute(update(ClientToken).where(ClientToken.public_id == token.split("_")[1]).values(permits=kept))
    forget(token.split("_")[1])  # what changing a token must do: this process's token cache forgets it

    response = client.get(f"{EXPORTS}/{job['id']}/download", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"error": f"Missing permit {permits.REPORT_MEMBERS}"}
