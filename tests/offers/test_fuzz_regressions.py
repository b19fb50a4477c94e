"""Inputs found by fuzzing (schemathesis) that used to answer 500, and 422 bodies the OpenAPI contradicted."""

from __future__ import annotations

from tests.offers import factories


def test_offer_ids_beyond_bigint_are_422_not_500(api):
    for path in ("/170027862444485869568/archive", "/98321312829717358837760/clone"):
        response = api.post(path)
        assert response.status_code == 422, path
        assert response.json()["error"] == "Invalid parameters"


def test_image_template_list_page_beyond_any_offset_is_422(api):
    response = api.get("/image_templates", params={"page_no": 5923820150910404608})
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["page_no"]


def test_periodic_usage_limit_beyond_its_32_bit_column_is_422(api):
    response = api.post(
        "", json={"type": "standard", "name": {"en": "x"}, "periodic_usage": {"limit": 2556473653, "timespan": "year"}}
    )
    assert response.status_code == 422
    assert response.json()["details"]["periodic_usage"]["limit"][0]["error"] == "less_or_equal_to"


def test_nul_in_a_file_descriptor_is_422(api):
    """``files`` is read-only: a different value is refused as such, NUL bytes or not."""
    offer = factories.offer(api.session, api.club)
    response = api.patch(f"/{offer.id}", json={"files": [{"kind": "image\x00", "url": "https://x.example/a.png"}]})
    assert response.status_code == 422
    assert "files" in response.json()["details"]


def test_openapi_documents_plain_message_422s_such_as_offer_is_archived(client):
    """``{"error": "Offer is archived"}`` (a business rule) is documented next to the details tree."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["RuleErrorBody"]["required"] == ["error"]
    assert schemas["ValidationErrorBody"]["required"] == ["error", "details"]
    grant = client.get("/openapi.json").json()["paths"]["/v3/{loyalty_club_slug}/offers/{offer_id}/grant"]["post"]
    refs = str(grant["responses"]["422"]["content"]["application/json"]["schema"])
    assert "RuleErrorBody" in refs and "ValidationErrorBody" in refs
