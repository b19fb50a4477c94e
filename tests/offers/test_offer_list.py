"""``GET /v3/{slug}/offers``: every parameter of reference C.6 changes the answer as documented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyaltyhub.http.routing import api_routes
from loyaltyhub.offers.dependencies import offer_filters
from tests.offers import factories

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [offer["id"] for offer in response.json()["offers"]]


@pytest.fixture
def make(api):
    def make(**values):
        return factories.offer(api.session, api.club, **values).id

    return make


def test_only_the_clubs_offers_are_listed(api, make, factory):
    own = make()
    factories.offer(api.session, factory.club())
    assert ids(api.get("")) == [own]


def test_scope_selects_the_types_of_that_scope(api, make):
    regular = make(type="regular")
    exclusive = make(type="exclusive")
    parking = make(type="parking")
    info = make(type="informational")
    assert sorted(ids(api.get(""))) == sorted([regular, exclusive])
    assert ids(api.get("", params={"scope": "parking"})) == [parking]
    assert ids(api.get("", params={"scope": "informational"})) == [info]
    assert ids(api.get("", params={"scope": "reward"})) == []


def test_types_filter(api, make):
    make(type="regular")
    welcome = make(type="welcome")
    birthday = make(type="birthday")
    assert sorted(ids(api.get("", params={"types": ["welcome", "birthday"]}))) == sorted([welcome, birthday])
    assert sorted(ids(api.get("", params={"types[]": ["welcome", "birthday"]}))) == sorted([welcome, birthday])
    assert sorted(ids(api.get("", params={"types": "welcome,birthday"}))) == sorted([welcome, birthday])
    response = api.get("", params={"types": "coupon"})
    assert response.status_code == 422
    assert response.json()["details"]["types"]["0"][0]["error"] == "inclusion"


def test_ids_filter(api, make):
    a, _b, c = make(), make(), make()
    assert sorted(ids(api.get("", params={"ids": [a, c]}))) == [a, c]
    assert api.get("", params={"ids": "x"}).status_code == 422


def test_collection_filters(api, make):
    one = factories.collection(api.session, api.club)
    two = factories.collection(api.session, api.club)
    in_one = make(collection_ids=[one.id])
    in_both = make(collection_ids=[one.id, two.id])
    in_none = make()
    assert sorted(ids(api.get("", params={"collection_ids": [two.id]}))) == [in_both]
    assert sorted(ids(api.get("", params={"collection_ids": [one.id, two.id]}))) == sorted([in_one, in_both])
    assert ids(api.get("", params={"without_collection": "true"})) == [in_none]


def test_store_filters(api, make):
    store = factories.store(api.session, api.club)
    other = factories.store(api.session, api.club)
    at_store = make(store_id=store.id)
    make(store_id=other.id)
    no_store = make()
    assert ids(api.get("", params={"store_ids": [store.id]})) == [at_store]
    assert ids(api.get("", params={"without_store": "true"})) == [no_store]


def test_status_filter(api, make):
    published = make(status="published")
    make(status="draft")
    make(status="unpublished")
    assert ids(api.get("", params={"status": "published"})) == [published]
    assert api.get("", params={"status": "live"}).status_code == 422


def test_campaign_filters(api, make):
    in_campaign = make(campaign_id=32)
    make(campaign_id=33)
    no_campaign = make()
    assert ids(api.get("", params={"campaign_id": 32})) == [in_campaign]
    assert ids(api.get("", params={"without_campaign_id": "true"})) == [no_campaign]


def test_audience_filters(api, make):
    group = factories.member_group(api.session, api.club)
    other = factories.member_group(api.session, api.club)
    for_group = make(audience_id=group.id)
    make(audience_id=other.id)
    for_everyone = make()
    assert ids(api.get("", params={"audience_id": group.id})) == [for_group]
    assert ids(api.get("", params={"without_audience_id": "true"})) == [for_everyone]


def test_search_matches_name_description_and_internal_name_case_insensitively(api, make):
    by_name = make(name={"en": "Summer SALE"})
    by_other_language = make(name={"pl": "Wyprzedaż sale"})
    by_description = make(name={"en": "x"}, description={"en": "big sale inside"})
    by_internal = make(name={"en": "y"}, internal_name="sale-2030")
    make(name={"en": "Winter deals"})
    found = ids(api.get("", params={"search": "sale"}))
    assert sorted(found) == sorted([by_name, by_other_language, by_description, by_internal])


def test_search_treats_wildcards_literally(api, make):
    percent = make(name={"en": "100% off"})
    make(name={"en": "100 off"})
    assert ids(api.get("", params={"search": "0%"})) == [percent]


def test_extras_matching(api, make):
    match = make(extras={"category": 42, "color": "red", "vip": True})
    make(extras={"category": 42, "color": "blue"})
    make(extras={"category": "42", "color": "red"})
    make(extras={})
    assert ids(api.get("", params={"extras": '{"category": 42, "color": "red"}'})) == [match]
    assert ids(api.get("", params={"extras[category]": "42", "extras[color]": "red"})) == [match]
    assert ids(api.get("", params={"extras[vip]": "true"})) == [match]
    assert api.get("", params={"extras": "[1]"}).status_code == 422
    assert api.get("", params={"extras": '{"bad key": 1}'}).status_code == 422


@pytest.mark.parametrize("path", ["", "/grouped?group_by=type"])
@pytest.mark.parametrize(
    ("params", "details"),
    [
        ({"extras": "{category: 42}"}, {"extras": [{"error": "invalid_type", "options": {"expected": "object"}}]}),
        ({"extras": ""}, {"extras": [{"error": "invalid_type", "options": {"expected": "object"}}]}),
        ({"extras": "[1]"}, {"extras": [{"error": "invalid_type", "options": {"expected": "object"}}]}),
        ({"extras": "42"}, {"extras": [{"error": "invalid_type", "options": {"expected": "object"}}]}),
        ({"extras": "null"}, {"extras": [{"error": "invalid_type", "options": {"expected": "object"}}]}),
        (
            {"extras": '{"bad key": 1}'},
            {"extras": {"bad key": [{"error": "invalid_format", "options": {"format": "^[A-Za-z0-9_\\-]{1,100}$"}}]}},
        ),
        # JSON escapes of text no column can store: a 500 on PostgreSQL (jsonb) before.
        ({"extras": '{"a": "\\u0000"}'}, {"extras": {"a": [{"error": "invalid", "options": {}}]}}),
        ({"extras": '{"a": ["\\ud800"]}'}, {"extras": {"a": {"0": [{"error": "invalid", "options": {}}]}}}),
        ({"extras[a]": '"\\u0000"'}, {"extras": {"a": [{"error": "invalid", "options": {}}]}}),
    ],
    ids=["not-json", "empty", "array", "number", "null", "bad-key", "nul", "surrogate", "nul-in-bracket-form"],
)
def test_malformed_extras_are_422_naming_extras(api, path, params, details):
    response = api.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.json() == {"error": "Invalid parameters", "details": details}


def _uses(dependant, call) -> bool:
    return any(sub.call is call or _uses(sub, call) for sub in dependant.dependencies)


def test_openapi_documents_extras_as_a_json_object_in_the_query_string(app, client):
    """Every route filtering with ``offer_filters`` declares ``extras`` as JSON (``content``), not as a string."""
    routes = [info for info in api_routes(app) if _uses(info.route.dependant, offer_filters)]
    assert {info.path for info in routes} == {
        "/v3/{loyalty_club_slug}/offers",
        "/v3/{loyalty_club_slug}/offers/grouped",
    }
    paths = client.get("/openapi.json").json()["paths"]
    for info in routes:
        extras = [p for p in paths[info.path]["get"]["parameters"] if p["name"] == "extras"]
        assert len(extras) == 1, info.path
        parameter = extras[0]
        assert parameter["in"] == "query" and "schema" not in parameter
        media = parameter["content"]["application/json"]
        assert media["schema"]["type"] == "object"
        assert media["example"] == {"category": 42, "color": "red"}
        assert "extras[category]=42" in parameter["description"]


def test_archived_offers_are_listed_only_with_with_archived(api, make):
    live = make()
    archived = make(archived_at=T0)
    assert ids(api.get("")) == [live]
    assert sorted(ids(api.get("", params={"with_archived": "true"}))) == sorted([live, archived])


def test_default_sort_is_by_name_in_the_default_language(api, make):
    b = make(name={"en": "banana", "pl": "a"})
    a = make(name={"en": "Apple"})
    c = make(name={"en": "cherry"})
    nameless = make(name={"pl": "tylko po polsku"})
    assert ids(api.get("")) == [a, b, c, nameless]
    assert ids(api.get("", params={"sort_direction": "desc"})) == [c, b, a, nameless]


@pytest.mark.parametrize(
    "field", ["usable_since", "usable_until", "visible_since", "visible_until", "created_at", "archived_at"]
)
def test_sort_by_time_fields(api, make, field):
    late = make(**{field: T0 + timedelta(days=2)})
    early = make(**{field: T0})
    middle = make(**{field: T0 + timedelta(days=1)})
    params = {"sort_by": field, "with_archived": "true", "ids": [late, early, middle]}
    assert ids(api.get("", params=params)) == [early, middle, late]
    assert ids(api.get("", params={**params, "sort_direction": "desc"})) == [late, middle, early]


def test_sort_by_updated_at(api):
    first = api.post("", json={"name": {"en": "a"}}).json()["id"]
    second = api.post("", json={"name": {"en": "b"}}).json()["id"]
    api.patch(f"/{first}", json={"notes": "touched"})
    assert ids(api.get("", params={"sort_by": "updated_at"})) == [second, first]


def test_unknown_sort_is_refused(api):
    response = api.get("", params={"sort_by": "stock"})
    assert response.status_code == 422
    assert response.json()["details"]["sort_by"][0]["error"] == "inclusion"


def test_pagination_info_is_exact_at_page_edges(api, make):
    all_ids = [make(name={"en": f"offer {i:02d}"}) for i in range(5)]
    first = api.get("", params={"per_page": 2}).json()
    assert [o["id"] for o in first["offers"]] == all_ids[:2]
    assert first["pagination_info"] == {
        "total_count": 5,
        "per_page": 2,
        "total_pages": 3,
        "current_page": 1,
        "next_page": 2,
        "prev_page": None,
        "is_first_page": True,
        "is_last_page": False,
        "is_out_of_range": False,
    }
    last = api.get("", params={"per_page": 2, "page_no": 3}).json()
    assert [o["id"] for o in last["offers"]] == all_ids[4:]
    assert last["pagination_info"]["next_page"] is None
    assert last["pagination_info"]["prev_page"] == 2
    assert last["pagination_info"]["is_last_page"] is True
    past = api.get("", params={"per_page": 2, "page_no": 4}).json()
    assert past["offers"] == []
    assert past["pagination_info"]["is_out_of_range"] is True
    exact = api.get("", params={"per_page": 5}).json()["pagination_info"]
    assert (exact["total_pages"], exact["next_page"], exact["is_last_page"]) == (1, None, True)
    assert api.get("", params={"per_page": 101}).status_code == 422


def test_pages_do_not_overlap_when_sort_values_tie(api, make):
    created = [make(name={"en": "same"}) for _ in range(5)]
    seen = [i for page in (1, 2, 3) for i in ids(api.get("", params={"per_page": 2, "page_no": page}))]
    assert seen == created
