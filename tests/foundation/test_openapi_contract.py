"""The OpenAPI document is client-ready: names a person would write, every operation described, the
credentials and headers each operation reads, unique schema names, examples, and the vendor's statuses."""

from __future__ import annotations

import re
from typing import Any

import pytest

from loyaltyhub.apidocs.openapi_examples import USE_OFFER_RESPONSE, VENDOR_STATUSES
from loyaltyhub.apidocs.openapi_operations import OPERATIONS


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    from loyaltyhub.app import create_app
    from loyaltyhub.settings import Settings

    return create_app(Settings(database_url="sqlite://", env="test")).openapi()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def by_id(document, operation_id: str) -> dict[str, Any]:
    return next(op for _, op in operations(document) if op["operationId"] == operation_id)


def headers(operation) -> dict[str, bool]:
    return {p["name"]: p["required"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_every_operation_has_a_summary_a_description_and_a_written_operation_id(document):
    missing = [key for key, op in operations(document) if not op.get("summary") or not op.get("description")]
    assert not missing, f"give these a summary and a description (loyaltyhub/apidocs/openapi_operations.py): {missing}"
    unnamed = [key for key, _ in operations(document) if key not in OPERATIONS]
    assert not unnamed, f"name these in loyaltyhub/apidocs/openapi_operations.py: {unnamed}"
    stale = set(OPERATIONS) - {key for key, _ in operations(document)}
    assert not stale, f"no such operation any more: {stale}"
    ids = [op["operationId"] for _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", operation_id) for operation_id in ids), ids
    assert {"offers_list", "offers_create", "member_offers_use", "reporting_query"} <= set(ids)


def test_schema_names_are_unique_and_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    assert not [name for name in schemas if "__" in name]
    assert schemas["OfferOut"]["title"] == "OfferOut" and schemas["MemberOfferOut"]["title"] == "MemberOfferOut"
    assert "usage_authorization_token" in schemas["OfferOut"]["properties"]  # the management offer
    refs = set(re.findall(r"'\$ref': '#/components/schemas/([^']+)'", repr(document)))
    assert refs and refs <= set(schemas), refs - set(schemas)
    titles = [text for text in re.findall(r"'title': '([^']+)'", repr(document)) if " V3 " in text or " V1 " in text]
    assert not titles, titles[:3]  # FastAPI's generated ids never become a client's class names


def test_security_schemes_and_what_each_operation_needs(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["ClientToken"] == {**schemes["ClientToken"], "type": "apiKey", "in": "header",
                                      "name": "X-Client-Authorization"}  # fmt: skip
    assert schemes["StaffBearer"]["scheme"] == schemes["MemberBearer"]["scheme"] == "bearer"
    client_or_staff = [{"ClientToken": []}, {"StaffBearer": []}]
    assert by_id(document, "offers_list")["security"] == client_or_staff
    assert by_id(document, "reporting_query")["security"] == client_or_staff
    assert by_id(document, "me_show")["security"] == client_or_staff
    assert by_id(document, "members_create")["security"] == [{"ClientToken": []}]
    assert by_id(document, "members_me_show")["security"] == [{"ClientToken": [], "MemberBearer": []}]
    assert by_id(document, "members_token_info")["security"] == [{"ClientToken": [], "MemberBearer": []}]
    assert by_id(document, "member_offers_use")["security"] == [
        {"ClientToken": [], "MemberBearer": []},  # member_ref = me, or a member's own id
        {"ClientToken": [], "StaffBearer": []},  # a member id, the staff user's role holding BL:Api:Members:ActAs
        {"ClientToken": []},  # a member id (the client token holding BL:Api:Members:ActAs), or a guest
    ]
    assert "security" not in by_id(document, "users_token_create")
    assert "security" not in by_id(document, "health_check")


def test_global_headers_are_declared_on_the_operations_that_read_them(document):
    use = headers(by_id(document, "member_offers_use"))
    assert use == {"X-Product-Name": True, "X-User-Agent": True, "Idempotency-Key": False}
    assert headers(by_id(document, "member_offers_list"))["X-Locale"] is False
    assert headers(by_id(document, "members_create"))["X-Subproduct-Name"] is False
    assert headers(by_id(document, "reporting_query")) == {"X-Customer": False, "X-Loyalty-Club-Slug": False}
    assert headers(by_id(document, "offers_create")) == {"Idempotency-Key": False}
    assert headers(by_id(document, "offers_list")) == {}
    public = [op for key, op in operations(document) if "/members/{member_ref}/" in key or "/members/me" in key]
    assert public and all(headers(op).get("X-Product-Name") is True for op in public)
    key = next(p for p in by_id(document, "offers_create")["parameters"] if p["name"] == "Idempotency-Key")
    assert key["schema"]["maxLength"] == 255


def test_vendor_statuses_are_documented_with_their_meaning_and_body(document):
    seen = set()
    for _, operation in operations(document):
        for status, (meaning, body) in VENDOR_STATUSES.items():
            response = operation["responses"].get(str(status))
            if response is None:
                continue
            seen.add(status)
            assert response["description"] == meaning
            assert response["content"]["application/json"]["example"] == body
    assert seen == {460, 461, 462, 467, 470, 471}
    banned = by_id(document, "member_offers_use")["responses"]["467"]["content"]["application/json"]
    assert banned["schema"] == {"$ref": "#/components/schemas/BannedErrorBody"}
    assert "| 467 | The member is banned" in document["info"]["description"]


def test_examples_come_from_the_seeds(document):
    use = by_id(document, "member_offers_use")
    assert use["responses"]["200"]["content"]["application/json"]["example"] == USE_OFFER_RESPONSE
    refusals = use["responses"]["422"]["content"]["application/json"]["examples"]
    assert refusals["Not granted"]["value"] == {"error": "Not granted"}
    create = by_id(document, "offers_create")
    request = create["requestBody"]["content"]["application/json"]["example"]
    assert request["name"] == {"en": "Great Offer!", "pl": "Super Oferta"} and "id" not in request
    offer = create["responses"]["201"]["content"]["application/json"]["example"]
    properties = document["components"]["schemas"]["OfferOut"]["properties"]
    assert offer["id"] == 129 and set(offer) <= set(properties)
    query = by_id(document, "reporting_query")
    assert query["requestBody"]["content"]["application/json"]["example"]["report"] == "members_grouped_count"
