"""Public API › Loyalty Club (issue 19): legal information, translations (v3), programs; and the
management routes setting them (docs/decisions/club_info.md)."""

from __future__ import annotations

import pytest

from loyaltyhub.auth import permits


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


LEGAL = {
    "company_name": "Infinity Mall AS",
    "organization_number": "987 654 321",
    "address": "Storgata 1, 0155 Oslo",
    "contact_email": "post@infinity.example",
    "terms_url": "https://infinity.example/terms",
    "terms": "<p>Terms</p>",
}


def test_legal_information_is_empty_until_set_then_replaced_whole(client, club, headers):
    empty = client.get(f"/v3/{club.slug}/legal_information", headers=headers)
    assert empty.status_code == 200, empty.text
    assert set(empty.json().values()) == {None}
    assert "privacy_policy_url" in empty.json()
    saved = client.put(f"/v1/{club.slug}/legal_information", headers=headers, json=LEGAL)
    assert saved.status_code == 200, saved.text
    shown = client.get(f"/v3/{club.slug}/legal_information", headers=headers).json()
    assert {k: shown[k] for k in LEGAL} == LEGAL and shown["privacy_policy"] is None and shown["updated_at"]
    replaced = client.put(f"/v1/{club.slug}/legal_information", headers=headers, json={"company_name": "New AS"})
    assert replaced.json()["company_name"] == "New AS" and replaced.json()["terms"] is None


def test_legal_information_errors(client, factory, club, headers):
    bad = client.put(f"/v1/{club.slug}/legal_information", headers=headers, json={"terms_url": "ftp://x"})
    assert bad.status_code == 422 and "terms_url" in bad.json()["details"]
    unknown = client.put(f"/v1/{club.slug}/legal_information", headers=headers, json={"ceo": "Kari"})
    assert unknown.status_code == 422 and "ceo" in unknown.json()["details"]
    reader = factory.headers(factory.client_token([club], [permits.LEGAL_INFORMATION_GET]))
    assert client.get(f"/v3/{club.slug}/legal_information", headers=reader).status_code == 200
    refused = client.put(f"/v1/{club.slug}/legal_information", headers=reader, json=LEGAL)
    assert refused.status_code == 403
    assert refused.json() == {"error": f"Missing permit {permits.LEGAL_INFORMATION_UPDATE}"}
    writer = factory.headers(factory.client_token([club], [permits.LEGAL_INFORMATION_UPDATE]))
    assert client.get(f"/v3/{club.slug}/legal_information", headers=writer).status_code == 403
    assert client.get(f"/v3/{club.slug}/legal_information").status_code == 401
    assert client.get("/v3/no-such-club/legal_information", headers=headers).status_code in (401, 404)


def test_legal_information_of_one_club_is_not_another_clubs(client, factory, club, headers):
    other = factory.club()
    other_headers = factory.headers(factory.client_token([other]))
    client.put(f"/v1/{club.slug}/legal_information", headers=headers, json=LEGAL)
    assert client.get(f"/v3/{other.slug}/legal_information", headers=other_headers).json()["company_name"] is None
    assert client.get(f"/v3/{other.slug}/legal_information", headers=headers).status_code == 401


TEXTS = {
    "member_properties": {"gender.man": "Man", "interests.skincare": "Skincare"},
    "consents": {"sms_marketing": "SMS", "sms_marketing.title": "SMS offers", "sms_marketing.__yes__": "Yes"},
    "tags": {"doggo": "Dog", "piggo": "Pig"},
    "terms": "<p>Terms</p>",
}


def test_translations_per_language_with_the_default_language_by_default(client, club, headers):
    empty = client.get(f"/v3/{club.slug}/translations", headers=headers)
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"member_properties": {}, "consents": {}, "tags": {}}
    saved = client.put(f"/v1/{club.slug}/translations/no", headers=headers, json=TEXTS)
    assert saved.status_code == 200, saved.text
    assert saved.json() == TEXTS
    assert client.get(f"/v3/{club.slug}/translations", headers=headers).json() == TEXTS
    assert client.get(f"/v3/{club.slug}/translations?language=no", headers=headers).json() == TEXTS
    english = {"member_properties": {}, "consents": {}, "tags": {"doggo": "Dog"}}
    assert client.put(f"/v1/{club.slug}/translations/en", headers=headers, json=english).json() == english
    assert client.get(f"/v3/{club.slug}/translations?language=en", headers=headers).json() == english
    assert client.get(f"/v3/{club.slug}/translations", headers=headers).json() == TEXTS
    cleared = client.put(f"/v1/{club.slug}/translations/no", headers=headers, json={"tags": {"a": "A"}})
    assert cleared.json() == {"member_properties": {}, "consents": {}, "tags": {"a": "A"}}


def test_translations_errors(client, factory, club, headers):
    unknown = client.get(f"/v3/{club.slug}/translations?language=de", headers=headers)
    assert unknown.status_code == 422 and "language" in unknown.json()["details"]
    assert client.put(f"/v1/{club.slug}/translations/de", headers=headers, json=TEXTS).status_code == 422
    not_text = client.put(f"/v1/{club.slug}/translations/en", headers=headers, json={"tags": {"doggo": 1}})
    assert not_text.status_code == 422 and "tags" in not_text.json()["details"]
    reader = factory.headers(factory.client_token([club], [permits.TRANSLATIONS_INDEX]))
    assert client.get(f"/v3/{club.slug}/translations", headers=reader).status_code == 200
    refused = client.put(f"/v1/{club.slug}/translations/en", headers=reader, json=TEXTS)
    assert refused.json() == {"error": f"Missing permit {permits.TRANSLATIONS_UPDATE}"}
    nobody = factory.headers(factory.client_token([club], [permits.SCHEMA_GET]))
    assert client.get(f"/v3/{club.slug}/translations", headers=nobody).status_code == 403


PROGRAM = {
    "slug": "kids-club",
    "name": "Kids Club",
    "description": "Fun for the little ones",
    "url": "https://infinity.example/kids",
    "translations": {"en": {"name": "Kids Club", "description": "Fun"}},
}


def test_programs_created_listed_in_order_and_inactive_ones_hidden_from_the_public(client, club, headers):
    created = client.post(f"/v1/{club.slug}/programs", headers=headers, json=PROGRAM)
    assert created.status_code == 201, created.text
    kids = created.json()
    assert kids["active"] is True and kids["position"] == 0 and kids["translations"] == PROGRAM["translations"]
    first = client.post(
        f"/v1/{club.slug}/programs", headers=headers, json={"slug": "parking", "name": "Parking", "position": -1}
    ).json()
    hidden = client.post(
        f"/v1/{club.slug}/programs", headers=headers, json={"slug": "beta", "name": "Beta", "active": False}
    ).json()
    listed = client.get(f"/v3/{club.slug}/programs", headers=headers).json()
    assert [p["id"] for p in listed["programs"]] == [first["id"], kids["id"]]
    assert listed["pagination_info"]["total_count"] == 2
    assert client.get(f"/v3/{club.slug}/programs/{kids['id']}", headers=headers).json() == kids
    assert client.get(f"/v3/{club.slug}/programs/{hidden['id']}", headers=headers).status_code == 404
    managed = client.get(f"/v1/{club.slug}/programs", headers=headers).json()
    assert [p["id"] for p in managed["programs"]] == [first["id"], kids["id"], hidden["id"]]
    assert client.get(f"/v1/{club.slug}/programs/{hidden['id']}", headers=headers).json()["slug"] == "beta"
    page = client.get(f"/v3/{club.slug}/programs?per_page=1&page_no=2", headers=headers).json()
    assert [p["id"] for p in page["programs"]] == [kids["id"]]


def test_programs_updated_and_destroyed(client, club, headers):
    kids = client.post(f"/v1/{club.slug}/programs", headers=headers, json=PROGRAM).json()
    url = f"/v1/{club.slug}/programs/{kids['id']}"
    updated = client.patch(url, headers=headers, json={"name": "Kids", "active": False, "description": None})
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Kids" and updated.json()["description"] is None
    assert client.get(f"/v3/{club.slug}/programs/{kids['id']}", headers=headers).status_code == 404
    assert client.put(url, headers=headers, json={"active": True}).json()["active"] is True
    assert client.get(f"/v3/{club.slug}/programs/{kids['id']}", headers=headers).status_code == 200
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert client.delete(url, headers=headers).status_code == 404


def test_program_errors(client, factory, club, headers):
    client.post(f"/v1/{club.slug}/programs", headers=headers, json=PROGRAM)
    taken = client.post(f"/v1/{club.slug}/programs", headers=headers, json={**PROGRAM, "name": "Other"})
    assert taken.status_code == 422 and "slug" in taken.json()["details"]
    bad_slug = client.post(f"/v1/{club.slug}/programs", headers=headers, json={"slug": "Kids Club", "name": "K"})
    assert bad_slug.status_code == 422 and "slug" in bad_slug.json()["details"]
    no_name = client.post(f"/v1/{club.slug}/programs", headers=headers, json={"slug": "x"})
    assert no_name.status_code == 422 and "name" in no_name.json()["details"]
    not_bool = client.post(f"/v1/{club.slug}/programs", headers=headers, json={"slug": "y", "name": "Y", "active": 1})
    assert not_bool.status_code == 422 and "active" in not_bool.json()["details"]
    second = client.post(f"/v1/{club.slug}/programs", headers=headers, json={"slug": "second", "name": "2"}).json()
    clash = client.patch(f"/v1/{club.slug}/programs/{second['id']}", headers=headers, json={"slug": "kids-club"})
    assert clash.status_code == 422 and "slug" in clash.json()["details"]
    blank = client.patch(f"/v1/{club.slug}/programs/{second['id']}", headers=headers, json={"name": None})
    assert blank.status_code == 422 and "name" in blank.json()["details"]
    empty = client.patch(f"/v1/{club.slug}/programs/{second['id']}", headers=headers, json={})
    assert empty.status_code == 422
    read_only = client.patch(f"/v1/{club.slug}/programs/{second['id']}", headers=headers, json={"id": 1})
    assert read_only.status_code == 422
    assert client.get(f"/v3/{club.slug}/programs/987654", headers=headers).status_code == 404
    public = factory.headers(factory.client_token([club], [permits.PROGRAMS_LIST]))
    assert client.get(f"/v3/{club.slug}/programs/{second['id']}", headers=public).status_code == 200
    assert client.get(f"/v1/{club.slug}/programs", headers=public).status_code == 403
    refused = client.post(f"/v1/{club.slug}/programs", headers=public, json={"slug": "z", "name": "Z"})
    assert refused.json() == {"error": f"Missing permit {permits.PROGRAMS_CREATE}"}
    assert client.delete(f"/v1/{club.slug}/programs/{second['id']}", headers=public).status_code == 403


def test_programs_of_another_club_are_not_found(client, factory, club, headers):
    other = factory.club()
    other_headers = factory.headers(factory.client_token([other]))
    theirs = client.post(f"/v1/{other.slug}/programs", headers=other_headers, json=PROGRAM).json()
    assert client.post(f"/v1/{club.slug}/programs", headers=headers, json=PROGRAM).status_code == 201
    assert client.get(f"/v3/{club.slug}/programs/{theirs['id']}", headers=headers).status_code == 404
    assert (
        client.patch(f"/v1/{club.slug}/programs/{theirs['id']}", headers=headers, json={"name": "X"}).status_code == 404
    )
    assert client.get(f"/v3/{other.slug}/programs", headers=headers).status_code == 401
