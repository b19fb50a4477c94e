"""Member events in the Reporting API: member_events (records), member_events_history and _stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyaltyhub.auth import permits
from loyaltyhub.events.models import MemberEvent
from tests.factories import PUBLIC_HEADERS
from tests.reporting.factories import member, reporting_headers

T0 = datetime(2026, 11, 20, 8, tzinfo=UTC)


def event(session, club, member_id, kind, at, source="android-app", **data):
    row = MemberEvent(
        loyalty_club_id=club.id,
        member_id=member_id,
        type=kind,
        client_event_id=f"{kind}-{member_id}-{at.isoformat()}-{source}",
        source=source,
        occurred_at=at,
        received_at=at,
        data=data,
    )
    session.add(row)
    session.flush()
    return row


def query(client, headers, status=200, **body):
    response = client.post("/v1/reporting/query", json=body, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def test_registered_events_are_readable_as_records_at_once(client, factory, session):
    club, other = factory.club(), factory.club()
    token = factory.client_token([club])
    alice = member(session, club)
    sent = client.post(
        f"/v3/{club.slug}/members/{alice.id}/events",
        json={"events": [{"type": "app_opened", "client_event_id": "a-1", "data": {"platform": "ios"}}]},
        headers={"X-Client-Authorization": token, **PUBLIC_HEADERS},
    )
    assert sent.status_code == 200, sent.text
    event(session, other, member(session, other).id, "app_opened", T0)  # another club's: never reported
    headers = reporting_headers(token, club)
    opened = {"type": "equal", "field": "type", "value": "app_opened"}
    records = query(client, headers, report="member_events", filter=opened)["records"]
    assert [(r["member_id"], r["type"], r["source"], r["client_event_id"], r["data"]) for r in records] == [
        (alice.id, "app_opened", PUBLIC_HEADERS["X-Product-Name"], "a-1", {"platform": "ios"})
    ]
    assert records[0]["loyalty_club_id"] == club.id
    # loyaltyhub's own events are there too (the sign-up of the member made by the factory is not: it was
    # made without the members service) and can be counted by type.
    counts = query(client, headers, report="member_events", aggregate_by="type_count")["records"]
    assert {"loyalty_club_id": club.id, "type": "app_opened", "events_count": 1} in counts


def test_events_over_time_one_series_per_type(client, factory, session):
    club = factory.club()
    alice, bob = member(session, club), member(session, club)
    for who, kind, at, source in (
        (alice, "app_opened", T0, "ios"),
        (bob, "app_opened", T0 + timedelta(hours=1), "android"),
        (alice, "link_clicked", T0 + timedelta(days=1), "ios"),
    ):
        event(session, club, who.id, kind, at, source)
    headers = reporting_headers(factory.client_token([club]), club)
    window = {"from": "2026-11-20T00:00:00+01:00", "to": "2026-11-22T00:00:00+01:00", "interval": "1d"}
    stats = query(client, headers, report="member_events_stats", **window)
    assert stats["series"] == [
        {"label": {"type": "app_opened"}, "value": 2},
        {"label": {"type": "link_clicked"}, "value": 1},
    ]
    history = query(client, headers, report="member_events_history", **window)
    assert history["result_type"] == "timeseries"
    assert len(history["time_buckets"]) == 2
    by_source = query(client, headers, report="member_events_stats", aggregate_by="source", **window)
    assert {"label": {"type": "app_opened", "source": "android"}, "value": 1} in by_source["series"]
    ios_only = {"type": "equal", "field": "source", "value": "ios"}
    assert query(client, headers, report="member_events_stats", filter=ios_only, **window)["series"] == [
        {"label": {"type": "app_opened"}, "value": 1},
        {"label": {"type": "link_clicked"}, "value": 1},
    ]


def test_the_reports_need_their_permits_and_refuse_bad_filters(client, factory, session):
    club = factory.club()
    held = frozenset({permits.REPORTING_QUERY, permits.REPORT_MEMBER_EVENTS})
    headers = reporting_headers(factory.client_token([club], permits=held), club)
    assert query(client, headers, report="member_events")["records"] == []
    window = {"from": "2026-11-20T00:00:00+01:00", "to": "2026-11-21T00:00:00+01:00", "interval": "1d"}
    refused = query(client, headers, 403, report="member_events_stats", **window)
    assert "Reporting:Api:Report:MemberEventsStats" in refused["error"]
    bad = query(client, headers, 422, report="member_events", filter={"type": "equal", "field": "data", "value": 1})
    assert bad["details"]["filter"]["field"][0]["error"] == "not_filterable"
