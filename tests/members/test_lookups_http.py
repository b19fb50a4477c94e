"""Management API member lookups (issue 19): by e-mail / MSISDN, public info, groups of a member, validate."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from loyaltyhub.auth import permits
from loyaltyhub.members.groups import service as groups
from loyaltyhub.members.models import Member
from tests.members import factories as members


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def _url(club, path=""):
    return f"/v3/{club.slug}/members{path}"


def test_show_by_email_and_by_msisdn(client, session, club, headers):
    member = members.member(session, club, properties={"email": "ola@example.com", "msisdn": "4740769126"})
    by_email = client.get(_url(club, "/by_email/OLA@example.com"), headers=headers)
    assert by_email.status_code == 200, by_email.text
    assert by_email.json()["id"] == member.id and "gender" in by_email.json()
    for msisdn in ("4740769126", "40769126", "+4740769126"):
        found = client.get(_url(club, f"/by_msisdn/{msisdn}"), headers=headers)
        assert found.status_code == 200 and found.json()["id"] == member.id, msisdn


def test_lookup_errors(client, session, club, headers):
    missing = client.get(_url(club, "/by_email/nobody@example.com"), headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {"error": "Member with given identifier could not found"}
    invalid = client.get(_url(club, "/by_msisdn/12ab"), headers=headers)
    assert invalid.status_code == 422 and invalid.json() == {"error": "Invalid MSISDN param"}
    bad_email = client.get(_url(club, "/by_email/not-an-address"), headers=headers)
    assert bad_email.status_code == 422
    destroyed = members.member(session, club, properties={"email": "gone@example.com"})
    client.delete(_url(club, f"/{destroyed.id}"), headers=headers)
    assert client.get(_url(club, "/by_email/gone@example.com"), headers=headers).status_code == 404


def test_public_info(client, session, club, headers):
    member = members.member(session, club, properties={"email": "p@example.com"}, password="a password")
    expected = {"exists": True, "can_login": True, "available_identifiers": ["msisdn", "email"], "has_password": True}
    assert client.get(_url(club, f"/{member.id}/public_info"), headers=headers).json() == expected
    assert client.get(_url(club, "/by_email/p@example.com/public_info"), headers=headers).json() == expected
    assert client.get(_url(club, f"/by_msisdn/{member.msisdn}/public_info"), headers=headers).json() == expected
    nobody = client.get(_url(club, "/by_email/nobody@example.com/public_info"), headers=headers)
    assert nobody.status_code == 200
    assert nobody.json() == {"exists": False, "can_login": False, "available_identifiers": [], "has_password": False}
    assert client.get(_url(club, "/by_msisdn/xx/public_info"), headers=headers).status_code == 422


def test_groups_of_a_member(client, session, club, headers):
    member = members.member(session, club, properties={"email": "g@example.com"})
    other = members.member(session, club)
    red = groups.create_group(session, club.id, name="Red")
    blue = groups.create_group(session, club.id, name="Blue")
    groups.create_group(session, club.id, name="Green")
    groups.add_members(session, club, red, [member.id, other.id])
    groups.add_members(session, club, blue, [member.id])
    for path in (f"/{member.id}/groups", "/by_email/g@example.com/groups", f"/by_msisdn/{member.msisdn}/groups"):
        answer = client.get(_url(club, path), headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [(g["name"], g["members_count"]) for g in body["members_groups"]] == [("Blue", 1), ("Red", 2)]
        assert body["pagination_info"]["total_count"] == 2
    paged = client.get(_url(club, f"/{member.id}/groups?per_page=1&page_no=2"), headers=headers).json()
    assert [g["name"] for g in paged["members_groups"]] == ["Red"]
    missing = client.get(_url(club, "/987654321/groups"), headers=headers)
    assert missing.status_code == 404 and missing.json() == {"error": "Member does not exist"}


def test_validate_saves_nothing(client, session, club, headers):
    members.member(session, club, properties={"email": "taken@example.com"})
    before = session.execute(select(func.count()).select_from(Member)).scalar_one()
    good = client.post(
        _url(club, "/validate"),
        headers=headers,
        json={"properties": {"email": "new@example.com", "first_name": "Kari"}},
    )
    assert good.status_code == 200 and good.json() == {"valid": True, "errors": None}
    bad = client.post(
        _url(club, "/validate"),
        headers=headers,
        json={"properties": {"email": "taken@example.com", "birthday": "1990-13-01"}},
    )
    assert bad.status_code == 200
    assert bad.json()["valid"] is False
    assert bad.json()["errors"]["properties"]["birthday"][0]["error"] == "invalid_format"
    taken = client.post(_url(club, "/validate"), headers=headers, json={"properties": {"email": "taken@example.com"}})
    assert taken.json()["errors"] == {"properties": {"email": [{"error": "taken", "options": {}}]}}
    malformed = client.post(_url(club, "/validate"), headers=headers, json={"properties": "nope"})
    assert malformed.status_code == 422
    assert session.execute(select(func.count()).select_from(Member)).scalar_one() == before


def test_lookups_need_their_permits(client, factory, session, club):
    member = members.member(session, club, properties={"email": "x@example.com"})
    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_LIST]))
    for path, permit in (
        ("/by_email/x@example.com", permits.MEMBERS_SHOW),
        (f"/{member.id}/public_info", permits.MEMBERS_CHECK),
        (f"/{member.id}/groups", permits.MEMBERS_GROUPS),
    ):
        answer = client.get(_url(club, path), headers=headers)
        assert answer.status_code == 403 and answer.json() == {"error": f"Missing permit {permit}"}
    assert client.post(_url(club, "/validate"), headers=headers, json={"properties": {}}).status_code == 403
