"""ImageTemplate records under ``/v3/{slug}/offers/image_templates`` (reference C.8)."""

from __future__ import annotations

from tests.offers import factories

RECTANGLE = {"name": "Title", "width": 100, "height": 50, "content": "{{stores}}", "text_align": "center"}


def test_create_show_update_destroy(api):
    response = api.post(
        "/image_templates",
        json={"name": "Majadada3", "width": 600, "height": 800, "background_url": "https://example.com/bg.png"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert {k: created[k] for k in ("name", "width", "height", "default", "rectangles", "background_url")} == {
        "name": "Majadada3",
        "width": 600,
        "height": 800,
        "default": False,
        "rectangles": [],
        "background_url": "https://example.com/bg.png",
    }
    url = f"/image_templates/{created['id']}"
    assert api.get(url).json() == created
    updated = api.patch(url, json={"rectangles": [RECTANGLE], "background_url": None}).json()
    assert updated["rectangles"][0]["content"] == "{{stores}}"
    assert updated["background_url"] is None
    assert updated["name"] == "Majadada3"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_list_is_paginated_and_limited_to_the_club(api, factory):
    factories.image_template(api.session, api.club, name="b")
    factories.image_template(api.session, api.club, name="a")
    factories.image_template(api.session, factory.club(), name="foreign")
    body = api.get("/image_templates").json()
    assert [t["name"] for t in body["image_templates"]] == ["a", "b"]
    assert body["pagination_info"]["total_count"] == 2


def test_marking_a_default_unmarks_the_previous_one(api):
    first = api.post("/image_templates", json={"name": "one", "width": 1, "height": 1, "default": True}).json()
    second = api.post("/image_templates", json={"name": "two", "width": 1, "height": 1, "default": True}).json()
    assert api.get(f"/image_templates/{first['id']}").json()["default"] is False
    assert second["default"] is True
    api.patch(f"/image_templates/{first['id']}", json={"default": True})
    assert api.get(f"/image_templates/{second['id']}").json()["default"] is False
    assert api.get(f"/image_templates/{first['id']}").json()["default"] is True


def test_default_of_another_club_is_untouched(api, factory):
    other = factories.image_template(api.session, factory.club(), is_default=True)
    api.post("/image_templates", json={"name": "mine", "width": 1, "height": 1, "default": True})
    api.session.refresh(other)
    assert other.is_default is True


def test_limits(api):
    response = api.post(
        "/image_templates", json={"name": "", "width": 2001, "height": 0, "rectangles": [RECTANGLE] * 5}
    )
    assert response.status_code == 422
    details = response.json()["details"]
    assert details["name"][0]["error"] == "too_short"
    assert details["width"] == [{"error": "less_or_equal_to", "options": {"number": 2000}}]
    assert details["height"] == [{"error": "greater_or_equal_to", "options": {"number": 1}}]
    assert details["rectangles"] == [{"error": "too_long", "options": {"max_length": 4}}]
    assert api.post("/image_templates", json={"width": 1, "height": 1}).json()["details"]["name"][0]["error"] == "blank"


def test_patch_refuses_null_for_required_fields(api):
    template = factories.image_template(api.session, api.club)
    response = api.patch(f"/image_templates/{template.id}", json={"width": None})
    assert response.status_code == 422
    assert response.json()["details"] == {"width": [{"error": "blank", "options": {}}]}


def test_offers_keep_their_copy_when_the_template_is_destroyed(api):
    template = factories.image_template(api.session, api.club, width=300, height=200)
    offer = api.post("", json={"image_template_id": template.id}).json()
    api.delete(f"/image_templates/{template.id}")
    assert api.get(f"/{offer['id']}").json()["image_template"]["width"] == 300
