"""What a real offers tool refuses: each failure is a 422 with the B.7 details tree, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from loyaltyhub.offers.models import Offer
from tests.offers import factories
from tests.offers.seed import RECTANGLE_KEYS


def _error(response, *path):
    assert response.status_code == 422, response.text
    node = response.json()["details"]
    for key in path:
        node = node[key]
    return node


def _offers_count(api) -> int:
    return api.session.execute(select(func.count()).where(Offer.loyalty_club_id == api.club.id)).scalar_one()


def test_localized_content_only_in_the_clubs_languages(api):
    response = api.post("", json={"name": {"en": "Hi", "de": "Hallo"}, "description": {"xx": "?"}})
    assert _error(response, "name", "de") == [{"error": "inclusion", "options": {"in": ["en", "pl", "no"]}}]
    assert _error(response, "description", "xx")[0]["error"] == "inclusion"
    assert _offers_count(api) == 0


@pytest.mark.parametrize("window", [("visible_since", "visible_until"), ("usable_since", "usable_until")])
def test_windows_must_be_ordered(api, window):
    since, until = window
    body = {since: "2030-01-02T00:00:00Z", until: "2030-01-01T00:00:00Z"}
    response = api.post("", json=body)
    assert _error(response, until) == [{"error": "greater_than_property", "options": {"property": since}}]


def test_window_order_is_checked_against_the_stored_bound_on_patch(api):
    created = api.post("", json={"usable_until": "2030-01-01T00:00:00Z"}).json()
    response = api.patch(f"/{created['id']}", json={"usable_since": "2031-01-01T00:00:00Z"})
    assert _error(response, "usable_until")[0]["error"] == "greater_than_property"
    assert api.get(f"/{created['id']}").json()["usable_since"] is None


def test_times_need_an_offset(api):
    response = api.post("", json={"usable_since": "2030-01-01T00:00:00"})
    assert _error(response, "usable_since")[0]["error"] == "invalid_type"


@pytest.mark.parametrize(
    "field", ["maximum_uses_per_user", "maximum_grants_per_user", "stock", "usable_in_seconds_after_granting"]
)
@pytest.mark.parametrize("value", [0, -1])
def test_limits_must_be_positive(api, field, value):
    response = api.post("", json={field: value})
    assert _error(response, field) == [{"error": "greater_than", "options": {"number": 0}}]


def test_periodic_usage_timespan_is_in_the_enum(api):
    response = api.post("", json={"periodic_usage": {"timespan": "fortnight", "limit": 1}})
    assert _error(response, "periodic_usage", "timespan") == [
        {"error": "inclusion", "options": {"in": ["hour", "day", "week", "month", "year"]}}
    ]
    response = api.post("", json={"periodic_usage": {"timespan": "day", "limit": 0}})
    assert _error(response, "periodic_usage", "limit")[0]["error"] == "greater_than"


def test_type_and_status_are_in_their_enums(api):
    response = api.post("", json={"type": "coupon", "status": "live"})
    assert _error(response, "type")[0]["error"] == "inclusion"
    assert _error(response, "status")[0]["options"]["in"] == ["draft", "published", "unpublished"]


def test_store_audience_and_collections_must_exist_in_the_club(api, factory):
    other = factory.club()
    foreign_store = factories.store(api.session, other)
    foreign_group = factories.member_group(api.session, other)
    foreign_collection = factories.collection(api.session, other)
    own_collection = factories.collection(api.session, api.club)
    response = api.post(
        "",
        json={
            "store_id": foreign_store.id,
            "audience_id": foreign_group.id,
            "collection_ids": [own_collection.id, foreign_collection.id],
        },
    )
    details = _error(response)
    assert details == {
        "store_id": [{"error": "does_not_exist", "options": {}}],
        "audience_id": [{"error": "does_not_exist", "options": {}}],
        "collection_ids": {"1": [{"error": "does_not_exist", "options": {}}]},
    }
    assert _offers_count(api) == 0


def test_offer_type_must_fit_a_scoped_collection(api):
    parking = factories.collection(api.session, api.club, scope="parking")
    unscoped = factories.collection(api.session, api.club, scope=None)
    response = api.post("", json={"type": "regular", "collection_ids": [unscoped.id, parking.id]})
    assert _error(response, "collection_ids", "1") == [
        {"error": "scope_mismatch", "options": {"scope": "parking", "type_scope": "standard"}}
    ]
    assert api.post("", json={"type": "parking_exclusive", "collection_ids": [parking.id]}).status_code == 201


def test_changing_the_type_rechecks_the_collections_scope(api):
    parking = factories.collection(api.session, api.club, scope="parking")
    created = api.post("", json={"type": "parking", "collection_ids": [parking.id]}).json()
    response = api.patch(f"/{created['id']}", json={"type": "informational"})
    assert _error(response, "collection_ids", "0")[0]["error"] == "scope_mismatch"


def test_a_required_authorization_token_must_be_set(api):
    response = api.post("", json={"usage_authorization_token_required": True})
    assert _error(response, "usage_authorization_token") == [{"error": "blank", "options": {}}]


def test_image_template_limits(api):
    rectangle = {"name": "r", "width": 10, "height": 10}
    response = api.post("", json={"image_template": {"width": 0, "height": 2001, "rectangles": [rectangle] * 5}})
    details = _error(response, "image_template")
    assert details["width"] == [{"error": "greater_or_equal_to", "options": {"number": 1}}]
    assert details["height"] == [{"error": "less_or_equal_to", "options": {"number": 2000}}]
    assert details["rectangles"][0]["error"] == "too_long"


def test_unknown_rectangle_keys_are_refused(api):
    response = api.post("", json={"image_template": {"width": 1, "height": 1, "rectangles": [{"colour": "red"}]}})
    assert _error(response, "image_template", "rectangles", "0", "colour")[0]["error"] == "unknown_attribute"


def test_an_image_template_record_is_copied_into_the_offer(api):
    template = factories.image_template(
        api.session,
        api.club,
        width=640,
        height=480,
        background_url="https://example.com/bg.png",
        rectangles=[{"name": "Title", "content": "{{stores}}"}],
    )
    body = api.post("", json={"image_template_id": template.id}).json()
    assert body["image_template"] == {
        "width": 640,
        "height": 480,
        "default": False,
        "rectangles": [{**dict.fromkeys(RECTANGLE_KEYS), "name": "Title", "content": "{{stores}}"}],
        "background_url": "https://example.com/bg.png",
    }
    assert "image_template_id" not in body


def test_an_image_template_of_another_club_does_not_exist(api, factory):
    template = factories.image_template(api.session, factory.club())
    response = api.post("", json={"image_template_id": template.id})
    assert _error(response, "image_template_id")[0]["error"] == "does_not_exist"
