"""The reports explorer: the Reporting API's reports through the same engine, as tables, a chart and CSV;
the engine's 422 next to the field it names."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.member_offers import factories as mo


def _use(client, factory, club, session):  # type: ignore[no-untyped-def]
    offer = mo.offer(session, club, name={"en": "Cinema"})
    member = mo.member(session, club, gender="female")
    headers = factory.headers(factory.client_token([club]))
    response = client.post(f"/v3/{club.slug}/members/{member.id}/offers/{offer.id}/use", headers=headers)
    assert response.status_code in (200, 201), response.text
    return offer


def test_the_explorer_shows_a_use_as_a_series_a_statistic_and_records(console_as, club, session, client, factory):
    offer = _use(client, factory, club, session)
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/reports")
    assert page.status_code == 200 and '<option value="offers_usages_history">' in page.text
    today = datetime.now(ZoneInfo(club.timezone)).date().isoformat()
    series = console.get(f"/console/{club.slug}/reports?report=offers_usages_history&interval=1d&range=7")
    assert series.status_code == 200, series.text
    assert re.search(rf"<td>{today}T00:00:00\.000[+-]\d\d:\d\d</td><td>1</td>", series.text)
    specs = json.loads(re.search(r'id="chart-specs">(.*?)</script>', series.text, re.S).group(1))
    assert specs[0]["datasets"][0]["data"] == [1]
    stats = console.get(f"/console/{club.slug}/reports?report=offers_usages_stats&aggregate_by=member_gender&range=7")
    assert '<th scope="col">member_gender</th>' in stats.text and "<td>female</td><td>1</td>" in stats.text
    records = console.get(f"/console/{club.slug}/reports?report=offers")
    assert records.status_code == 200 and f"<td>{offer.id}</td>" in records.text
    download = console.get(f"/console/{club.slug}/reports.csv?report=offers_usages_history&interval=1d&range=7")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["bucket", "value"] and rows[1][1] == "1"


def test_the_engines_422_is_shown_next_to_its_field(console_as, club):
    console = console_as(club)
    wrong_aggregation = console.get(f"/console/{club.slug}/reports?report=offers_usages_stats&aggregate_by=nope")
    assert wrong_aggregation.status_code == 422
    assert 'data-field="aggregate_by"><li data-error="inclusion">' in wrong_aggregation.text
    filter_field = json.dumps({"type": "equal", "field": "no_such_field", "value": 1})
    bad_filter = console.get(f"/console/{club.slug}/reports", params={"report": "offers", "filter": filter_field})
    assert bad_filter.status_code == 422
    assert re.search(r'data-field="filter"><li data-error="inclusion">field: is not one of', bad_filter.text)
    not_json = console.get(f"/console/{club.slug}/reports", params={"report": "offers", "filter": "{oops"})
    assert not_json.status_code == 422 and 'data-field="filter"><li data-error="invalid_json">' in not_json.text
    too_many = console.get(
        f"/console/{club.slug}/reports?report=offers_usages_history&interval=5m&range=custom&from=2026-01-01&to=2026-01-10"
    )
    assert (
        too_many.status_code == 422 and 'data-field="interval"><li data-error="too_many_time_buckets">' in too_many.text
    )
    assert (
        console.get(f"/console/{club.slug}/reports.csv?report=offers_usages_stats&aggregate_by=nope").status_code == 422
    )


def test_only_reports_the_role_may_read(console_as, club):
    analyst = console_as(club, role="analyst")
    assert analyst.get(f"/console/{club.slug}/reports?report=members").status_code == 200
    manager = console_as(club, role="offers_manager")
    assert manager.get(f"/console/{club.slug}/reports").status_code == 403


def test_the_filter_builder_over_the_reports_fields(console_as, club, session, client, factory):
    from urllib.parse import urlencode

    cinema = _use(client, factory, club, session)
    parking = mo.offer(session, club, name={"en": "Parking"}, status="draft")
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/reports?report=offers")
    # The metadata's filterable fields, and nothing a filter may not name (objects, the club id).
    assert '<option value="status">status (enum)</option>' in page.text
    assert '<option value="name">' not in page.text and '<option value="loyalty_club_id">' not in page.text
    assert 'name="c3.field"' in page.text and 'name="c4.field"' not in page.text

    def run(**params: str):  # type: ignore[no-untyped-def]
        return console.get(f"/console/{club.slug}/reports?{urlencode({'report': 'offers', **params})}")

    one = run(**{"c1.field": "status", "c1.op": "equal", "c1.value": "draft"})
    assert (
        one.status_code == 200
        and f"<tr><td>{parking.id}</td>" in one.text
        and f"<tr><td>{cinema.id}</td>" not in one.text
    )
    # Two rows (and an integer list) are ANDed; a used row keeps an empty one after it.
    both = run(
        **{"c1.field": "uses_count", "c1.op": "greater_or_equal_to", "c1.value": "1"},
        **{"c2.field": "id", "c2.op": "in", "c2.value": f"{cinema.id}, {parking.id}"},
    )
    assert f"<tr><td>{cinema.id}</td>" in both.text and f"<tr><td>{parking.id}</td>" not in both.text
    assert 'name="c3.field"' in both.text
    # With the JSON box too: all must hold.
    with_json = run(
        filter=json.dumps({"type": "equal", "field": "status", "value": "draft"}),
        **{"c1.field": "uses_count", "c1.op": "equal", "c1.value": "0"},
    )
    assert f"<tr><td>{parking.id}</td>" in with_json.text and f"<tr><td>{cinema.id}</td>" not in with_json.text
    # The engine's 422 at the row that made the condition.
    refused = run(
        **{"c1.field": "status", "c1.op": "equal", "c1.value": "draft"},
        **{"c2.field": "status", "c2.op": "greater_than", "c2.value": "x"},
    )
    assert refused.status_code == 422
    assert re.search(r'data-field="c2"><li data-error="inclusion">type: ', refused.text)
    assert 'data-field="c1"' not in refused.text and 'data-field="filter"' not in refused.text
    bad_value = run(**{"c1.field": "id", "c1.op": "equal", "c1.value": "abc"})
    assert bad_value.status_code == 422 and 'data-field="c1"' in bad_value.text
    assert 'value="abc"' in bad_value.text  # what was typed stays


def test_export_the_explorers_query_follow_its_progress_and_download_it(
    console_as, club, session, client, factory, sessions, settings
):
    from loyaltyhub.exports.runner import run_pending

    cinema = _use(client, factory, club, session)
    mo.offer(session, club, name={"en": "Parking"}, status="draft")
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/reports?report=offers&c1.field=uses_count&c1.op=equal&c1.value=1")
    assert 'action="/console/' in page.text and 'name="c1.value" value="1"' in page.text
    queued = console.post(
        f"/console/{club.slug}/reports/export",
        [("report", "offers"), ("c1.field", "uses_count"), ("c1.op", "equal"), ("c1.value", "1"), ("format", "csv")],
    )
    assert queued.status_code == 303, queued.text
    status_url = queued.headers["location"]
    export_id = int(status_url.rsplit("/", 1)[1])
    running = console.get(status_url)
    assert running.status_code == 200 and 'data-status="queued"' in running.text
    assert (
        'hx-trigger="every 1s"' in running.text
        and '<progress id="export-progress" max="1" value="0.0">' in running.text
    )
    early = console.get(f"{status_url}/download")
    assert early.status_code == 409  # not ready yet: the API's answer, as a page

    run_pending(sessions, settings)  # the export worker's tick
    done = console.get(status_url, headers={"HX-Request": "true"})  # what the page's poll swaps in
    assert "<html" not in done.text and 'data-status="done"' in done.text and "every 1s" not in done.text
    assert 'value="1.0"' in done.text and 'id="export-download"' in done.text
    download = console.get(f"{status_url}/download")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text, newline="")))
    assert [int(r["id"]) for r in rows] == [cinema.id]  # the filter of the builder, every row
    listed = console.get(f"/console/{club.slug}/reports")
    assert f'data-export-id="{export_id}"' in listed.text

    # The engine's 422 refuses the export; another user (or club) does not see this one.
    refused = console.post(f"/console/{club.slug}/reports/export", [("report", "offers"), ("aggregate_by", "nope")])
    assert refused.status_code == 422 and "aggregate_by" in refused.text
    assert console_as(club).get(status_url).status_code == 404
    other = factory.club()
    assert console_as(other).get(f"/console/{other.slug}/exports/{export_id}").status_code == 404
    analyst = console_as(club, role="analyst")  # analysts hold Reporting:Api:Export
    assert analyst.get(status_url).status_code == 404
    manager = console_as(club, role="offers_manager")
    assert manager.get(status_url).status_code == 403


def test_cancel_a_queued_export_and_delete_a_finished_ones_file(
    console_as, club, session, client, factory, sessions, settings
):
    from loyaltyhub.exports.models import ExportJob
    from loyaltyhub.exports.runner import run_pending

    _use(client, factory, club, session)
    console = console_as(club)
    form = [("report", "offers"), ("format", "csv")]
    first = console.post(f"/console/{club.slug}/reports/export", form).headers["location"]
    second = console.post(f"/console/{club.slug}/reports/export", form).headers["location"]
    page = console.get(first)
    assert 'id="export-cancel"' in page.text and "Cancel the export" in page.text
    assert console_as(club).post(f"{first}/cancel").status_code == 404, "another user's export"
    cancelled = console.post(f"{first}/cancel")
    assert cancelled.status_code == 303 and cancelled.headers["location"] == first
    shown = console.get(first)
    assert 'data-status="cancelled"' in shown.text and 'id="export-cancel"' not in shown.text
    run_pending(sessions, settings)  # the worker runs the second only
    session.expire_all()
    jobs = {j.id: j for j in session.query(ExportJob).filter_by(loyalty_club_id=club.id)}
    first_id, second_id = int(first.rsplit("/", 1)[1]), int(second.rsplit("/", 1)[1])
    assert jobs[first_id].status == "cancelled" and jobs[first_id].file_name is None
    assert jobs[second_id].status == "done"
    assert console.get(f"{second}/download").status_code == 200
    file_name = jobs[second_id].file_name
    assert (Path(settings.export_dir) / file_name).exists()
    assert "Delete the file" in console.get(second).text
    assert console.post(f"{second}/cancel").status_code == 303
    assert console.get(f"{second}/download").status_code == 409, "no file to download, as the API answers"
    assert not (Path(settings.export_dir) / file_name).exists(), "the file is deleted after the response"
    assert console_as(club, role="offers_manager").post(f"{second}/cancel").status_code == 403
