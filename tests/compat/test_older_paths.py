"""The older docs' paths (docs/decisions/compatibility.md, "Paths and methods of the older docs"): each reaches
the same records and rules as the newer route, in the older shapes. The vendor's examples of them are sent by
test_examples.py; these tests check what the examples cannot: the effects and the refusals."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from loyaltyhub.member_offers.models import OfferEvent
from loyaltyhub.members.models import OutboxMessage
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.program import service as rewards_program
from loyaltyhub.stores.models import Store
from tests.members import factories as members
from tests.offers import factories as offers
from tests.rewards import factories as rewards


@pytest.fixture
def club(factory):
    return factory.club(languages=["en"], default_language="en")


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def _url(club, path: str) -> str:
    return f"/v3/{club.slug}{path}"


def _latest_code(session, recipient: str) -> str | None:
    message = (
        session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
        )
        .scalars()
        .first()
    )
    found = re.search(r"\b(\d{6})\b", message.body) if message is not None else None
    return found.group(1) if found else None


# --- members -------------------------------------------------------------------------------------------


def test_person_id_is_null_and_says_whether_the_member_exists(client, session, club, headers):
    member = members.member(session, club, properties={"email": "ola@example.com"})
    for path in (f"/members/{member.id}/person_id", "/members/by_email/ola@example.com/person_id"):
        answer = client.get(_url(club, path), headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"success": True, "source": "db", "person_id": None}
    unknown = client.get(_url(club, "/members/by_msisdn/4799999999/person_id"), headers=headers)
    assert unknown.json() == {"success": True, "source": "not_found", "person_id": None}
    assert client.get(_url(club, "/members/by_msisdn/12/person_id"), headers=headers).status_code == 422


def test_a_code_sent_by_sms_to_the_member_found_by_email_signs_in_with_the_email(client, session, club, headers):
    member = members.member(session, club, properties={"email": "kari@example.com"})
    sent = client.post(_url(club, "/members/by_email/kari@example.com/send_one_time_password_via_sms"), headers=headers)
    assert sent.status_code == 200 and sent.json() == {}, sent.text
    code = _latest_code(session, member.msisdn)
    assert code is not None, "the code goes to the member's number"
    login = client.post(
        _url(club, "/members/oauth/token"),
        headers=headers,
        json={"grant_type": "password", "identifier_type": "email", "identifier": "kari@example.com", "password": code},
    )
    assert login.status_code == 200, login.text
    assert login.json()["resource_owner_id"] == member.id


def test_one_time_passwords_answer_the_same_for_unknown_identifiers(client, session, club, headers):
    before = session.execute(select(OutboxMessage.id)).all()
    for path in (
        "/members/by_email/nobody@example.com/send_one_time_password_via_email",
        "/members/by_msisdn/4799999999/send_one_time_password",
    ):
        answer = client.post(_url(club, path), headers=headers)
        assert (answer.status_code, answer.json()) == (200, {}), answer.text
    assert session.execute(select(OutboxMessage.id)).all() == before, "nothing is sent to an unknown identifier"


def test_a_registration_password_creates_the_member(client, session, club, headers):
    msisdn = members.unique_msisdn()
    sent = client.post(
        _url(club, f"/members/by_msisdn/{msisdn}/send_registration_password"), headers=headers, json={"language": "en"}
    )
    assert sent.status_code == 200, sent.text
    code = _latest_code(session, msisdn)
    created = client.post(
        _url(club, "/members"),
        headers=headers,
        json={"properties": {"first_name": "Per", "msisdn": msisdn}, "registration_password": code},
    )
    assert created.status_code == 201, created.text
    assert created.json()["sms_status"] == "verified"


def test_update_app_token_registers_the_push_token(client, session, club, headers):
    member = members.member(session, club)
    token = "fcm-token-of-a-device-0123456789"
    answer = client.put(
        _url(club, f"/members/{member.id}/update_app_token"),
        headers=headers,
        json={"app_token": token, "app_platform": "android"},
    )
    assert (answer.status_code, answer.json()) == (200, {}), answer.text
    refused = client.put(
        _url(club, f"/members/{member.id}/update_app_token"),
        headers=headers,
        json={"app_token": token, "app_platform": "web"},
    )
    assert refused.status_code == 422
    shown = client.get(_url(club, f"/members/{member.id}"), headers=headers).json()
    assert shown["push_devices"] == 1


def test_member_stores_are_its_favorite_stores(client, session, club, headers):
    first, second = offers.store(session, club), offers.store(session, club)
    member = members.member(session, club)
    url = _url(club, f"/members/{member.id}/stores")
    assert client.post(url, headers=headers, json={"stores_ids": [first.id, second.id]}).json() == {
        "stores_ids": [first.id, second.id]
    }
    assert client.request("DELETE", url, headers=headers, json={"stores_ids": [first.id]}).json() == {
        "stores_ids": [second.id]
    }
    assert client.get(url, headers=headers).json() == {"stores_ids": [second.id]}
    assert client.get(_url(club, f"/members/{member.id}"), headers=headers).json()["favorite_stores"] == [second.id]
    unknown = client.post(url, headers=headers, json={"stores_ids": [987654321]})
    assert unknown.status_code == 422
    assert unknown.json()["details"] == {
        "stores_ids": {"0": [{"error": "does_not_exist", "options": {"id": 987654321}}]}
    }


def test_assigning_stores_cannot_grow_a_member_past_the_favorites_limit(client, session, club, headers):
    first, second = offers.store(session, club), offers.store(session, club)
    member = members.member(session, club)
    many = [{"loyalty_club_id": club.id, "name": f"Store {n}"} for n in range(999)]
    member.favorite_stores = list(session.execute(insert(Store).returning(Store.id), many).scalars())
    session.flush()  # 999 favourites: one more fits, two do not
    url = _url(club, f"/members/{member.id}/stores")
    refused = client.post(url, headers=headers, json={"stores_ids": [first.id, second.id]})
    assert refused.status_code == 422
    assert refused.json()["details"] == {"stores_ids": [{"error": "too_long", "options": {"max_length": 1}}]}
    assert client.post(url, headers=headers, json={"stores_ids": [first.id, first.id]}).status_code == 200
    assert len(client.get(url, headers=headers).json()["stores_ids"]) == 1000


# --- members groups ------------------------------------------------------------------------------------


def test_the_members_groups_api_works_on_loyaltyhubs_groups(client, session, club, headers):
    created = client.post(
        _url(club, "/members_groups"),
        headers=headers,
        json={"members_group": {"name": "Red", "type": "Color", "description": "Lorem"}},
    )
    assert created.status_code == 201, created.text
    group = created.json()["members_group"]
    assert (group["name"], group["type"], group["automatic"], group["system"]) == ("Red", None, False, False)
    member = members.member(session, club)
    base = _url(club, f"/members_groups/{group['id']}")
    assert client.post(f"{base}/members/{member.id}", headers=headers).json() == {}
    listed = client.get(f"{base}/members", headers=headers).json()
    assert [m["id"] for m in listed["members"]] == [member.id]
    newer = client.get(_url(club, f"/members/groups/{group['id']}"), headers=headers).json()
    assert newer["members_count"] == 1, "the same group as the newer API's"
    renamed = client.put(base, headers=headers, json={"members_group": {"name": "Blue"}})
    assert renamed.json()["members_group"]["name"] == "Blue"
    assert (
        client.get(_url(club, "/members_groups"), headers=headers, params={"name": "Blue"}).json()["pagination_info"][
            "total_count"
        ]
        == 1
    )
    assert (
        client.get(_url(club, "/members_groups"), headers=headers, params={"automatic": "true"}).json()[
            "members_groups"
        ]
        == []
    )
    assert client.request("DELETE", f"{base}/members/{member.id}", headers=headers).json() == {}
    deleted = client.delete(base, headers=headers)
    assert deleted.json()["members_group"]["id"] == group["id"]
    assert client.get(base, headers=headers).json() == {"error": "MembersGroup does not exist"}


def test_a_group_from_an_audience_is_refused_not_made_manual(client, club, headers):
    refused = client.post(
        _url(club, "/members_groups"),
        headers=headers,
        json={"members_group": {"name": "Auto", "audience_id": 351, "system": True}},
    )
    assert refused.status_code == 422
    assert set(refused.json()["details"]["members_group"]) == {"audience_id", "system"}
    assert client.get(_url(club, "/members/groups"), headers=headers).json()["groups"] == []


# --- offers events -------------------------------------------------------------------------------------


def test_older_offer_events_are_recorded_as_the_newer_ones(client, session, club, headers):
    offer = offers.offer(session, club, type="regular", status="published")
    hidden = offers.offer(session, club, type="regular", status="draft")
    member = members.member(session, club)
    bearer = {**headers, "Authorization": f"Bearer {members.access_token(session, member)}"}
    events = {"events": [{"offer_id": str(offer.id), "created_at": "2020-01-02T03:04:05Z", "context": {"utm": "x"}}]}
    for path in ("/members/me/events/offers_seen", "/offers/events/offers_clicked"):
        answer = client.post(_url(club, path), headers=bearer, json=events)
        assert (answer.status_code, answer.json()) == (200, {}), answer.text
    recorded = session.execute(select(OfferEvent).where(OfferEvent.offer_id == offer.id)).scalars().all()
    assert sorted(e.kind for e in recorded) == ["clicked", "seen"]
    assert {e.member_id for e in recorded} == {member.id}
    assert {e.occurred_at.replace(tzinfo=UTC) for e in recorded} == {datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)}
    batch = {"events": [{"offer_id": offer.id}, {"offer_id": hidden.id}]}
    assert client.post(_url(club, "/members/me/events/offers_seen"), headers=bearer, json=batch).status_code == 404
    count = len(session.execute(select(OfferEvent).where(OfferEvent.offer_id == offer.id)).scalars().all())
    assert count == 2, "a batch with an offer the member cannot see records nothing"
    assert client.post(_url(club, "/offers/events/offers_seen"), headers=headers, json=events).status_code == 460


# --- wallet points -------------------------------------------------------------------------------------


def test_wallet_reads_follow_the_ledger(client, session, club, headers):
    now = datetime.now(UTC)
    program = rewards.program(session, club)
    member = members.member(session, club, properties={"email": "wallet@example.com"})
    account = rewards_program.join(session, club.id, member.id, now)
    policy = rewards_program.policy_of(club, program)
    ledger.earn(session, account, type="grant", points=100, now=now, policy=policy)
    ledger.spend(session, account, type="correction", points=30, now=now, details={"comment": "fix"})
    outsider = members.member(session, club)
    for path in (
        f"/transactions/points/by_member_id/{member.id}",
        "/transactions/points/by_email/wallet@example.com",
        f"/transactions/points/by_msisdn/{member.msisdn}",
    ):
        assert client.get(_url(club, path), headers=headers).json() == {"default_wallet": 70}
    assert client.get(_url(club, f"/transactions/points/by_member_id/{outsider.id}"), headers=headers).json() == {
        "default_wallet": 0
    }
    assert client.get(_url(club, "/transactions/points/by_member_id/987654321"), headers=headers).status_code == 404
    events = client.get(_url(club, f"/transactions/points/events/{member.id}"), headers=headers).json()
    assert [(e["type"], e["amount"], e["wallet_new_balance"]) for e in events] == [
        ("issue_points", 100, 100),
        ("use_points", -30, 70),
    ]
    used = client.get(
        _url(club, f"/transactions/points/events/{member.id}"), headers=headers, params={"type": "use_points"}
    )
    assert [e["message"] for e in used.json()] == ["fix"]


# --- files and messaging -------------------------------------------------------------------------------


def test_v1_files_need_one_filter_to_destroy(client, club, headers):
    v1 = {**headers, "X-Loyalty-Club-Slug": club.slug}
    assert client.get("/v1/files", headers=v1).json()["file_records"] == []
    refused = client.delete("/v1/files", headers=v1)
    assert refused.status_code == 422, "never every file of the club"
    wrong = client.delete("/v1/files", headers=v1, params={"file_identifiers[]": "member:12"})
    assert wrong.status_code == 422
    assert client.delete("/v1/files", headers=v1, params={"file_identifiers[]": "offer:12"}).json() == {
        "file_records": []
    }


def test_older_messaging_paths_act_on_the_generic_service(client, session, club, headers):
    from tests.messaging import factories as messaging

    generic = messaging.message(session, club)
    campaign = messaging.message(session, club, service="campaigns")
    v1 = {**headers, "X-Loyalty-Club-Slug": club.slug}
    assert client.get(f"/v1/messages/{generic.id}", headers=v1).json()["message"]["id"] == generic.id
    assert client.get(f"/v1/messages/{campaign.id}", headers=v1).status_code == 404
    listed = client.get("/v1/messages", headers=v1).json()["messages"]
    assert [m["id"] for m in listed] == [generic.id]
    assert client.get("/v1/messages/generic", headers=v1).json()["messages"] == listed
