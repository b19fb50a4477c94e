"""Management API: list, show, update, ban and destroy members; groups and their members."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from loyaltyhub.auth import permits
from loyaltyhub.members.derived import age_band
from loyaltyhub.members.identity.models import MemberToken
from loyaltyhub.members.models import Member
from loyaltyhub.members.service import club_today
from tests.members import factories as members


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return {"X-Client-Authorization": factory.client_token([club])}


def test_list_members_paginates_and_filters(client, session, club, headers):
    kari = members.member(session, club, properties={"email": "kari@example.com"}, optin_channel="ios-app")
    ola = members.member(session, club, optin_channel="webforms")
    members.member(session, club)

    page = client.get(f"/v3/{club.slug}/members", headers=headers, params={"per_page": 2}).json()
    assert page["pagination_info"]["total_count"] == 3
    assert page["pagination_info"]["total_pages"] == 2
    assert [m["id"] for m in page["members"]] == sorted(m["id"] for m in page["members"])

    by_channel = client.get(f"/v3/{club.slug}/members", headers=headers, params={"optin_channel": "webforms"}).json()
    assert [m["id"] for m in by_channel["members"]] == [ola.id]
    by_email = client.get(f"/v3/{club.slug}/members", headers=headers, params={"email": "KARI@example.com"}).json()
    assert [m["id"] for m in by_email["members"]] == [kari.id]
    by_msisdn = client.get(f"/v3/{club.slug}/members", headers=headers, params={"msisdn": f"+{ola.msisdn}"}).json()
    assert [m["id"] for m in by_msisdn["members"]] == [ola.id]
    newest_first = client.get(
        f"/v3/{club.slug}/members", headers=headers, params={"sort_by": "id", "sort_direction": "desc"}
    ).json()
    assert newest_first["members"][0]["id"] > newest_first["members"][-1]["id"]


def test_list_never_shows_another_clubs_members(client, session, factory, club, headers):
    members.member(session, factory.club())
    assert client.get(f"/v3/{club.slug}/members", headers=headers).json()["members"] == []


def test_show_includes_derived_reporting_fields(client, session, club, headers):
    member = members.member(
        session,
        club,
        properties={"birthday": "1990-10-23", "gender": "man", "city": "Trondheim"},
        consents={"sms_marketing": {"status": True}},
    )
    body = client.get(f"/v3/{club.slug}/members/{member.id}", headers=headers).json()
    assert body["gender"] == "man"
    assert body["age"] == "35-39"
    assert body["birth_year_group"] == 1990
    assert body["msisdn_country"] == "NO"
    assert body["location_country"] == "NO"
    assert body["city_place_id"] == "3133880"  # Trondheim
    assert body["marketing_via_sms"] is False, "sms_status is only enabled, not verified"


def test_update_recomputes_derived_fields(client, session, club, headers):
    member = members.member(session, club, consents={"sms_marketing": {"status": True}})
    response = client.patch(
        f"/v3/{club.slug}/members/{member.id}",
        headers=headers,
        json={"sms_status": "verified", "properties": {"birthday": "2011-01-01", "country": "SE", "city": "Malmö"}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["marketing_via_sms"] is True and body["marketing_via_anything"] is True
    assert body["age"] == age_band(date(2011, 1, 1), club_today(club))
    assert body["location_country"] == "SE"
    assert body["city_place_id"] == "2692969"  # Malmö


def test_ban_and_unban_with_banned_until(client, session, club, headers):
    member = members.member(session, club)
    until = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    banned = client.patch(
        f"/v3/{club.slug}/members/{member.id}", headers=headers, json={"banned_until": until.isoformat()}
    )
    assert banned.status_code == 200
    assert datetime.fromisoformat(banned.json()["banned_until"]) == until
    listed = client.get(f"/v3/{club.slug}/members", headers=headers, params={"banned": "true"}).json()
    assert [m["id"] for m in listed["members"]] == [member.id]
    unbanned = client.patch(f"/v3/{club.slug}/members/{member.id}", headers=headers, json={"banned_until": None})
    assert unbanned.json()["banned_until"] is None


def test_explicit_null_differs_from_absent(client, session, club, headers):
    member = members.member(session, club, properties={"first_name": "Kari", "last_name": "Nordmann"})
    body = client.patch(
        f"/v3/{club.slug}/members/{member.id}", headers=headers, json={"properties": {"last_name": None}}
    ).json()
    assert body["properties"]["first_name"] == "Kari"
    assert "last_name" not in body["properties"]


def test_destroy_anonymises_and_keeps_the_row(client, session, club, headers):
    member = members.member(session, club, properties={"birthday": "1980-05-05", "gender": "woman", "email": "a@b.no"})
    members.access_token(session, member)
    assert client.delete(f"/v3/{club.slug}/members/{member.id}", headers=headers).status_code == 204
    assert client.get(f"/v3/{club.slug}/members/{member.id}", headers=headers).status_code == 404
    row = session.get(Member, member.id)
    session.refresh(row)
    assert row.deleted_at is not None
    assert row.msisdn is None and row.email is None and row.password_hash is None
    assert set(row.properties) == {"gender", "language"}
    assert row.age == "45-49" and row.gender == "woman"
    tokens = session.query(MemberToken).filter_by(member_id=member.id).all()
    assert tokens and all(t.revoked_at is not None for t in tokens)


def test_management_needs_the_permits(client, session, factory, club):
    member = members.member(session, club)
    token = factory.client_token([club], [permits.MEMBERS_LIST])
    headers = {"X-Client-Authorization": token}
    assert client.get(f"/v3/{club.slug}/members", headers=headers).status_code == 200
    response = client.get(f"/v3/{club.slug}/members/{member.id}", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"error": f"Missing permit {permits.MEMBERS_SHOW}"}


def test_staff_user_token_works_for_management(client, session, factory, club):
    member = members.member(session, club)
    headers = {"Authorization": f"Bearer {factory.user_token([club], role='offers_manager')}"}
    assert client.get(f"/v3/{club.slug}/members/{member.id}", headers=headers).status_code == 200
    assert client.delete(f"/v3/{club.slug}/members/{member.id}", headers=headers).status_code == 403


def test_groups_crud_and_membership(client, session, club, headers):
    kari = members.member(session, club)
    ola = members.member(session, club)
    created = client.post(
        f"/v3/{club.slug}/members/groups", headers=headers, json={"name": "VIP", "description": "Best"}
    )
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    dup = client.post(f"/v3/{club.slug}/members/groups", headers=headers, json={"name": "VIP"})
    assert dup.status_code == 422
    assert dup.json()["details"] == {"name": [{"error": "taken", "options": {}}]}

    added = client.post(
        f"/v3/{club.slug}/members/groups/{group_id}/members", headers=headers, json={"member_ids": [kari.id, ola.id]}
    )
    assert added.status_code == 200, added.text
    assert added.json() == {"group_id": group_id, "changed_member_ids": [kari.id, ola.id], "members_count": 2}
    again = client.post(
        f"/v3/{club.slug}/members/groups/{group_id}/members", headers=headers, json={"member_ids": [kari.id]}
    )
    assert again.json()["changed_member_ids"] == []
    assert client.get(f"/v3/{club.slug}/members/{kari.id}", headers=headers).json()["group_ids"] == [group_id]
    in_group = client.get(f"/v3/{club.slug}/members", headers=headers, params={"group_id": group_id}).json()
    assert {m["id"] for m in in_group["members"]} == {kari.id, ola.id}
    listed = client.get(f"/v3/{club.slug}/members/groups/{group_id}/members", headers=headers).json()
    assert listed["member_ids"] == sorted([kari.id, ola.id])

    removed = client.delete(f"/v3/{club.slug}/members/groups/{group_id}/members/{kari.id}", headers=headers)
    assert removed.status_code == 204
    assert client.get(f"/v3/{club.slug}/members/{kari.id}", headers=headers).json()["group_ids"] == []
    assert (
        client.delete(f"/v3/{club.slug}/members/groups/{group_id}/members/{kari.id}", headers=headers).status_code
        == 404
    )

    renamed = client.patch(f"/v3/{club.slug}/members/groups/{group_id}", headers=headers, json={"name": "VIP+"})
    assert renamed.json()["name"] == "VIP+" and renamed.json()["members_count"] == 1
    groups = client.get(f"/v3/{club.slug}/members/groups", headers=headers).json()
    assert [g["name"] for g in groups["groups"]] == ["VIP+"]

    assert client.delete(f"/v3/{club.slug}/members/groups/{group_id}", headers=headers).status_code == 204
    assert client.get(f"/v3/{club.slug}/members/groups/{group_id}", headers=headers).status_code == 404
    assert client.get(f"/v3/{club.slug}/members/{ola.id}", headers=headers).json()["group_ids"] == []


def test_adding_unknown_or_foreign_members_to_a_group_is_422(client, session, factory, club, headers):
    group = members.group(session, club)
    foreign = members.member(session, factory.club())
    response = client.post(
        f"/v3/{club.slug}/members/groups/{group.id}/members", headers=headers, json={"member_ids": [foreign.id]}
    )
    assert response.status_code == 422
    assert response.json()["details"] == {
        "member_ids": {"0": [{"error": "does_not_exist", "options": {"id": foreign.id}}]}
    }
