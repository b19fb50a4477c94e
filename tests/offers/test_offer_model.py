"""The Offer model of seed ``management-offers-introduction``: shape, defaults, read-only fields."""

from __future__ import annotations

from loyaltyhub.offers import stock
from tests.offers import factories
from tests.offers.seed import OFFER_EXAMPLE, OFFER_FIELDS_NOT_IN_EXAMPLE, OFFER_READ_ONLY, offer_payload


def _seed_references(api):
    """The store, audience and collection the example refers to, in the caller's club."""
    store = factories.store(api.session, api.club)
    group = factories.member_group(api.session, api.club)
    collection = factories.collection(api.session, api.club, scope="standard")
    return {"store_id": store.id, "audience_id": group.id, "collection_ids": [collection.id]}


def test_the_seed_example_round_trips_through_post(api):
    refs = _seed_references(api)
    response = api.post("", json=offer_payload(**refs))
    assert response.status_code == 201, response.text
    body = response.json()

    expected = {**OFFER_EXAMPLE, **refs, "files": []}  # read-only: filled from uploads, none yet
    assert set(body) == set(expected) | set(OFFER_FIELDS_NOT_IN_EXAMPLE)
    for key, value in expected.items():
        if key in ("id", "url", "created_at", "updated_at"):
            continue
        assert body[key] == value, key
    assert body["url"] == f"promotions/{body['id']}"
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == len(OFFER_EXAMPLE["created_at"])
    assert {k: body[k] for k in OFFER_FIELDS_NOT_IN_EXAMPLE} == {
        "usable_in_seconds_after_granting": None,
        "external_source": None,
        "cms_tag_ids": [],
    }
    assert api.get(f"/{body['id']}").json() == body


def test_an_empty_post_gives_the_seed_defaults(api):
    body = api.post("", json={}).json()
    assert body["type"] == "regular"
    assert body["status"] == "draft"
    assert body["name"] == {} and body["description"] == {}
    assert body["collection_ids"] == [] and body["extras"] == {} and body["files"] == [] and body["cms_tag_ids"] == []
    assert body["usage_authorization_token_required"] is False
    for key in ("internal_name", "notes", "visible_since", "usable_until", "store_id", "periodic_usage", "stock"):
        assert body[key] is None
    assert (body["uses_count"], body["grants_count"], body["archived_at"]) == (0, 0, None)


def test_read_only_fields_are_refused(api):
    for field in OFFER_READ_ONLY:
        response = api.post("", json={field: OFFER_EXAMPLE[field]})
        assert response.status_code == 422, field
        assert response.json()["details"][field] == [{"error": "unknown_attribute", "options": {}}]


def test_counters_move_only_through_the_use_and_grant_paths(api):
    offer = factories.offer(api.session, api.club)
    stock.add_uses(api.session, club_id=api.club.id, offer_id=offer.id, uses=3)
    response = api.patch(f"/{offer.id}", json={"uses_count": 0, "grants_count": 7})
    assert response.status_code == 422
    assert api.get(f"/{offer.id}").json()["uses_count"] == 3


def test_each_key_of_periodic_usage_is_nullable(api):
    created = api.post("", json={"periodic_usage": {"timespan": None, "limit": 3}})
    assert created.status_code == 201, created.text
    offer_id = created.json()["id"]
    assert created.json()["periodic_usage"] == {"timespan": None, "limit": 3}
    assert api.get(f"/{offer_id}").json()["periodic_usage"] == {"timespan": None, "limit": 3}
    changed = api.patch(f"/{offer_id}", json={"periodic_usage": {"timespan": "week", "limit": None}})
    assert changed.status_code == 200, changed.text
    assert api.get(f"/{offer_id}").json()["periodic_usage"] == {"timespan": "week", "limit": None}
    # A key not sent is null, like an explicit one.
    assert api.patch(f"/{offer_id}", json={"periodic_usage": {"limit": 2}}).json()["periodic_usage"] == {
        "timespan": None,
        "limit": 2,
    }
    # Both null sets no limit at all: it reads back as no periodic_usage (the seed's default, null).
    assert (
        api.patch(f"/{offer_id}", json={"periodic_usage": {"timespan": None, "limit": None}}).json()["periodic_usage"]
        is None
    )


def test_patch_changes_only_the_given_fields_and_null_clears(api):
    created = api.post("", json={"internal_name": "keep", "notes": "clear me", "stock": 10}).json()
    response = api.patch(f"/{created['id']}", json={"notes": None, "stock": 20})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["internal_name"], body["notes"], body["stock"]) == ("keep", None, 20)


def test_patch_refuses_null_for_fields_that_cannot_be_null(api):
    created = api.post("", json={}).json()
    response = api.patch(f"/{created['id']}", json={"name": None, "type": None, "extras": None})
    assert response.status_code == 422
    details = response.json()["details"]
    assert set(details) == {"name", "type", "extras"}
    assert details["name"] == [{"error": "blank", "options": {}}]


def test_patch_of_periodic_usage_replaces_or_clears_it(api):
    created = api.post("", json={"periodic_usage": {"timespan": "day", "limit": 2}}).json()
    assert created["periodic_usage"] == {"timespan": "day", "limit": 2}
    changed = api.patch(f"/{created['id']}", json={"periodic_usage": {"timespan": "month", "limit": 9}}).json()
    assert changed["periodic_usage"] == {"timespan": "month", "limit": 9}
    assert api.patch(f"/{created['id']}", json={"periodic_usage": None}).json()["periodic_usage"] is None


def test_updated_at_moves_on_update(api):
    created = api.post("", json={}).json()
    updated = api.patch(f"/{created['id']}", json={"internal_name": "x"}).json()
    assert updated["updated_at"] > created["updated_at"]
    assert updated["created_at"] == created["created_at"]


def test_show_answers_404_for_an_unknown_offer(api):
    response = api.get("/999999")
    assert response.status_code == 404
    assert response.json() == {"error": "Offer#999999 not found"}


def test_a_non_numeric_offer_id_is_not_an_offer_route(api):
    assert api.get("/not-a-number").status_code == 404


def test_an_empty_patch_is_refused(api):
    created = api.post("", json={}).json()
    response = api.patch(f"/{created['id']}", json={})
    assert response.status_code == 422
    assert response.json()["details"] == {"base": [{"error": "blank", "options": {}}]}
    assert api.get(f"/{created['id']}").json()["updated_at"] == created["updated_at"]
