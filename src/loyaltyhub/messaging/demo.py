"""Demo step of messaging: each demo club's messaging settings and, over the demo period, a weekly
e-mail campaign (tracked links, open pixel) and a fortnightly SMS, sent to the members with the channel's
marketing consent; with realistic outcomes: about 97 % transmitted, 2 % failed, a few skipped without an
address; e-mail opened by about a quarter of recipients over the next two days, links clicked by about
4 % (some twice, some by several devices), 0.3 % unsubscribing. Rows are bulk-inserted, the sendings'
counters consistent with their dispatches, so every messaging report shows something after ``make run``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import in_club
from loyaltyhub.members.models import Member
from loyaltyhub.messaging.links import new_code, split_url, url_hash
from loyaltyhub.messaging.models import (
    Dispatch,
    Link,
    LinkVisit,
    Message,
    MessageChannel,
    MessageTemplate,
    MessagingSettings,
    Sending,
)

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext

CHANNELS = {
    "sms": {"sender_type": "alphanumeric", "sender_value": "Infinity"},
    "email": {"from_name": "Infinity Mall", "from_email": "news@infinity-mall.example"},
    "push": None,
}
TRANSMITTED, FAILED = 0.97, 0.02
OPEN_RATE, CLICK_RATE, UNSUBSCRIBE_RATE = 0.25, 0.04, 0.003
THEMES = ("spring-sale", "new-stores", "weekend-deals", "family-day", "black-week", "members-evening")


def _member_rows(session: Session, club_id: int) -> list[Any]:
    return list(
        session.execute(
            select(Member.id, Member.email, Member.msisdn, Member.marketing_via_email, Member.marketing_via_sms).where(
                in_club(Member, club_id), Member.deleted_at.is_(None)
            )
        )
    )


def _message(session: Session, club_id: int, channel: str, name: str, campaign_id: int, body: str) -> Message:
    content = {"subject": name.replace("-", " ").title(), "body": body} if channel == "email" else {"body": body}
    template = MessageTemplate(
        loyalty_club_id=club_id, type="email" if channel == "email" else "plain", content=content, standalone=False
    )
    message = Message(
        loyalty_club_id=club_id,
        service="campaigns",
        name=name,
        shorten_urls=True,
        track_in_shortener=channel == "email",
        campaign_id=campaign_id,
    )
    session.add_all([template, message])
    session.flush()
    sender = (
        {"from_email": CHANNELS["email"]["from_email"], "from_name": CHANNELS["email"]["from_name"]}  # type: ignore[index]
        if channel == "email"
        else {"type": "alphanumeric", "value": "Infinity"}
    )
    session.add(
        MessageChannel(
            loyalty_club_id=club_id, message_id=message.id, type=channel, sender=sender, template_id=template.id
        )
    )
    return message


def _send(
    session: Session,
    rng: random.Random,
    club_id: int,
    channel: str,
    at: datetime,
    now: datetime,
    campaign_id: int,
    people: list[Any],
) -> None:
    theme = rng.choice(THEMES)
    url = f"https://infinity-mall.example/{theme}?utm_source={channel}&utm_medium={channel}&utm_campaign={theme}"
    title = theme.replace("-", " ")
    body = (
        f'<p>Hei {{{{ member.first_name }}}}! {title} at Infinity Mall.</p><a href="{url}">Read more</a>'
        if channel == "email"
        else f"{title} at Infinity Mall: {url}"
    )
    message = _message(session, club_id, channel, theme, campaign_id, body)
    sending = Sending(
        loyalty_club_id=club_id,
        message_id=message.id,
        status="transmitted",
        draft=False,
        priority=5,
        scheduled_with={"type": "absolute", "at": at.isoformat()},
        scheduled_at=at,
        recipients=[],
        properties={},
        created_at=at,
        updated_at=at,
    )
    session.add(sending)
    session.flush()
    code = new_code()
    parts = split_url(url)
    link_id = session.execute(
        insert(Link)
        .values(
            loyalty_club_id=club_id,
            code=code,
            source_type="sending",
            sending_id=sending.id,
            tracked=channel == "email",
            url=url,
            url_hash=url_hash(url),
            host=parts.host,
            path=parts.path,
            created_at=at,
            updated_at=at,
            **parts.utm,
        )
        .returning(Link.id)
    ).scalar_one()
    dispatches, outcomes = [], []
    for index, person in enumerate(people):
        address = person.email if channel == "email" else person.msisdn
        roll = rng.random()
        created = at + timedelta(seconds=index // 20)
        if not address:
            status = "skipped"
        else:
            status = "transmitted" if roll < TRANSMITTED else "failed" if roll < TRANSMITTED + FAILED else "skipped"
        sent_at = created + timedelta(seconds=rng.randint(1, 90))
        opened = channel == "email" and status == "transmitted" and rng.random() < OPEN_RATE
        opened_at = sent_at + timedelta(minutes=rng.expovariate(1 / 240)) if opened else None
        unsubscribed = opened and rng.random() < UNSUBSCRIBE_RATE / OPEN_RATE
        dispatches.append(
            {
                "loyalty_club_id": club_id,
                "sending_id": sending.id,
                "recipient_key": f"member:{person.id}",
                "member_id": person.id,
                "channel": channel if status != "skipped" else None,
                "address": address if status != "skipped" else None,
                "properties": {},
                "transmission_status": status,
                "delivery_status": "unknown",
                "skip_reason": "no_address" if status == "skipped" else None,
                "attempts": 1 if status != "skipped" else 0,
                "error": "HTTP 400: Invalid 'To' Phone Number"
                if status == "failed" and channel == "sms"
                else ("550 5.1.1 Mailbox unavailable" if status == "failed" else None),
                "provider_message_id": f"<dispatch-demo-{sending.id}-{person.id}>" if status == "transmitted" else None,
                "transmitted_at": sent_at if status == "transmitted" else None,
                "content": {"subject": theme, "body": body, "sender": {}} if status == "transmitted" else None,
                "opened_at": opened_at if opened_at and opened_at < now else None,
                "opens_count": (1 + int(rng.random() < 0.3)) if opened_at and opened_at < now else 0,
                "unsubscribed_at": opened_at if unsubscribed and opened_at and opened_at < now else None,
                "created_at": created,
                "updated_at": sent_at,
            }
        )
        outcomes.append((status, sent_at))
    for chunk in range(0, len(dispatches), 2000):
        session.execute(insert(Dispatch), dispatches[chunk : chunk + 2000])
    ids = list(
        session.execute(
            select(Dispatch.id, Dispatch.member_id)
            .where(in_club(Dispatch, club_id), Dispatch.sending_id == sending.id)
            .order_by(Dispatch.id)
        )
    )
    visits = []
    for (dispatch_id, member_id), (status, sent_at) in zip(ids, outcomes, strict=True):
        if status != "transmitted" or rng.random() >= CLICK_RATE:
            continue
        for _ in range(1 + int(rng.random() < 0.25)):
            visited = sent_at + timedelta(minutes=rng.expovariate(1 / 300))
            if visited >= now:
                continue
            tracked = channel == "email"
            visits.append(
                {
                    "loyalty_club_id": club_id,
                    "link_id": link_id,
                    "sending_id": sending.id,
                    "dispatch_id": dispatch_id if tracked else None,
                    "member_id": member_id if tracked else None,
                    "visitor_key": f"member:{member_id}" if tracked else f"device:demo{member_id}{rng.randint(0, 1)}",
                    "visited_at": visited,
                }
            )
    if visits:
        session.execute(insert(LinkVisit), visits)
    transmitted = [sent for status, sent in outcomes if status == "transmitted"]
    sending.members_count = len(people)
    sending.dispatches_count = len(people)
    sending.skipped_count = sum(1 for status, _ in outcomes if status == "skipped")
    sending.transmitted_at = max(transmitted) if transmitted else at
    sending.updated_at = sending.transmitted_at


def load(session: Session, context: DemoContext) -> None:
    rng = context.rng
    now = context.now
    for number, club in enumerate(context.clubs.values()):
        session.add(
            MessagingSettings(
                loyalty_club_id=club.id,
                sms=CHANNELS["sms"],
                email=CHANNELS["email"],
                push=None,
                transports={},
            )
        )
        members = _member_rows(session, club.id)
        if not members:
            continue
        start = now - timedelta(days=context.options.days)
        week = 0
        at = start.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
        while at < now - timedelta(hours=2):
            campaign_id = 7000 + number * 1000 + week
            email_people = [m for m in members if m.marketing_via_email]
            _send(session, rng, club.id, "email", at, now, campaign_id, email_people)
            if week % 2 == 1:
                sms_people = [m for m in members if m.marketing_via_sms]
                _send(session, rng, club.id, "sms", at + timedelta(days=2, hours=6), now, campaign_id, sms_people)
            week += 1
            at += timedelta(days=7)
        session.flush()
