"""Request bodies read as the vendor's platform reads them (loyaltyhub.schemas, SPEC §4): string scalars
coerced by the field's type, unknown keys dropped, ``PUT`` as ``PATCH`` where the vendor documents ``PUT``;
and strict input (setting or ``X-Strict-Input``) for integrations that want the exact contract."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field, StrictBool, StrictInt, ValidationError
from sqlalchemy import select

from loyaltyhub.errors import ValidationFailed
from loyaltyhub.members.models import Member
from loyaltyhub.members.schemas import MemberCreate, MemberUpdate
from loyaltyhub.offers.schemas import OfferCreate
from loyaltyhub.schemas import ReadOnlyKeys, StrictModel, UpdateModel, strict_input
from tests.members import factories as members

# ---------------------------------------------------------------------------------------------------------
# The reading itself, on small models


class Inner(StrictModel):
    on: StrictBool


class Body(StrictModel):
    flag: StrictBool = False
    count: Annotated[StrictInt, Field(ge=0, le=10)] = 0
    maybe_count: StrictInt | None = None
    maybe_text: str | None = None
    text_or_number: str | StrictInt | None = None
    ids: list[StrictInt] = []
    inner: Inner | None = None
    by_name: dict[str, Inner] = {}
    level: Literal[1, 2] | None = None


def lax(data: dict) -> Body:
    with strict_input(False):
        return Body.model_validate(data)


@pytest.mark.parametrize(
    ("sent", "read"),
    [("true", True), ("false", False), ("1", True), ("0", False), ("TRUE", True), ("False", False)],
)
def test_a_boolean_is_read_from_the_vendors_strings(sent, read):
    assert lax({"flag": sent}).flag is read
    assert lax({"inner": {"on": sent}}).inner == Inner(on=read)
    assert lax({"by_name": {"a": {"on": sent}}}).by_name["a"].on is read


@pytest.mark.parametrize("sent", ["yes", "off", "t", "", " true", 1, 0, "2"])
def test_other_values_are_no_booleans(sent):
    with pytest.raises(ValidationError) as refused:
        lax({"flag": sent})
    assert refused.value.errors()[0]["type"] == "bool_type"


def test_integers_are_read_from_digit_strings_and_keep_their_bounds():
    assert lax({"count": "7", "ids": ["1", 2, "-3"], "maybe_count": "12"}).model_dump(
        include={"count", "ids", "maybe_count"}
    ) == {"count": 7, "ids": [1, 2, -3], "maybe_count": 12}
    for sent, error in [("1.5", "int_type"), ("2.0", "int_type"), ("1e3", "int_type"), ("11", "less_than_equal")]:
        with pytest.raises(ValidationError) as refused:
            lax({"count": sent})
        assert refused.value.errors()[0]["type"] == error, sent
    with pytest.raises(ValidationError):
        lax({"count": True})  # a JSON boolean is still no integer


def test_a_number_without_a_fraction_is_an_integer_as_json_schema_says():
    # issue #14, defect 6: the document declares ``integer``, and JSON Schema's integer includes 2.0
    assert lax({"count": 2.0, "ids": [3.0, 4]}).model_dump(include={"count", "ids"}) == {"count": 2, "ids": [3, 4]}
    for sent in (2.5, float("inf"), 1e300):
        with pytest.raises(ValidationError):
            lax({"count": sent})


def test_empty_is_null_where_the_field_is_nullable_and_not_text():
    body = lax({"maybe_count": "", "maybe_text": "", "inner": "", "text_or_number": ""})
    assert (body.maybe_count, body.maybe_text, body.inner, body.text_or_number) == (None, "", None, "")
    with pytest.raises(ValidationError):
        lax({"count": ""})  # not nullable: still refused


def test_a_string_stays_a_string_where_text_is_accepted():
    assert lax({"text_or_number": "42"}).text_or_number == "42"
    assert lax({"level": "2"}).level == 2


def test_unknown_keys_are_dropped_at_every_level():
    body = lax({"flag": "true", "shop_url": "https://shop", "inner": {"on": "1", "color": "red"}})
    assert body.model_dump(include={"flag", "inner"}) == {"flag": True, "inner": {"on": True}}
    assert "shop_url" not in body.model_fields_set and body.model_extra is None


def test_strict_input_refuses_what_the_vendor_reading_accepts():
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({"flag": "true", "count": "3", "shop_url": "x"})  # strict outside a request
    assert {e["type"] for e in refused.value.errors()} == {"bool_type", "int_type", "extra_forbidden"}


class Resource(UpdateModel):
    read_only_keys = ReadOnlyKeys(fixed=("id",))
    name: str | None = None


def test_read_only_keys_keep_their_rule_and_are_not_dropped_as_unknown():
    with strict_input(False):
        body = Resource.model_validate({"id": 5, "name": "x", "junk": 1})
    body.refuse_changed_read_only(lambda: {"id": 5})
    with pytest.raises(ValidationFailed) as refused:
        body.refuse_changed_read_only(lambda: {"id": 6})
    assert refused.value.extra["details"] == {"id": [{"error": "read_only", "options": {}}]}


def test_a_body_of_only_unknown_keys_is_an_empty_update():
    with strict_input(False), pytest.raises(ValidationError) as refused:
        Resource.model_validate({"shop_url": "x"})
    assert refused.value.errors()[0]["type"] == "blank"


def test_the_domains_bodies_read_the_same_way():
    with strict_input(False):
        created = MemberCreate.model_validate(
            {
                "properties": {"first_name": "Kari"},
                "consents": {"sms_marketing": {"status": "true"}},
                "send_sms_welcome_message": "false",
                "favorite_stores": ["4"],
                "shop_url": "https://shop",
            }
        )
        offer = OfferCreate.model_validate({"name": {"en": "x"}, "stock": "5", "read_more": {"enabled": "0"}})
        update = MemberUpdate.model_validate({"banned_until": "", "sms_status": "enabled"})
    assert created.consents["sms_marketing"].status is True and created.send_sms_welcome_message is False
    assert created.favorite_stores == [4]
    assert (offer.stock, offer.read_more.enabled) == (5, False)
    assert update.banned_until is None and "banned_until" in update.model_fields_set


def test_the_openapi_document_declares_the_string_forms(app):
    schemas = app.openapi()["components"]["schemas"]
    send_sms = schemas["MemberCreate"]["properties"]["send_sms_welcome_message"]
    assert {"type": "boolean"} in send_sms["anyOf"]
    text = next(c for c in send_sms["anyOf"] if c.get("type") == "string")
    assert text["pattern"] == "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$"
    stock = schemas["OfferCreate"]["properties"]["stock"]
    assert any(c.get("type") == "integer" and c.get("maximum") for c in _flat(stock))
    assert {"type": "string", "pattern": "^-?[0-9]{1,19}$"} in _flat(stock)
    assert {"type": "string", "maxLength": 0} in _flat(stock)  # nullable: "" is null


def _flat(schema):
    for choice in schema.get("anyOf", [schema]):
        yield from _flat(choice) if "anyOf" in choice else [choice]


# ---------------------------------------------------------------------------------------------------------
# Over HTTP


@pytest.fixture
def club(factory):
    return factory.club(languages=["en"], default_language="en")


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def test_a_member_created_with_string_booleans_reads_back_with_real_booleans(client, session, club, headers):
    created = client.post(
        f"/v3/{club.slug}/members",
        headers=headers,
        json={
            "properties": {"first_name": "Kari", "msisdn": members.unique_msisdn()},
            "consents": {"sms_marketing": {"status": "true"}, "email_marketing": {"status": "0"}},
            "send_sms_welcome_message": "false",
            "send_email_welcome_message": "false",
            "shop_url": "https://shop.example.com",
        },
    )
    assert created.status_code == 201, created.text
    shown = client.get(f"/v3/{club.slug}/members/{created.json()['id']}", headers=headers).json()
    assert shown["consents"]["sms_marketing"]["status"] is True
    assert shown["consents"]["email_marketing"]["status"] is False
    assert "shop_url" not in shown
    stored = session.execute(select(Member).where(Member.id == shown["id"])).scalar_one()
    assert "shop_url" not in stored.properties and stored.properties["first_name"] == "Kari"


def test_strict_input_refuses_unknown_keys_and_string_scalars(client, club, headers):
    body = {"properties": {"first_name": "Kari"}, "send_sms_welcome_message": "false", "shop_url": "x"}
    refused = client.post(f"/v3/{club.slug}/members", headers={**headers, "X-Strict-Input": "true"}, json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"] == {
        "send_sms_welcome_message": [{"error": "invalid_type", "options": {"expected": "boolean"}}],
        "shop_url": [{"error": "unknown_attribute", "options": {}}],
    }


def test_the_strict_input_setting(app_with, services, settings, factory, club, headers):
    from fastapi.testclient import TestClient

    settings.strict_input = True
    with TestClient(app_with(services), raise_server_exceptions=False) as strict_client:
        refused = strict_client.post(
            f"/v3/{club.slug}/offers", headers=headers, json={"name": {"en": "x"}, "shop_url": "x"}
        )
    assert refused.status_code == 422
    assert refused.json()["details"] == {"shop_url": [{"error": "unknown_attribute", "options": {}}]}


def test_a_route_without_a_body_ignores_unknown_keys_unless_strict(client, session, club, headers):
    offer = client.post(f"/v3/{club.slug}/offers", headers=headers, json={"name": {"en": "x"}}).json()
    url = f"/v3/{club.slug}/offers/{offer['id']}/archive"
    strict = client.post(url, headers={**headers, "X-Strict-Input": "true"}, json={"shop_url": "x"})
    assert strict.status_code == 422 and strict.json()["details"] == {
        "shop_url": [{"error": "unknown_attribute", "options": {}}]
    }
    assert client.post(url, headers=headers, json={"shop_url": "x"}).status_code == 200
    assert client.post(url, headers=headers, content=b"{nope").status_code == 400


def _comparable(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "updated_at"}


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_put_updates_a_member_as_patch_does(client, session, club, headers, method):
    member = members.member(session, club)
    url = f"/v3/{club.slug}/members/{member.id}"
    body = {"properties": {"first_name": "Kari"}, "consents": {"sms_marketing": {"status": "true"}}, "x": 1}
    answer = client.request(method, url, headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["properties"]["first_name"] == "Kari"
    assert answer.json()["consents"]["sms_marketing"]["status"] is True
    assert client.get(url, headers=headers).json() == answer.json()
    refused = client.request(
        method, url, headers=headers, json={"id": member.id + 1, "properties": {"first_name": "Per"}}
    )
    assert refused.status_code == 422 and refused.json()["details"] == {"id": [{"error": "read_only", "options": {}}]}


def test_put_and_patch_of_the_signed_in_member_give_the_same_result(client, session, club, headers):
    answers = []
    for method in ("PATCH", "PUT"):
        member = members.member(session, club)
        bearer = {**headers, "Authorization": f"Bearer {members.access_token(session, member)}"}
        answer = client.request(
            method, f"/v3/{club.slug}/members/me", headers=bearer, json={"properties": {"first_name": "Per"}}
        )
        assert answer.status_code == 200, answer.text
        answers.append({k: v for k, v in answer.json().items() if k in ("properties", "consents", "sms_status")})
    for answer in answers:
        answer["properties"].pop("msisdn")
    assert answers[0] == answers[1]


def test_put_and_patch_of_an_image_template_give_the_same_result(client, club, headers):
    url = f"/v3/{club.slug}/offers/image_templates"
    results = []
    for method in ("PATCH", "PUT"):
        created = client.post(url, headers=headers, json={"name": "t", "width": 600, "height": 800}).json()
        answer = client.request(
            method, f"{url}/{created['id']}", headers=headers, json={"width": "300", "default": "false", "x": 1}
        )
        assert answer.status_code == 200, answer.text
        results.append({k: v for k, v in answer.json().items() if k not in ("id", "created_at", "updated_at")})
    assert results[0] == results[1] and results[0]["width"] == 300 and results[0]["default"] is False


def test_token_info_answers_expires_in_beside_expires_in_seconds(client, session, club, headers):
    member = members.member(session, club)
    bearer = {**headers, "Authorization": f"Bearer {members.access_token(session, member, ttl_seconds=600)}"}
    info = client.get(f"/v3/{club.slug}/members/oauth/token/info", headers=bearer).json()
    assert 590 <= info["expires_in"] == info["expires_in_seconds"] <= 600


def test_token_and_revoke_bodies_with_the_shops_own_keys(client, session, club, headers):
    member = members.member(session, club, password="correct horse battery")
    token = client.post(
        f"/v3/{club.slug}/members/oauth/token",
        headers=headers,
        json={
            "grant_type": "password",
            "identifier_type": "id",
            "identifier": str(member.id),
            "password": "correct horse battery",
            "shop_url": "https://shop.example.com",
        },
    )
    assert token.status_code == 200, token.text
    revoked = client.post(
        f"/v3/{club.slug}/members/oauth/revoke",
        headers=headers,
        json={"token": token.json()["access_token"], "shop_url": "https://shop.example.com"},
    )
    assert revoked.status_code == 200, revoked.text


def test_put_and_patch_of_a_store_give_the_same_result(client, club, headers):
    url = f"/v3/{club.slug}/stores"
    results = []
    for method in ("PATCH", "PUT"):
        created = client.post(url, headers=headers, json={"name": "Shop"}).json()
        answer = client.request(
            method, f"{url}/{created['id']}", headers=headers, json={"name": "Renamed", "floor": "2nd Floor"}
        )
        assert answer.status_code == 200, answer.text
        results.append({k: v for k, v in answer.json().items() if k not in ("id", "created_at", "updated_at")})
    assert results[0] == results[1] == {"name": "Renamed", "external_id": None}


def test_put_like_and_put_unlike_of_the_older_docs(client, session, club, headers):
    from tests.offers import factories as offers

    offer = offers.offer(session, club, type="regular", status="published")
    member = members.member(session, club)
    bearer = {**headers, "Authorization": f"Bearer {members.access_token(session, member)}"}
    url = f"/v3/{club.slug}/members/me/offers/{offer.id}"
    liked = client.put(f"{url}/like", headers=bearer)
    assert liked.status_code == 200, liked.text
    assert client.get(url, headers=bearer).json()["offer"]["liked"] is True
    assert client.put(f"{url}/unlike", headers=bearer).status_code == 200
    assert client.get(url, headers=bearer).json()["offer"]["liked"] is False
