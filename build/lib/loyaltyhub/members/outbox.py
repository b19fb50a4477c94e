"""Messages to members (one-time passwords, welcome messages) through an outbox.

Every message is written to ``outbox_messages`` in the request's transaction and handed to the app's
sender (``AppServices.outbox_sender``, chosen in :mod:`loyaltyhub.wiring`). The default sender only logs
that a message is waiting, never its recipient or body (a one-time password, personal data): the outbox
row is the record, where a developer reads a code. A sender that raises leaves ``sent_at`` empty: the row
stays in the outbox for a retry and the request still succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.members.models import OutboxMessage
from loyaltyhub.services import services_of

log = logging.getLogger(__name__)

Sender = Callable[[OutboxMessage], None]


def log_sender(message: OutboxMessage) -> None:
    log.info(
        "outbox %s message %s (id %s, club %s) kept in outbox_messages; no gateway configured",
        message.channel,
        message.kind,
        message.id,
        message.loyalty_club_id,
    )


def enqueue(
    session: Session,
    *,
    loyalty_club_id: int,
    member_id: int | None,
    channel: str,
    recipient: str,
    kind: str,
    body: str,
    subject: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        loyalty_club_id=loyalty_club_id,
        member_id=member_id,
        channel=channel,
        recipient=recipient,
        kind=kind,
        subject=subject,
        body=body,
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    try:
        services_of(session).outbox_sender(message)
    except Exception:
        log.exception("sending outbox message %s failed; it stays unsent", message.id)
    else:
        message.sent_at = utcnow()
        session.flush()
    return message
