"""``GET /metrics``: requests by route template, method and status with latencies; the database pool in
use; rate-limit rejections; background job runs. Values are read as deltas: the registry is the process's."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from loyaltyhub.app import create_app
from loyaltyhub.wiring import build_services
from loyaltyhub.worker import BackgroundWorker, Job


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_and_timed_by_route_template(client, factory):
    club = factory.club()
    headers = factory.headers(factory.client_token([club]))
    template = "/v3/{loyalty_club_slug}/offers/{offer_id}"
    before = scrape(client)
    assert client.get(f"/v3/{club.slug}/offers/424242", headers=headers).status_code == 404
    assert client.get(f"/v3/{club.slug}/offers/434343", headers=headers).status_code == 404
    assert client.get(f"/v3/{club.slug}/offers", headers=headers).status_code == 200
    assert client.get("/wp-admin/setup.php").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("loyaltyhub_http_requests_total", route=template, method="GET", status="404") == 2
    assert (
        delta("loyaltyhub_http_requests_total", route="/v3/{loyalty_club_slug}/offers", method="GET", status="200") == 1
    )
    assert delta("loyaltyhub_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert delta("loyaltyhub_http_request_duration_seconds_count", route=template, method="GET") == 2
    assert delta("loyaltyhub_http_request_duration_seconds_bucket", route=template, method="GET", le="+Inf") == 2
    assert delta("loyaltyhub_http_requests_total", route="/openapi.json", method="GET", status="200") == 0
    client.get("/openapi.json")
    assert (
        value(scrape(client), "loyaltyhub_http_requests_total", route="/openapi.json", method="GET", status="200") >= 1
    )
    # Labels never carry the path's ids, the club's slug, a token or a scanner's path.
    labels = {v for (_, pairs) in after for _, v in pairs}
    assert not {"424242", club.slug, "/wp-admin/setup.php"} & {part for v in labels for part in v.split("/")}


def test_connections_checked_out_of_the_pool_are_shown(settings, tmp_path):
    app = create_app(settings, start_background_jobs=False)  # its own engine, so its own pool
    with TestClient(app) as client:
        idle = value(scrape(client), "loyaltyhub_db_pool_connections_in_use")
        capacity = value(scrape(client), "loyaltyhub_db_pool_capacity")
        assert capacity >= settings.database_pool_size + settings.database_max_overflow
        with app.state.engine.connect(), app.state.engine.connect():
            assert value(scrape(client), "loyaltyhub_db_pool_connections_in_use") == idle + 2
        assert value(scrape(client), "loyaltyhub_db_pool_connections_in_use") == idle
    assert value(scrape(client), "loyaltyhub_db_pool_capacity") == capacity - (
        settings.database_pool_size + settings.database_max_overflow
    )


def test_rate_limit_rejections_are_counted_by_kind_and_club(settings, engine, connection, factory):
    settings = settings.model_copy(
        update={"ratelimit_reporting_capacity": 12, "ratelimit_reporting_refill_per_second": 0.001}
    )
    app = create_app(
        settings,
        engine=engine,
        session_factory=lambda _w: Session(bind=connection, join_transaction_mode="create_savepoint"),
        start_background_jobs=False,
    )
    club = factory.club()
    headers = {"X-Client-Authorization": factory.client_token([club]), "X-Customer": str(club.id)}
    with TestClient(app, raise_server_exceptions=False) as client:
        before = value(scrape(client), "loyaltyhub_ratelimit_rejections_total", kind="reporting", club_id=str(club.id))
        statuses = [client.post("/v1/reporting/query", json={"report": "members"}, headers=headers).status_code]
        statuses.append(client.post("/v1/reporting/query", json={"report": "members"}, headers=headers).status_code)
        after = value(scrape(client), "loyaltyhub_ratelimit_rejections_total", kind="reporting", club_id=str(club.id))
    assert statuses == [200, 429]
    assert after - before == 1


def test_background_job_runs_failures_and_lag_are_recorded(settings, engine, client):
    ran = threading.Event()

    def fine(_context):
        ran.set()

    def broken(_context):
        raise RuntimeError("boom")

    before = scrape(client)
    worker = BackgroundWorker(
        settings,
        engine,
        build_services(),
        jobs=[Job("metrics_test_ok", 60, fine), Job("metrics_test_broken", 60, broken)],
    )
    worker.start()
    assert ran.wait(10)
    worker.stop()
    after = scrape(client)
    assert (
        value(after, "loyaltyhub_job_runs_total", job="metrics_test_ok", outcome="ok")
        - value(before, "loyaltyhub_job_runs_total", job="metrics_test_ok", outcome="ok")
        == 1
    )
    assert (
        value(after, "loyaltyhub_job_runs_total", job="metrics_test_broken", outcome="failed")
        - value(before, "loyaltyhub_job_runs_total", job="metrics_test_broken", outcome="failed")
        == 1
    )
    assert value(after, "loyaltyhub_job_duration_seconds_count", job="metrics_test_ok") >= 1
    assert ("loyaltyhub_job_lag_seconds", (("job", "metrics_test_ok"),)) in after
