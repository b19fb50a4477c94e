"""What the vendor's examples need to exist: one club per example with a client token holding every permit,
a signed-in member (password, access and refresh token), another member, an offer the member may use, a
store, a collection, an image template and a member group. Written with the app's own services into the
running server's database, committed; the values fill the examples' placeholders (``{member_id}``...)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from loyaltyhub.auth.permits import all_permits
from loyaltyhub.auth.service import create_client_token
from loyaltyhub.club_info.service import set_translation
from loyaltyhub.clubs.service import create_club
from loyaltyhub.members.account.models import MemberAccountToken
from loyaltyhub.members.account.rules import TOKEN_TTL
from loyaltyhub.members.account.service import _digest as account_token_digest
from loyaltyhub.members.identity import tokens
from loyaltyhub.members.schemas import MemberCreate
from loyaltyhub.members.service import create_member
from loyaltyhub.messaging import catalog as messaging_settings
from loyaltyhub.messaging.models import Dispatch
from loyaltyhub.rewards.catalogue import service as catalogue
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.program import service as rewards_program
from loyaltyhub.settings import Settings
from loyaltyhub.wiring import unit_of_work
from tests.members.factories import unique_msisdn
from tests.messaging import factories as messaging
from tests.offers import factories as offers
from tests.rewards import factories as rewards
from tests.triggers import factories as triggers

PASSWORD = "correct horse battery"
USAGE_TOKEN = "tok3n"
# The tokens the older docs' examples send, as if the member had received them (reset password, verify token,
# verify MSISDN): made valid for the member, so those examples are sent exactly as written.
DOCUMENTED_TOKENS = {
    "password_reset": "k4wort03j2",
    "msisdn_verification": "shNWPezzYoIuJV2qDIcQrdFQqUdlVdquwUJrNb2Nuw",
}
_n = itertools.count(1)


def _member(session: Any, club: Any, email: str, msisdn: str) -> Any:
    body = MemberCreate(
        properties={"first_name": "Ola", "last_name": "Nordmann", "email": email, "msisdn": msisdn},
        consents={"sms_marketing": {"status": True}},
        password=PASSWORD,
        send_sms_welcome_message=False,
        send_email_welcome_message=False,
    )
    return create_member(
        session, club, body, optin_channel="webforms", optin_subchannel=None, secret_key=Settings().secret_key
    )


# The channels of the older docs' Show Messaging Settings example, configured for the club.
MESSAGING_CHANNELS = {
    "sms": {"sender_type": "alphanumeric", "sender_value": "Infinity"},
    "email": {"from_name": "Infinity", "from_email": "infinity-mall@example.com"},
    "push": {"android_app_id": "no.bstcm.loyaltyapp.infinity_mall", "ios_app_id": "1231452117"},
}


def _documented_tokens(session: Any, club: Any, member: Any, now: datetime) -> None:
    secret = Settings().secret_key
    for purpose, token in DOCUMENTED_TOKENS.items():
        session.add(
            MemberAccountToken(
                loyalty_club_id=club.id,
                member_id=member.id,
                purpose=purpose,
                destination=member.email if purpose == "password_reset" else member.msisdn,
                token_hash=account_token_digest(secret, token),
                created_at=now,
                expires_at=now + TOKEN_TTL[purpose],
            )
        )


def _rewards(session: Any, club: Any, member: Any, now: datetime) -> dict[str, Any]:
    """The Rewards Program on, the member in it with points, a reward to buy and one bought (to use)."""
    levels = {"type": "regular", "levels": [{"name": "1", "points_threshold": 0}]}
    program = rewards.program(session, club, levels_program=levels)
    account = rewards_program.join(session, club.id, member.id, now)
    policy = rewards_program.policy_of(club, program)
    ledger.earn(session, account, type="grant", points=500, now=now, policy=policy)
    unspent = ledger.earn(session, account, type="grant", points=42, now=now, policy=policy)  # one to cancel
    to_buy = rewards.reward(session, club, price=10)
    bought = rewards.reward(session, club, price=10)
    catalogue.purchase(session, club, member, bought.id, now)  # spends from the oldest lot
    session.flush()
    return {"reward_id": to_buy.id, "purchased_reward_id": bought.id, "points_transaction_id": unspent.id}


def _documented_translations() -> dict[str, Any]:
    """The club's English translations as the older docs' List Translations example shows them (a club that
    set them through ``PUT /v1/{slug}/translations/en``)."""
    from tests.compat import examples

    example = next(e for e in examples.load() if e.id.endswith(":loyalty-clubs-list-translations"))
    body = example.data["response"]["body"]
    return {
        key: body.get(key, {} if key != "terms" else None) for key in ("member_properties", "consents", "tags", "terms")
    }


def build(engine: Engine) -> dict[str, Any]:
    """A new club and its records; the placeholders' values."""
    n = next(_n)
    now = datetime.now(UTC)
    slug = f"compat-{n}-{uuid.uuid4().hex[:6]}"
    with unit_of_work(engine, write=True) as session:
        club = create_club(
            session,
            slug=slug,
            name=f"Compat {n}",
            timezone="Europe/Oslo",
            country="NO",
            default_language="en",
            languages=["en", "no", "pl"],
        )
        session.flush()
        set_translation(session, club.id, "en", _documented_translations())
        token = create_client_token(
            session,
            name=f"{slug} integration",
            permits=[p.name for p in all_permits()],
            club_slugs=[slug],
            organization=None,
            is_global=False,
            product_name="default",
        ).token
        email, msisdn = f"ola.{slug}@example.com", unique_msisdn()
        member = _member(session, club, email, msisdn)
        other = _member(session, club, f"kari.{slug}@example.com", unique_msisdn())
        _documented_tokens(session, club, member, now)
        issued = tokens.issue_tokens(session, member, access_ttl_seconds=3600, refresh_ttl_seconds=86400)
        collection = offers.collection(session, club)
        offer = offers.offer(
            session,
            club,
            collection_ids=[collection.id],
            type="regular",
            status="published",
            usage_authorization_token=USAGE_TOKEN,
            usage_authorization_token_required=True,
        )
        free = offers.offer(session, club, type="regular", status="published")
        store = offers.store(session, club)
        template = offers.image_template(session, club)
        group = offers.member_group(session, club)
        rewarded = _rewards(session, club, member, now)
        messaging_settings.update_settings(session, club, {"channels": MESSAGING_CHANNELS})
        draft = messaging.sending(session, club)  # a generic message with a draft sending
        in_progress = messaging.sending(session, club, status="transmitting")
        sent = Dispatch(  # a message the member got (the messages history)
            loyalty_club_id=club.id,
            sending_id=in_progress.id,
            recipient_key=f"member:{member.id}",
            member_id=member.id,
            channel="push",
            address="push-token",
            transmission_status="transmitted",
            transmitted_at=now,
            content={"body": "You have just received 9 points."},
        )
        session.add(sent)
        session.flush()
        rule = triggers.rule(session, club)  # a grant_offer rule: the examples read and change it, never fire it
        values = {
            "slug": slug,
            "club_id": club.id,
            "client_token": token,
            "access_token": issued.access_token,
            "refresh_token": issued.refresh_token,
            "member_id": member.id,
            "other_member_id": other.id,
            "member_password": PASSWORD,
            "email": email,
            "msisdn": msisdn,
            "new_email": f"new.{slug}@example.com",
            "new_msisdn": unique_msisdn(),
            "offer_id": offer.id,
            "offer_id_text": str(offer.id),
            "usage_authorization_token": USAGE_TOKEN,
            "free_offer_id": free.id,
            "collection_id": collection.id,
            "store_id": store.id,
            "store_id_text": str(store.id),
            "image_template_id": template.id,
            "group_id": group.id,
            **rewarded,
            "message_id": draft.message_id,
            "sending_id": draft.id,
            "transmitting_sending_id": in_progress.id,
            "rule_id": rule.id,
            "member_message_id": str(sent.id),
            "push_token": f"push-{uuid.uuid4().hex}",
            "now": now.isoformat(),
            "an_hour_ago": (
                now - timedelta(hours=1)
            ).isoformat(),  # the examples' "token" stands for a device's push token
        }
    return values
