"""A search box's text is matched literally: "%" and "_" are characters, not LIKE wildcards (they matched
every member, group or store before), in the members, groups (both paths) and stores lists."""

from __future__ import annotations

from loyaltyhub.auth import permits
from tests.members import factories as members
from tests.stores import factories as stores


def test_members_search_takes_percent_and_underscore_literally(client, session, factory):
    club = factory.club()
    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_LIST]))
    literal = members.member(session, club, properties={"email": "a_b%c@example.com"})
    members.member(session, club, properties={"email": "axbyc@example.com"})
    url = f"/v3/{club.slug}/members"
    for text, expected in (("_", [literal.id]), ("%", [literal.id]), ("a_b", [literal.id]), ("A_B%C", [literal.id])):
        found = client.get(url, headers=headers, params={"search": text})
        assert found.status_code == 200, found.text
        assert [m["id"] for m in found.json()["members"]] == expected, text


def test_groups_search_takes_percent_and_underscore_literally(client, session, factory):
    club = factory.club()
    headers = factory.headers(factory.client_token([club]))
    members.group(session, club, name="50% off")
    members.group(session, club, name="VIP")
    found = client.get(f"/v3/{club.slug}/members/groups", headers=headers, params={"search": "%"})
    assert [g["name"] for g in found.json()["groups"]] == ["50% off"]
    assert client.get(f"/v3/{club.slug}/members/groups", headers=headers, params={"search": "_"}).json()["groups"] == []
    older = client.get(f"/v3/{club.slug}/members_groups", headers=headers, params={"search": "%"}).json()
    assert [g["name"] for g in older["members_groups"]] == ["50% off"], "the older docs' path alike"


def test_stores_search_takes_percent_and_underscore_literally(client, session, factory):
    club = factory.club()
    headers = factory.headers(factory.client_token([club]))
    stores.store(session, club, name="H_M")
    stores.store(session, club, name="Hema")
    found = client.get(f"/v3/{club.slug}/stores", headers=headers, params={"search": "h_m"}).json()["stores"]
    assert [s["name"] for s in found] == ["H_M"]
