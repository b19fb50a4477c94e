"""Offers reports: records of offers and collections, usages and events as timeseries and statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.offers.factories import collection, offer
from tests.reporting.factories import member, offer_event, reporting_headers, usage

T0 = datetime(2024, 5, 6, 8, tzinfo=UTC)


def setup_usages(session, club):
    shoes = collection(session, club)
    first = offer(session, club, collection_ids=[shoes.id])
    second = offer(session, club, type="birthday")
    alice = member(session, club)
    usage(
        session,
        club,
        first.id,
        alice.id,
        T0,
        member_gender="woman",
        member_age="30-34",
        collection_ids=[shoes.id],
        member_place_id="3143244",
        authorized=True,
        authorization_type="token",
    )
    usage(session, club, first.id, alice.id, T0 + timedelta(hours=1), member_gender="woman", collection_ids=[shoes.id])
    usage(session, club, second.id, alice.id, T0 + timedelta(days=1), member_gender=None, offer_type="birthday")
    return shoes, first, second


def query(client, headers, **body):
    response = client.post("/v1/reporting/query", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_offers_usages_stats_without_aggregation_has_the_seed_shape(client, factory, session):
    club = factory.club()
    setup_usages(session, club)
    headers = reporting_headers(factory.client_token([club]), club)
    answer = query(
        client,
        headers,
        report="offers_usages_stats",
        interval="5m",
        **{"from": "2024-05-06T00:00:00+02:00", "to": "2024-05-08T00:00:00+02:00"},
    )
    assert answer == {
        "interval": "5m",
        "range_timezone": "Europe/Oslo",
        "series": [{"label": {}, "value": 3}],
        "data_points": 1,
        "result_type": "statistics",
    }


def test_offers_usages_stats_aggregations_and_filters(client, factory, session):
    club = factory.club()
    shoes, _, _ = setup_usages(session, club)
    headers = reporting_headers(factory.client_token([club]), club)
    window = {"from": "2024-05-06T00:00:00+02:00", "to": "2024-05-08T00:00:00+02:00", "interval": "1d"}
    answer = query(client, headers, report="offers_usages_stats", aggregate_by="member_gender", **window)
    assert answer["series"] == [
        {"label": {"member_gender": "woman"}, "value": 2},
        {"label": {"member_gender": None}, "value": 1},
    ]
    answer = query(client, headers, report="offers_usages_stats", aggregate_by="member_place_id", **window)
    assert {"label": {"member_place_id": 3143244}, "value": 1} in answer["series"]
    answer = query(client, headers, report="offers_usages_stats", aggregate_by="authorized", **window)
    assert {"label": {"authorized": True}, "value": 1} in answer["series"]
    only_shoes = {"type": "equal", "field": "collection_id", "value": shoes.id}
    answer = query(client, headers, report="offers_usages_stats", filter=only_shoes, **window)
    assert answer["series"] == [{"label": {}, "value": 2}]
    by_place = {"type": "equal", "field": "member_place_id", "value": 3143244}
    assert query(client, headers, report="offers_usages_stats", filter=by_place, **window)["series"][0]["value"] == 1


def test_offers_usages_history_hourly(client, factory, session):
    club = factory.club()
    setup_usages(session, club)
    headers = reporting_headers(factory.client_token([club]), club)
    answer = query(
        client,
        headers,
        report="offers_usages_history",
        interval="1h",
        **{"from": "2024-05-06T00:00:00+02:00", "to": "2024-05-08T00:00:00+02:00"},
    )
    assert answer["time_buckets"] == [
        "2024-05-06T10:00:00.000+02:00",
        "2024-05-06T11:00:00.000+02:00",
        "2024-05-07T10:00:00.000+02:00",
    ]
    assert answer["series"] == [{"label": {}, "values": [1, 1, 1]}]
    assert answer["result_type"] == "timeseries"


def test_offers_events_series_per_event_type(client, factory, session):
    club = factory.club()
    shoe = offer(session, club)
    for kind in ("seen", "seen", "clicked"):
        offer_event(session, club, shoe.id, kind, T0)
    headers = reporting_headers(factory.client_token([club]), club)
    window = {"from": "2024-05-06T00:00:00+02:00", "to": "2024-05-07T00:00:00+02:00", "interval": "1d"}
    stats = query(client, headers, report="offers_events_stats", **window)
    assert stats["series"] == [
        {"label": {"event_type": "clicked"}, "value": 1},
        {"label": {"event_type": "seen"}, "value": 2},
    ]
    history = query(client, headers, report="offers_events_history", **window)
    assert history["time_buckets"] == ["2024-05-06T00:00:00.000+02:00"]


def test_offers_and_collections_records(client, factory, session):
    club = factory.club()
    shoes, first, second = setup_usages(session, club)
    headers = reporting_headers(factory.client_token([club]), club)
    records = query(client, headers, report="offers")["records"]
    assert [r["id"] for r in records] == [first.id, second.id]
    assert records[0]["collection_ids"] == [shoes.id]
    assert records[0]["loyalty_club_id"] == club.id
    in_shoes = {"type": "in", "field": "collection_ids", "value": [shoes.id]}
    assert [r["id"] for r in query(client, headers, report="offers", filter=in_shoes)["records"]] == [first.id]
    by_type = query(client, headers, report="offers", aggregate_by="type_count")["records"]
    assert {"loyalty_club_id": club.id, "type": "birthday", "offers_count": 1} in by_type
    collections = query(client, headers, report="offers_collections")["records"]
    assert collections[0]["id"] == shoes.id
    assert collections[0]["offers_count"] == 1
