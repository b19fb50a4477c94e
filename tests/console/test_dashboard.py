"""The dashboard: charts from the reporting engine (a use through the Public API shows on the day it
happened, in the club's timezone), each with its table and CSV; the range picker; permits per report."""

from __future__ import annotations

import csv
import html as html_module
import io
import json
import re
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from loyaltyhub.console import dashboard
from tests.member_offers import factories as mo


def _today(club) -> date:  # type: ignore[no-untyped-def]
    return datetime.now(ZoneInfo(club.timezone)).date()


CHART_URL = re.compile(r'hx-get="(/console/[^"]+/dashboard/charts/[a-z_]+\?[^"]*)"')


def _charts(console, page) -> tuple[dict[str, dict], str]:  # type: ignore[no-untyped-def]
    """The specs of the charts the dashboard page asks for (each its own request, as htmx makes them), and
    the fragments' HTML."""
    specs, html = {}, ""
    urls = [u.replace("&amp;", "&") for u in CHART_URL.findall(page.text)]
    assert len(urls) == len(dashboard.CHARTS), page.text
    for url in urls:
        fragment = console.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200, fragment.text
        assert "<html" not in fragment.text  # only the chart's body, swapped into its section
        html += fragment.text
        found = re.search(r'<span class="chart-spec" hidden data-spec="([^"]*)">', fragment.text)
        if found:
            spec = json.loads(html_module.unescape(found.group(1)))
            specs[spec["id"]] = spec
    return specs, html


def _specs(console, page) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return _charts(console, page)[0]


def test_a_use_through_the_public_api_shows_on_the_dashboard(console_as, club, session, client, factory):
    offer = mo.offer(session, club, name={"en": "Free coffee"})
    member = mo.member(session, club)
    token = factory.client_token([club])
    used = client.post(f"/v3/{club.slug}/members/{member.id}/offers/{offer.id}/use", headers=factory.headers(token))
    assert used.status_code in (200, 201), used.text
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/dashboard?range=7")
    assert page.status_code == 200, page.text
    specs, html = _charts(console, page)
    today = _today(club).isoformat()
    uses = specs["uses"]
    assert len(uses["labels"]) == 7 and uses["labels"][-1] == today
    assert uses["datasets"][0]["data"] == [0, 0, 0, 0, 0, 0, 1]
    assert specs["top_offers"]["labels"] == ["Free coffee"] and specs["top_offers"]["datasets"][0]["data"] == [1]
    now = datetime.now(ZoneInfo(club.timezone))
    by_hour = {d["label"]: d["data"] for d in specs["uses_by_hour"]["datasets"]}
    assert list(by_hour) == list(dashboard.WEEKDAYS) and specs["uses_by_hour"]["labels"][0] == "00"
    assert sum(map(sum, by_hour.values())) == 1
    assert by_hour[dashboard.WEEKDAYS[now.weekday()]][now.hour] == 1 or now.minute == 0  # the hour of the use
    assert f"<td>{today}</td><td>1</td>" in html  # the chart's table
    assert "vendor/chart-4.6.1.umd.min.js" in page.text
    download = console.get(f"/console/{club.slug}/dashboard/uses.csv?range=7")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["day", "uses"] and rows[-1] == [today, "1"] and len(rows) == 8
    top = list(csv.reader(io.StringIO(console.get(f"/console/{club.slug}/dashboard/top_offers.csv?range=7").text)))
    assert top == [["offer_id", "offer", "uses"], [str(offer.id), "Free coffee", "1"]]


def test_a_custom_range_and_its_errors(console_as, club):
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/dashboard?range=custom&from=2026-01-01&to=2026-01-10")
    assert page.status_code == 200
    labels = _specs(console, page)["uses"]["labels"]
    assert labels[0] == "2026-01-01" and len(labels) == 10
    alone = console.get(f"/console/{club.slug}/dashboard/charts/uses?range=custom&from=2026-01-01&to=2026-01-10")
    assert alone.status_code == 200 and "<html" in alone.text and 'id="table-uses"' in alone.text  # without htmx
    backwards = console.get(f"/console/{club.slug}/dashboard?range=custom&from=2026-01-10&to=2026-01-01")
    assert backwards.status_code == 422 and "must not be before from" in backwards.text
    assert 'id="to" name="to" type="date" value="2026-01-01" aria-invalid="true"' in backwards.text
    too_long = console.get(f"/console/{club.slug}/dashboard/uses.csv?range=custom&from=2025-01-01&to=2026-01-01")
    assert too_long.status_code == 422
    assert console.get(f"/console/{club.slug}/dashboard/nope.csv").status_code == 422


def test_the_period_is_whole_days_of_the_clubs_calendar():
    today = date(2026, 3, 29)  # the night Oslo moves to summer time
    period, errors = dashboard.period_of({"range": "7"}, "Europe/Oslo", today)
    assert not errors and period.first == date(2026, 3, 23) and period.last == today
    assert period.window() == {"from": "2026-03-23T00:00:00", "to": "2026-03-30T00:00:00"}
    period, errors = dashboard.period_of({"range": "custom", "from": "2026-01-01", "to": "2026-06-30"}, "UTC", today)
    assert errors == {"to": "at most 150 days after from"}
    _period, errors = dashboard.period_of({"range": "365"}, "UTC", today)
    assert set(errors) == {"from", "to", "range"}


def test_a_report_the_role_may_not_read_is_said_on_its_chart(club, session):
    from loyaltyhub.auth.context import ClubAccess
    from loyaltyhub.auth.permits import REPORTING_QUERY
    from loyaltyhub.auth.principal import Principal

    access = ClubAccess(Principal(kind="user", id=1, name="x", grants=()), club, frozenset({REPORTING_QUERY}))
    period, _ = dashboard.period_of({}, club.timezone)
    chart = dashboard.build(session, access, "uses", period)
    assert chart.problem == "Missing permit Reporting:Api:Report:OffersUsagesHistory"
    assert chart.rows == []


def test_members_over_time_reads_the_member_count_history(console_as, club, session):
    from loyaltyhub.reporting.snapshots import take_snapshot

    for _ in range(3):
        mo.member(session, club)
    take_snapshot(session, datetime.now(ZoneInfo("UTC")) - timedelta(minutes=1))
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/dashboard?range=7")
    members = _specs(console, page)["members"]["datasets"][0]["data"]
    assert members[-1] == 3


def test_members_by_gender_and_birth_year_group(console_as, club, session, client, factory):
    headers = factory.headers(factory.client_token([club]))
    for gender, year in (("woman", 1990), ("woman", 1985), ("man", 1990)):
        body = {"properties": {"gender": gender, "birthday": f"{year}-05-01", "email": f"{gender}{year}@example.com"}}
        response = client.post(f"/v3/{club.slug}/members", headers=headers, json=body)
        assert response.status_code == 201, response.text
    console = console_as(club)
    specs = _specs(console, console.get(f"/console/{club.slug}/dashboard"))
    by_gender = specs["members_by_gender"]
    assert dict(zip(by_gender["labels"], by_gender["datasets"][0]["data"], strict=True)) == {"man": 1, "woman": 2}
    by_year = specs["members_by_birth_year_group"]
    assert dict(zip(by_year["labels"], by_year["datasets"][0]["data"], strict=True)) == {"1985": 1, "1990": 2}
    download = console_as(club).get(f"/console/{club.slug}/dashboard/members_by_gender.csv")
    assert download.text.splitlines() == ["gender,members", "man,1", "woman,2"]


def test_top_offers_read_whole_months_weeks_and_days_that_cover_the_period_exactly():
    for first, last in (
        (date(2026, 8, 3), date(2026, 11, 1)),  # a Monday, thirteen weeks
        (date(2026, 7, 30), date(2026, 11, 3)),
        (date(2026, 3, 1), date(2026, 3, 31)),  # a whole month (with the change to summer time)
        (date(2026, 11, 24), date(2026, 11, 30)),
        (date(2026, 12, 31), date(2026, 12, 31)),
    ):
        pieces = dashboard.covering_pieces(first, last)
        assert pieces[0][1] == first and pieces[-1][2] == last + timedelta(days=1)
        for (_i, _s, end), (_j, start, _e) in pairwise(pieces):
            assert end == start  # no gap, no overlap
        for interval, start, end in pieces:
            if interval == "1mo":
                assert start.day == 1 and end.day == 1
            elif interval == "1w":
                assert start.weekday() == 0 and (end - start).days % 7 == 0
        assert len(pieces) <= 6


def test_an_organization_dashboard_adds_up_its_clubs(staff_user, factory, session, client):
    from fastapi.testclient import TestClient

    from tests.console.conftest import sign_in

    first = factory.club(organization="Steen & Strøm", default_language="en")
    second = factory.club(organization="Steen & Strøm", default_language="en")
    other = factory.club(organization="Other", default_language="en")
    for club, name in ((first, "Coffee at first"), (second, "Cake at second"), (other, "Elsewhere")):
        offer = mo.offer(session, club, name={"en": name})
        member = mo.member(session, club)
        headers = factory.headers(factory.client_token([club]))
        used = client.post(f"/v3/{club.slug}/members/{member.id}/offers/{offer.id}/use", headers=headers)
        assert used.status_code in (200, 201), used.text
    email = staff_user(role="analyst", organization="Steen & Strøm")
    with TestClient(client.app) as browser:
        assert sign_in(browser, email).status_code == 303
        clubs = browser.get("/console/clubs").text
        link = re.search(r'href="(/console/organizations/(\d+)/dashboard)"', clubs)
        assert link and first.organization_id == int(link.group(2))
        page = browser.get(link.group(1) + "?range=7")
        assert page.status_code == 200 and first.name in page.text and other.name not in page.text

        class Signed:
            get = staticmethod(lambda url, **kw: browser.get(url, **kw))

        specs, html = _charts(Signed, page)
        assert specs["uses"]["datasets"][0]["data"][-1] == 2
        assert sorted(specs["top_offers"]["labels"]) == ["Cake at second", "Coffee at first"]
        assert "Elsewhere" not in html
        csv_rows = browser.get(f"/console/organizations/{first.organization_id}/dashboard/uses.csv?range=7").text
        assert csv_rows.strip().splitlines()[-1].endswith(",2")
        assert browser.get(f"/console/organizations/{other.organization_id}/dashboard").status_code == 404


def _sending_with_dispatches(session, club, created_at, outcomes):  # type: ignore[no-untyped-def]
    """A sending made at ``created_at`` whose dispatches had ``outcomes`` (sets of delivered/opened/clicked)."""
    from loyaltyhub.messaging.models import Dispatch, Link, LinkVisit
    from tests.messaging import factories as msg

    sending = msg.sending(session, club, status="transmitted")
    sending.created_at = created_at
    link = Link(
        loyalty_club_id=club.id,
        code=f"c{sending.id:06d}",
        source_type="sending",
        sending_id=sending.id,
        url="https://example.com/",
        url_hash=f"h{sending.id}",
    )
    session.add(link)
    session.flush()
    for index, outcome in enumerate(outcomes):
        dispatch = Dispatch(
            loyalty_club_id=club.id,
            sending_id=sending.id,
            recipient_key=f"sms:+4790000{index:03d}",
            channel="sms",
            address=f"+4790000{index:03d}",
            transmission_status="transmitted",
            delivery_status="delivered" if "delivered" in outcome else "unknown",
            transmitted_at=created_at,
            opened_at=created_at if "opened" in outcome else None,
        )
        session.add(dispatch)
        session.flush()
        for _ in range(2 if "clicked" in outcome else 0):  # two visits of one recipient: one click
            session.add(
                LinkVisit(
                    loyalty_club_id=club.id,
                    link_id=link.id,
                    sending_id=sending.id,
                    dispatch_id=dispatch.id,
                    visitor_key=f"dispatch:{dispatch.id}",
                    visited_at=created_at,
                )
            )
    session.flush()
    return sending


def test_sendings_delivered_opened_clicked_come_from_the_sendings_report(console_as, club, session, factory):
    now = datetime.now(ZoneInfo("UTC"))
    recent = _sending_with_dispatches(
        session, club, now - timedelta(hours=1), [{"delivered", "opened", "clicked"}, {"delivered"}, {"opened"}, set()]
    )
    _sending_with_dispatches(session, club, now - timedelta(days=40), [{"delivered"}])  # before the period
    other = factory.club()
    _sending_with_dispatches(session, other, now - timedelta(hours=1), [{"delivered"}] * 5)  # another club's
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/dashboard?range=30")
    specs, html = _charts(console, page)
    spec = specs["sendings"]
    day = now.astimezone(ZoneInfo(club.timezone)).date().isoformat()
    assert spec["labels"] == [f"m ({day})"]
    assert {d["label"]: d["data"] for d in spec["datasets"]} == {"Delivered": [2], "Opened": [2], "Clicked": [1]}
    assert f"<td>{recent.id}</td><td>m</td><td>{day}</td><td>4</td><td>2</td><td>2</td><td>1</td>" in html
    rows = list(csv.reader(io.StringIO(console.get(f"/console/{club.slug}/dashboard/sendings.csv?range=30").text)))
    assert rows == [
        ["sending_id", "message", "day", "dispatches", "delivered", "opened", "clicked"],
        [str(recent.id), "m", day, "4", "2", "2", "1"],
    ]
    ninety = list(csv.reader(io.StringIO(console.get(f"/console/{club.slug}/dashboard/sendings.csv?range=90").text)))
    assert len(ninety) == 3  # the older sending is in the last 90 days


def test_sendings_chart_in_norwegian(console_as, club, session):
    console = console_as(club)
    console.client.cookies.set("lh_console_lang", "no", path="/console")
    fragment = console.get(f"/console/{club.slug}/dashboard/charts/sendings?range=7")
    assert "Utsendelser: levert, åpnet, klikket" in fragment.text
    assert "Ingenting i denne perioden ennå." in fragment.text
