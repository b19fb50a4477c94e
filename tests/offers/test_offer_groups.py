"""``GET /v3/{slug}/offers/grouped``: groups by an attribute, each with a page of its offers."""

from __future__ import annotations

from tests.offers import factories


def groups(response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    return {g["value"]: [o["id"] for o in g["offers"]] for g in body["groups"]}


def test_group_by_type(api):
    a = factories.offer(api.session, api.club, type="regular", name={"en": "a"}).id
    b = factories.offer(api.session, api.club, type="regular", name={"en": "b"}).id
    w = factories.offer(api.session, api.club, type="welcome").id
    factories.offer(api.session, api.club, type="parking")  # another scope
    body = api.get("/grouped", params={"group_by": "type"}).json()
    assert body["group_by"] == "type"
    assert [g["value"] for g in body["groups"]] == ["regular", "welcome"]
    assert groups(api.get("/grouped", params={"group_by": "type"})) == {"regular": [a, b], "welcome": [w]}


def test_group_by_status_applies_the_list_filters(api):
    store = factories.store(api.session, api.club)
    draft = factories.offer(api.session, api.club, status="draft", store_id=store.id).id
    published = factories.offer(api.session, api.club, status="published", store_id=store.id).id
    factories.offer(api.session, api.club, status="published")
    response = api.get("/grouped", params={"group_by": "status", "store_ids": [store.id]})
    assert groups(response) == {"draft": [draft], "published": [published]}


def test_group_by_store_puts_offers_without_a_store_last(api):
    first, second = factories.store(api.session, api.club), factories.store(api.session, api.club)
    none = factories.offer(api.session, api.club).id
    at_second = factories.offer(api.session, api.club, store_id=second.id).id
    at_first = factories.offer(api.session, api.club, store_id=first.id).id
    body = api.get("/grouped", params={"group_by": "store_id"}).json()
    assert [g["value"] for g in body["groups"]] == [first.id, second.id, None]
    assert groups(api.get("/grouped", params={"group_by": "store_id"})) == {
        first.id: [at_first],
        second.id: [at_second],
        None: [none],
    }


def test_group_by_collection_lists_an_offer_in_each_of_its_collections(api):
    one, two = factories.collection(api.session, api.club), factories.collection(api.session, api.club)
    both = factories.offer(api.session, api.club, collection_ids=[one.id, two.id]).id
    only_two = factories.offer(api.session, api.club, collection_ids=[two.id]).id
    loose = factories.offer(api.session, api.club).id
    assert groups(api.get("/grouped", params={"group_by": "collection_id"})) == {
        one.id: [both],
        two.id: sorted([both, only_two]),
        None: [loose],
    }


def test_group_by_campaign_pages_within_each_group(api):
    in_campaign = [factories.offer(api.session, api.club, campaign_id=7, name={"en": f"o{i}"}).id for i in range(3)]
    response = api.get("/grouped", params={"group_by": "campaign_id", "per_page": 2, "page_no": 2})
    body = response.json()
    assert body["groups"][0]["value"] == 7
    assert [o["id"] for o in body["groups"][0]["offers"]] == in_campaign[2:]
    info = body["groups"][0]["pagination_info"]
    assert (info["total_count"], info["total_pages"], info["current_page"]) == (3, 2, 2)


def test_group_by_is_required_and_checked(api):
    assert api.get("/grouped").status_code == 422
    response = api.get("/grouped", params={"group_by": "name"})
    assert response.status_code == 422
    assert response.json()["details"]["group_by"][0]["error"] == "inclusion"


def test_no_offers_no_groups(api):
    assert api.get("/grouped", params={"group_by": "type"}).json() == {"group_by": "type", "groups": []}
