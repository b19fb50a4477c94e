"""Messaging records written directly (for the isolation walk and tests that need rows, not HTTP)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.messaging.models import Message, MessageChannel, MessageTemplate, SenderIdentity, Sending


def template(session: Session, club: LoyaltyClub, *, standalone: bool = True) -> MessageTemplate:
    row = MessageTemplate(
        loyalty_club_id=club.id, standalone=standalone, type="plain", content={"body": "Hi {{ member.first_name }}"}
    )
    session.add(row)
    session.flush()
    return row


def message(session: Session, club: LoyaltyClub, service: str = "generic") -> Message:
    row = Message(loyalty_club_id=club.id, service=service, name="m", shorten_urls=True, track_in_shortener=False)
    session.add(row)
    session.flush()
    owned = template(session, club, standalone=False)
    session.add(
        MessageChannel(
            loyalty_club_id=club.id,
            message_id=row.id,
            type="sms",
            sender={"type": "alphanumeric", "value": "Club"},
            template_id=owned.id,
        )
    )
    session.flush()
    return row


def sending(session: Session, club: LoyaltyClub, status: str = "draft", service: str = "generic") -> Sending:
    row = Sending(
        loyalty_club_id=club.id,
        message_id=message(session, club, service).id,
        status=status,
        draft=status == "draft",
        priority=5,
        recipients=[],
        properties={},
    )
    session.add(row)
    session.flush()
    return row


def sender_identity(session: Session, club: LoyaltyClub) -> SenderIdentity:
    row = SenderIdentity(loyalty_club_id=club.id, type="sms", sender_type="alphanumeric", value="Club")
    session.add(row)
    session.flush()
    return row
