"""Every change of a trackable resource writes its webhook event in the transaction of the change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loyaltyhub.members.service import destroy_member, update_member
from loyaltyhub.offers import grants
from loyaltyhub.offers import service as offers
from loyaltyhub.offers.schemas import OfferCreate, OfferUpdate
from loyaltyhub.webhooks import payloads
from loyaltyhub.webhooks.models import WebhookDelivery, WebhookEvent
from tests.members import factories as members
from tests.offers import factories as offer_factories
from tests.webhooks import factories


@pytest.fixture
def club(factory):
    return factory.club()


def events(session, club) -> list[WebhookEvent]:
    return list(
        session.execute(select(WebhookEvent).where(WebhookEvent.loyalty_club_id == club.id).order_by(WebhookEvent.id))
        .scalars()
        .all()
    )


def test_nothing_is_written_without_a_subscription(session, club):
    members.member(session, club)
    assert events(session, club) == []


def test_member_created_updated_deleted(session, club):
    sub = factories.subscription(session, club, event_types=["member.created", "member.updated", "member.deleted"])
    member = members.member(session, club, properties={"first_name": "Mark", "email": "mark@example.com"})
    update_member(session, club, member, {"properties": {"first_name": "John", "email": None}})
    destroy_member(session, member)
    created, updated, deleted = events(session, club)
    assert [created.type, updated.type, deleted.type] == ["member.created", "member.updated", "member.deleted"]
    assert created.data["properties"]["first_name"] == "Mark" and created.data["id"] == member.id
    assert updated.changes["properties"]["first_name"] == {"change": "~", "was": "Mark", "is": "John"}
    assert updated.changes["email"] == {"change": "-", "was": "mark@example.com", "is": None}
    assert deleted.data == {"id": member.id, "person_id": None} and deleted.changes == {}
    deliveries = session.execute(
        select(WebhookDelivery.event_id).where(WebhookDelivery.subscription_id == sub.id)
    ).scalars()
    assert sorted(deliveries) == [created.id, updated.id, deleted.id]


def test_members_v2_payload(session, club):
    factories.subscription(session, club, event_types=["member.updated"], payload_version="members_v2")
    member = members.member(session, club, properties={"first_name": "Mark"})
    update_member(session, club, member, {"properties": {"first_name": "John"}})
    (event,) = events(session, club)
    body = payloads.render(
        "members_v2",
        event_id=event.id,
        event_type=event.type,
        created_at=event.created_at,
        club_id=club.id,
        club_slug=club.slug,
        data=event.data,
        changes=event.changes,
    )
    import json

    v2 = json.loads(body)
    assert v2["version"] == 2
    (item,) = v2["events"]
    assert item["event"]["type"] == "update" and item["event"]["date"].endswith("Z")
    assert item["loyalty_club"] == {"id": club.id, "slug": club.slug}
    assert item["member"]["properties"]["first_name"] == "John"
    assert set(item["member"]) >= {"id", "person_id", "msisdn", "email", "consents", "sms_status", "created_at"}
    assert item["member_changes"] == {"properties": {"first_name": {"change": "~", "was": "Mark", "is": "John"}}}


def test_subscriptions_get_only_their_types(session, club):
    factories.subscription(session, club, event_types=["offer.archived"])
    offer = offer_factories.offer(session, club)
    assert events(session, club) == []
    offers.archive_offer(session, offer)
    (event,) = events(session, club)
    assert event.type == "offer.archived" and event.data["id"] == offer.id


def test_offer_created_updated_archived_and_granted(session, club):
    factories.subscription(session, club)
    offer = offers.create_offer(session, club, OfferCreate())
    offers.update_offer(session, club, offer, OfferUpdate.model_validate({"status": "published"}))
    member = members.member(session, club)
    grants.grant_offer(session, club.id, offer.id, [member.id])
    offers.archive_offer(session, offer)
    offers.archive_offer(session, offer)  # archiving twice changes nothing: no second event
    kinds = [e.type for e in events(session, club)]
    assert kinds == ["offer.created", "offer.updated", "member.created", "offer_grant.created", "offer.archived"]
    assert events(session, club)[1].data["status"] == "published"
    grant = next(e for e in events(session, club) if e.type == "offer_grant.created")
    assert grant.data["member_id"] == member.id and grant.data["offer_id"] == offer.id


def test_a_disabled_subscription_gets_nothing(session, club):
    factories.subscription(session, club, active=False)
    members.member(session, club)
    assert events(session, club) == []


def test_uses_and_grants_are_member_events_too(session, club):
    from loyaltyhub.events.models import MemberEvent

    offer = offer_factories.offer(session, club)
    member = members.member(session, club)
    grants.grant_offer(session, club.id, offer.id, [member.id])
    rows = session.execute(
        select(MemberEvent.type, MemberEvent.data).where(MemberEvent.member_id == member.id).order_by(MemberEvent.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("member_signed_up", {"optin_channel": "android-app"}),
        ("offer_granted", {"offer_id": offer.id}),
    ]
