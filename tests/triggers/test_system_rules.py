"""Built-in rules: the welcome offers are a Triggerer rule of every club (listed, logged, pausable), not a
code path; its hook runs in the sign-up's transaction, so the new member's first answer shows the grant."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.offers.models import OfferGrant
from loyaltyhub.triggers.models import TriggerRule
from tests.factories import PUBLIC_HEADERS
from tests.member_offers import factories as mo

_n = iter(range(1, 10_000))


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return {"X-Client-Authorization": factory.client_token([club]), **PUBLIC_HEADERS}


def url(club, rest=""):
    return f"/v3/{club.slug}/triggerer{rest}"


def sign_up(client, club, headers):
    response = client.post(
        f"/v3/{club.slug}/members", headers=headers, json={"properties": {"email": f"w{next(_n)}@example.com"}}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def welcome_rule(client, club, headers):
    rules = client.get(url(club, "/rules"), headers=headers).json()["rules"]
    (rule,) = [r for r in rules if r["system_key"] == "welcome_offers"]
    return rule


def granted(session, member_id):
    return list(session.execute(select(OfferGrant.offer_id).where(OfferGrant.member_id == member_id)).scalars())


def test_a_new_club_lists_its_welcome_offers_rule(client, club, headers):
    rule = welcome_rule(client, club, headers)
    assert rule["event_type"] == "member_signed_up" and rule["hook_type"] == "welcome_offers"
    assert (rule["paused"], rule["deleted_at"], rule["options"]) == (False, None, {})
    assert rule["name"]["value"] == "Welcome offers"
    shown = client.get(url(club, f"/rules/{rule['id']}"), headers=headers)
    assert shown.status_code == 200 and shown.json() == rule
    only_system = client.get(url(club, "/rules"), params={"event_types": "member_signed_up"}, headers=headers)
    assert [r["id"] for r in only_system.json()["rules"]] == [rule["id"]]


def test_the_sign_up_grants_the_welcome_offer_and_the_rule_logs_it(client, session, club, headers):
    offer = mo.offer(session, club, type="welcome")
    member_id = sign_up(client, club, headers)
    assert granted(session, member_id) == [offer.id]
    rule = welcome_rule(client, club, headers)
    log = client.get(url(club, f"/rules/{rule['id']}/executions"), headers=headers).json()["executions"]
    assert [(e["member_id"], e["status"], e["result"]["offer_ids"]) for e in log] == [(member_id, "fired", [offer.id])]
    signed_up = session.execute(
        select(MemberEvent.id).where(MemberEvent.member_id == member_id, MemberEvent.type == "member_signed_up")
    ).scalar_one()
    assert log[0]["event_id"] == signed_up
    # The welcome grant is a grant like any other: loyaltyhub records it as the member's offer_granted event.
    kinds = session.execute(select(MemberEvent.type).where(MemberEvent.member_id == member_id)).scalars()
    assert sorted(kinds) == ["member_signed_up", "offer_granted"]


def test_pausing_the_rule_stops_the_welcome_offers_and_starting_it_resumes_them(client, session, club, headers):
    offer = mo.offer(session, club, type="welcome")
    rule = welcome_rule(client, club, headers)
    paused = client.put(url(club, f"/rules/{rule['id']}/pause"), headers=headers)
    assert paused.status_code == 200 and paused.json()["paused"] is True
    while_paused = sign_up(client, club, headers)
    assert granted(session, while_paused) == []
    assert client.put(url(club, f"/rules/{rule['id']}/start"), headers=headers).json()["paused"] is False
    after = sign_up(client, club, headers)
    assert granted(session, after) == [offer.id]
    # PATCH paused works too (a built-in rule's paused and name may change).
    patched = client.patch(
        url(club, f"/rules/{rule['id']}"),
        json={"paused": True, "name": {"value": "Velkomst", "translations": {"no": "Velkomst"}}},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["paused"], patched.json()["name"]["value"]) == (True, "Velkomst")
    assert granted(session, sign_up(client, club, headers)) == []


def test_a_built_in_rule_keeps_its_event_hook_and_counts_and_cannot_be_deleted(client, club, headers):
    rule = welcome_rule(client, club, headers)
    changed = client.patch(
        url(club, f"/rules/{rule['id']}"), json={"hook_type": "webhook", "limit": 1}, headers=headers
    )
    assert changed.status_code == 422
    assert changed.json()["details"] == {
        "hook_type": [{"error": "built_in_rule", "options": {}}],
        "limit": [{"error": "built_in_rule", "options": {}}],
    }
    # What it shows, sent back unchanged, is accepted (GET, edit the name, PATCH).
    same = client.patch(url(club, f"/rules/{rule['id']}"), json={**rule, "name": rule["name"]}, headers=headers)
    assert same.status_code == 200, same.text
    deleted = client.delete(url(club, f"/rules/{rule['id']}"), headers=headers)
    assert (deleted.status_code, deleted.json()) == (
        422,
        {"error": "A built-in rule cannot be deleted (pause it instead)"},
    )
    assert welcome_rule(client, club, headers)["id"] == rule["id"]


def test_a_client_cannot_save_a_rule_with_a_built_in_hook(client, club, headers):
    body = {
        "event_type": "member_signed_up",
        "name": {"value": "Mine"},
        "hook_type": "welcome_offers",
        "options": {},
    }
    response = client.post(url(club, "/rules"), json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["details"]["hook_type"][0]["error"] == "inclusion"


def test_a_club_made_without_its_rule_gets_it_at_the_first_sign_up(app_with, services, session, factory):
    bare = replace(services, club_listeners=())
    club = factory.club()
    session.execute(
        TriggerRule.__table__.delete().where(TriggerRule.loyalty_club_id == club.id)  # as if made before the rule
    )
    offer = mo.offer(session, club, type="welcome")
    headers = {"X-Client-Authorization": factory.client_token([club]), **PUBLIC_HEADERS}
    client = TestClient(app_with(bare))
    member_id = sign_up(client, club, headers)
    assert granted(session, member_id) == [offer.id]
    assert welcome_rule(client, club, headers)["paused"] is False


def test_the_migration_makes_the_rule_for_every_existing_club(scratch_url):
    script = migrate.ScriptDirectory.from_config(migrate.alembic_config())
    before = script.get_revision("0017_events_rules").down_revision
    migrate.upgrade(scratch_url, before)
    engine = make_engine(scratch_url, pool_size=1)
    now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None) if scratch_url.startswith("sqlite") else None
    try:
        with engine.begin() as connection:
            for slug in ("first", "second"):
                connection.execute(
                    text(
                        "INSERT INTO loyalty_clubs (slug, name, timezone, default_language, languages, "
                        "offer_active_seconds, created_at, updated_at) "
                        "VALUES (:slug, :slug, 'Europe/Oslo', 'en', '[\"en\"]', 900, :now, :now)"
                    ),
                    {"slug": slug, "now": now or datetime(2026, 1, 1, tzinfo=UTC)},
                )
            # A rule saved with the first form of data_conditions (before the reporting filter grammar).
            connection.execute(
                text(
                    "INSERT INTO trigger_rules (loyalty_club_id, event_type, name, minimum, hook_type, "
                    "hook_delayed_by_seconds, options, excluded_sources, paused, data_conditions, created_at, "
                    "updated_at) SELECT id, 'link_clicked', '{}', 0, 'webhook', 0, '{}', '[]', false, "
                    ":conditions, created_at, updated_at FROM loyalty_clubs WHERE slug = 'first'"
                ),
                {"conditions": '{"data.url": {"eq": "https://x"}, "data.link_id": {"exists": false}}'},
            )
        migrate.upgrade(scratch_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT c.slug, r.system_key, r.event_type, r.hook_type, r.paused FROM trigger_rules r "
                    "JOIN loyalty_clubs c ON c.id = r.loyalty_club_id WHERE r.system_key IS NOT NULL ORDER BY c.slug"
                )
            ).all()
            (converted,) = connection.execute(
                select(TriggerRule.data_conditions).where(TriggerRule.system_key.is_(None))
            ).scalars()
        assert [tuple(r) for r in rows] == [
            ("first", "welcome_offers", "member_signed_up", "welcome_offers", False),
            ("second", "welcome_offers", "member_signed_up", "welcome_offers", False),
        ]
        assert converted == {
            "type": "and",
            "operations": [
                {"type": "equal", "field": "data.url", "value": "https://x"},
                {"type": "equal", "field": "data.link_id", "value": None},
            ],
        }
        migrate.downgrade(scratch_url, before)
        migrate.upgrade(scratch_url)
    finally:
        engine.dispose()
