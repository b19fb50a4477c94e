"""Collections under ``/v3/{slug}/offers/collections`` and the computed fields of the seed's model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyaltyhub.db.base import utcnow
from loyaltyhub.offers import stock
from tests.offers import factories
from tests.offers.seed import COLLECTION_COMPUTED, COLLECTION_EXAMPLE


def _payload(**overrides):
    body = {k: v for k, v in COLLECTION_EXAMPLE.items() if k not in COLLECTION_COMPUTED}
    body.update(overrides)
    return body


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_seed_example_round_trips_through_post(api):
    assert api.post("/collections", json={"title": {"en": "First"}}).json()["position"] == 1
    response = api.post("/collections", json=_payload())
    assert response.status_code == 201, response.text
    collection = response.json()
    # The example's counters describe one published offer in the collection, used once, whose
    # windows lay in September 2021.
    offer = api.post(
        "",
        json={
            "status": "published",
            "collection_ids": [collection["id"]],
            "visible_since": COLLECTION_EXAMPLE["visible_since"],
            "visible_until": COLLECTION_EXAMPLE["visible_until"],
            "usable_since": COLLECTION_EXAMPLE["usable_since"],
            "usable_until": COLLECTION_EXAMPLE["usable_until"],
        },
    ).json()
    stock.add_uses(api.session, club_id=api.club.id, offer_id=offer["id"], uses=1)

    body = api.get(f"/collections/{collection['id']}").json()
    assert set(body) == set(COLLECTION_EXAMPLE)
    for key, value in COLLECTION_EXAMPLE.items():
        if key not in ("id", "created_at", "updated_at"):
            assert body[key] == value, key
    assert len(body["created_at"]) == len(COLLECTION_EXAMPLE["created_at"])


def test_computed_fields_follow_the_offers(api):
    now = utcnow()
    collection = factories.collection(api.session, api.club)
    day = timedelta(days=1)

    def offer(**values):
        return factories.offer(api.session, api.club, collection_ids=[collection.id], **values)

    offer(
        status="published",
        visible_since=now - day,
        visible_until=now + day,
        uses_count=3,
        usable_since=now - 2 * day,
        usable_until=now + 5 * day,
    )
    offer(status="published", visible_since=now + day, uses_count=1)  # upcoming
    offer(status="draft", visible_since=now - 3 * day, uses_count=0)  # not visible: draft
    offer(status="published", uses_count=100, archived_at=now)  # archived: not counted
    factories.offer(api.session, api.club, status="published", uses_count=50)  # not in the collection
    body = api.get(f"/collections/{collection.id}").json()
    assert {k: body[k] for k in ("offers_count", "offers_visible_count", "offers_upcoming_count")} == {
        "offers_count": 3,
        "offers_visible_count": 1,
        "offers_upcoming_count": 1,
    }
    assert body["offers_uses_count"] == 4
    assert _at(body["visible_since"]) == (now - 3 * day).replace(microsecond=(now.microsecond // 1000) * 1000)
    assert body["visible_until"] is not None
    assert _at(body["usable_until"]) <= now + 5 * day


def test_an_empty_collection_has_zero_counters_and_no_windows(api):
    body = api.post("/collections", json={}).json()
    assert (body["offers_count"], body["offers_uses_count"], body["visible_since"], body["usable_until"]) == (
        0,
        0,
        None,
        None,
    )
    assert body["title"] == {} and body["scope"] is None and body["files"] == []


def test_offers_order_names_offers_of_the_collection(api):
    collection = factories.collection(api.session, api.club)
    a = factories.offer(api.session, api.club, collection_ids=[collection.id]).id
    b = factories.offer(api.session, api.club, collection_ids=[collection.id]).id
    outsider = factories.offer(api.session, api.club).id
    url = f"/collections/{collection.id}"
    assert api.patch(url, json={"offers_order": [b, a]}).json()["offers_order"] == [b, a]
    response = api.patch(url, json={"offers_order": [a, outsider]})
    assert response.status_code == 422
    assert response.json()["details"] == {"offers_order": {"1": [{"error": "does_not_exist", "options": {}}]}}
    # An offer leaving the collection leaves its order.
    api.patch(f"/{b}", json={"collection_ids": []})
    assert api.get(url).json()["offers_order"] == [a]


def test_scope_must_fit_the_offers_already_inside(api):
    collection = factories.collection(api.session, api.club)
    regular = factories.offer(api.session, api.club, type="regular", collection_ids=[collection.id])
    response = api.patch(f"/collections/{collection.id}", json={"scope": "parking"})
    assert response.status_code == 422
    assert response.json()["details"]["scope"] == [{"error": "scope_mismatch", "options": {"offer_ids": [regular.id]}}]
    assert api.patch(f"/collections/{collection.id}", json={"scope": "standard"}).status_code == 200
    assert api.patch(f"/collections/{collection.id}", json={"scope": "galaxy"}).status_code == 422


def test_title_languages_and_unknown_fields(api):
    response = api.post("/collections", json={"title": {"de": "Hallo"}})
    assert response.status_code == 422
    assert response.json()["details"]["title"]["de"][0]["error"] == "inclusion"
    response = api.post("/collections", json={"offers_count": 3})
    assert response.json()["details"]["offers_count"] == [{"error": "unknown_attribute", "options": {}}]


def test_patch_keeps_absent_fields_and_clears_nullable_ones(api):
    created = api.post("/collections", json={"scope": "standard", "title": {"en": "T"}}).json()
    body = api.patch(f"/collections/{created['id']}", json={"scope": None}).json()
    assert (body["scope"], body["title"]) == (None, {"en": "T"})
    assert api.patch(f"/collections/{created['id']}", json={"title": None}).status_code == 422


def test_list_by_position_with_archive_and_scope_filters(api, factory):
    first = api.post("/collections", json={"scope": "standard"}).json()
    second = api.post("/collections", json={"scope": "parking"}).json()
    third = api.post("/collections", json={}).json()
    factories.collection(api.session, factory.club())
    listed = api.get("/collections").json()
    assert [c["id"] for c in listed["collections"]] == [first["id"], second["id"], third["id"]]
    assert listed["pagination_info"]["total_count"] == 3
    assert [c["id"] for c in api.get("/collections", params={"scope": "parking"}).json()["collections"]] == [
        second["id"]
    ]
    archived = api.post(f"/collections/{second['id']}/archive").json()
    assert archived["archived_at"] is not None
    assert [c["id"] for c in api.get("/collections").json()["collections"]] == [first["id"], third["id"]]
    with_archived = api.get("/collections", params={"with_archived": "true"}).json()["collections"]
    assert [c["id"] for c in with_archived] == [first["id"], second["id"], third["id"]]


def test_put_order_sets_positions(api):
    a, b, c = (api.post("/collections", json={}).json()["id"] for _ in range(3))
    response = api.put("/collections/order", json={"collection_ids": [c, a]})
    assert response.status_code == 200, response.text
    assert [(x["id"], x["position"]) for x in response.json()["collections"]] == [(c, 1), (a, 2), (b, 3)]
    assert [x["id"] for x in api.get("/collections").json()["collections"]] == [c, a, b]


def test_put_order_refuses_unknown_and_repeated_ids(api, factory):
    a = api.post("/collections", json={}).json()["id"]
    foreign = factories.collection(api.session, factory.club()).id
    response = api.put("/collections/order", json={"collection_ids": [a, foreign, a]})
    assert response.status_code == 422
    assert response.json()["details"]["collection_ids"] == {
        "1": [{"error": "does_not_exist", "options": {}}],
        "2": [{"error": "taken", "options": {}}],
    }


def test_show_unknown_collection(api):
    response = api.get("/collections/999999")
    assert (response.status_code, response.json()) == (404, {"error": "Collection#999999 not found"})


def test_visible_window_in_the_future_counts_as_upcoming(api):
    collection = factories.collection(api.session, api.club)
    start = datetime(2099, 1, 1, tzinfo=UTC)
    factories.offer(api.session, api.club, status="published", visible_since=start, collection_ids=[collection.id])
    body = api.get(f"/collections/{collection.id}").json()
    assert (body["offers_upcoming_count"], body["offers_visible_count"]) == (1, 0)
    assert body["visible_since"] == "2099-01-01T00:00:00.000Z"


def test_an_empty_patch_is_refused(api):
    collection = factories.collection(api.session, api.club)
    response = api.patch(f"/collections/{collection.id}", json={})
    assert (response.status_code, response.json()["details"]) == (422, {"base": [{"error": "blank", "options": {}}]})


@pytest.mark.parametrize("position", [False, True, "3", 1.5, 2.0])
def test_position_must_be_a_json_integer(api, position):
    """pydantic's lax mode used to store ``false`` as 0 (and ``"3"`` as 3): only a JSON integer is one."""
    collection = factories.collection(api.session, api.club)
    response = api.patch(f"/collections/{collection.id}", json={"position": position})
    assert response.status_code == 422, response.text
    assert response.json()["details"] == {"position": [{"error": "invalid_type", "options": {"expected": "integer"}}]}
    assert api.post("/collections", json={"title": {"en": "x"}, "position": position}).status_code == 422
    assert api.patch(f"/collections/{collection.id}", json={"position": 3}).json()["position"] == 3
