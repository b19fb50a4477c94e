"""Messages to members (one-time passwords, welcome messages) through an outbox.

Every message is written to ``outbox_messages`` in the request's transaction and handed to the app's
sender (``AppServices.outbox_sender``, chosen in :mod:`loyaltyhub.wiring`). The default sender only logs
that a message is waiting, never its recipient or body (a one-time password, personal data): the outbox
row is the record, where a developer reads a code. A sender that raises leaves ``sent_at`` empty and the
request still succeeds.

**Secrets do not stay usable at rest** (issue #14, defect 5): a message carrying a one-time password or an
account link names it in ``secret``; once the sender has taken the message (a transport delivered it) or
failed to (nothing retries a code: the member asks for a new one), the stored body has the secret replaced by
:data:`REMOVED`. Only a sender that delivers nothing and says so (:data:`KEPT`: the default log sender, where
no gateway is configured and the row is the only copy) leaves the body whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.members.models import OutboxMessage
from loyaltyhub.services import services_of

log = logging.getLogger(__name__)

Sender = Callable[[OutboxMessage], object]

KEPT = "kept"
"""What a sender returns when it delivered nothing and the outbox row is where the message is read."""
REMOVED = "[removed after delivery]"


def log_sender(message: OutboxMessage) -> str:
    log.info(
        "outbox %s message %s (id %s, club %s) kept in outbox_messages; no gateway configured",
        message.channel,
        message.kind,
        message.id,
        message.loyalty_club_id,
    )
    return KEPT


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
    secret: str | None = None,
) -> OutboxMessage:
    """Write a message and hand it to the app's sender; ``secret`` (a code, a token in ``body``) is removed
    from the stored body once the sender took the message or failed to."""
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
        outcome = services_of(session).outbox_sender(message)
    except Exception:
        log.exception("sending outbox message %s failed; it stays unsent", message.id)
        outcome = None
    else:
        message.sent_at = utcnow()
    if secret and outcome != KEPT:
        message.body = message.body.replace(secret, REMOVED)
    session.flush()
    return message
