"""Encode Offer and Validate Offer Code (docs/decisions/offers.md): the code rules without HTTP, then the
two routes end to end: encode after a use, validate once, and every refusal with its message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.member_offers import codes
from loyaltyhub.member_offers.models import MemberOfferCounter, OfferCodeValidation
from tests.member_offers import factories as mo

KEY = codes.code_key("a test secret")
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _issue(**overrides):
    values = {"club_id": 7, "member_id": 11, "offer_id": 13, "active_until": T0 + timedelta(minutes=15), "now": T0}
    values.update(overrides)
    return codes.issue(KEY, **values)


def test_a_code_reads_back_what_it_was_issued_for():
    text, issued = _issue()
    read = codes.read(KEY, text, club_id=7, now=T0 + timedelta(seconds=10))
    assert read == issued
    assert (read.member_id, read.offer_id) == (11, 13)
    assert read.expires_at == T0 + timedelta(seconds=codes.CODE_TTL_SECONDS)


def test_a_code_never_outlives_the_active_window():
    _text, issued = _issue(active_until=T0 + timedelta(seconds=40))
    assert issued.expires_at == T0 + timedelta(seconds=40)


def test_no_code_without_an_active_use():
    with pytest.raises(codes.CodeRefused) as refused:
        _issue(active_until=T0)
    assert refused.value.message == "Offer use not active"


def test_each_code_has_its_own_nonce():
    assert _issue()[1].nonce != _issue()[1].nonce


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature
        lambda t: t.replace(".", ".e", 1),  # the payload
        lambda t: "XXX1" + t[4:],  # the prefix
        lambda t: t + ".x",
        lambda t: "",
        lambda t: "LHO1.%%%.???",
        lambda t: t[:-1] + "é",  # not ASCII
        lambda t: t.replace(".", ".é", 1),
        lambda t: t.split(".")[0] + "." + t.split(".")[1][:-4] + "." + t.split(".")[2],  # a cut payload
    ],
)
def test_a_tampered_code_is_invalid(tamper):
    text, _ = _issue()
    with pytest.raises(codes.CodeRefused) as refused:
        codes.read(KEY, tamper(text), club_id=7, now=T0)
    assert refused.value.reason == "code_invalid"


def test_a_code_signed_with_another_key_or_for_another_club_is_invalid():
    text, _ = _issue()
    for key, club in ((codes.code_key("another secret"), 7), (KEY, 8)):
        with pytest.raises(codes.CodeRefused) as refused:
            codes.read(key, text, club_id=club, now=T0)
        assert refused.value.message == "Offer code invalid"


def test_an_expired_code_is_refused_as_expired():
    text, issued = _issue()
    codes.read(KEY, text, club_id=7, now=issued.expires_at)  # the last second still counts
    with pytest.raises(codes.CodeRefused) as refused:
        codes.read(KEY, text, club_id=7, now=issued.expires_at + timedelta(seconds=1))
    assert refused.value.message == "Offer code expired"


# --- HTTP ---------------------------------------------------------------------------------------------
def _store_headers(api, factory) -> dict[str, str]:
    token = factory.client_token([api.club], [permits.OFFER_CODES_VALIDATE])
    return api.headers() | {"X-Client-Authorization": token, "X-Product-Name": "till-3"}


def _validate(api, factory, code: str, slug: str | None = None):
    return api.client.post(
        f"/v3/{slug or api.club.slug}/offers/codes/validate", json={"code": code}, headers=_store_headers(api, factory)
    )


def test_encode_after_a_use_then_the_store_validates_it_once(api, factory):
    offer = mo.offer(api.session, api.club)
    assert api.get(f"/{offer.id}/encode").json() == {"error": "Offer use not active"}
    assert api.use(offer.id).status_code == 200
    response = api.get(f"/{offer.id}/encode")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["offer_id"] == offer.id
    assert body["active_until"] == "2026-11-25T12:15:00.000Z"
    assert body["expires_at"] == "2026-11-25T12:05:00.000Z"
    api.clock.advance(seconds=30)
    validated = _validate(api, factory, body["code"])
    assert validated.status_code == 200, validated.text
    assert validated.json() == {
        "valid": True,
        "offer": {"id": offer.id, "name": offer.name["no"], "type": "REGULAR"},
        "member_id": api.member.id,
        "active_until": "2026-11-25T12:15:00.000Z",
        "validated_at": "2026-11-25T12:00:30.000Z",
    }
    row = api.session.execute(select(OfferCodeValidation)).scalar_one()
    assert (row.offer_id, row.member_id, row.product_name) == (offer.id, api.member.id, "till-3")
    again = _validate(api, factory, body["code"])
    assert (again.status_code, again.json()) == (422, {"error": "Offer code already validated"})
    assert len(api.session.execute(select(OfferCodeValidation)).scalars().all()) == 1


def test_validation_refuses_expired_tampered_and_foreign_codes(api, factory):
    offer = mo.offer(api.session, api.club)
    api.use(offer.id)
    code = api.get(f"/{offer.id}/encode").json()["code"]
    tampered = _validate(api, factory, code[:-3] + ("abc" if not code.endswith("abc") else "xyz"))
    assert (tampered.status_code, tampered.json()) == (422, {"error": "Offer code invalid"})
    for garbage in ("LHO1.é.x", "x" * 400, "LHO1..", "not a code"):
        assert _validate(api, factory, garbage).json() == {"error": "Offer code invalid"}, garbage
    other = factory.club()
    token = factory.client_token([other], [permits.OFFER_CODES_VALIDATE])
    foreign = api.client.post(
        f"/v3/{other.slug}/offers/codes/validate",
        json={"code": code},
        headers=api.headers() | {"X-Client-Authorization": token},
    )
    assert (foreign.status_code, foreign.json()) == (422, {"error": "Offer code invalid"})
    api.clock.advance(minutes=6)
    expired = _validate(api, factory, code)
    assert (expired.status_code, expired.json()) == (422, {"error": "Offer code expired"})
    assert api.session.execute(select(OfferCodeValidation)).first() is None


def test_a_code_of_a_use_no_longer_active_is_refused(api, factory):
    api.club.offer_active_seconds = 600
    api.session.flush()
    offer = mo.offer(api.session, api.club)
    api.use(offer.id)
    code = api.get(f"/{offer.id}/encode").json()["code"]
    counter = api.session.execute(
        select(MemberOfferCounter).where(MemberOfferCounter.loyalty_club_id == api.club.id)
    ).scalar_one()
    counter.active_until = api.clock.now  # the use's window closed early (staff reset)
    api.session.flush()
    response = _validate(api, factory, code)
    assert (response.status_code, response.json()) == (422, {"error": "Offer use not active"})


def test_encode_needs_a_member_a_visible_offer_and_its_permit(api, factory):
    draft = mo.offer(api.session, api.club, status="draft")
    assert api.get(f"/{draft.id}/encode").status_code == 404
    assert api.get("/10000951/encode").json() == {"error": "Offer#10000951 not found"}
    offer = mo.offer(api.session, api.club)
    assert api.get(f"/{offer.id}/encode", ref="guest").status_code == 405
    api.token = factory.client_token(
        [api.club], ["Offers:Api:MemberOffers:List", "Offers:Api:Scopes:Standard", "BL:Api:Members:ActAs"]
    )
    assert api.get(f"/{offer.id}/encode").json() == {"error": "Missing permit Offers:Api:MemberOffers:Encode"}


def test_validate_needs_its_permit_which_a_member_app_lacks_by_default(api, factory):
    assert permits.OFFER_CODES_VALIDATE not in permits.app_permits()
    api.token = factory.client_token([api.club], permits.app_permits())
    response = api.client.post(
        f"/v3/{api.club.slug}/offers/codes/validate", json={"code": "LHO1.x.y"}, headers=api.headers()
    )
    assert (response.status_code, response.json()) == (403, {"error": "Missing permit Offers:Api:OfferCodes:Validate"})


def test_validate_refuses_a_body_without_a_code(api, factory):
    for body in ({}, {"code": ""}, {"code": 12}):
        response = api.client.post(
            f"/v3/{api.club.slug}/offers/codes/validate", json=body, headers=_store_headers(api, factory)
        )
        assert response.status_code == 422, body
        assert response.json()["error"] == "Invalid parameters"
        assert "code" in response.json()["details"]
