"""The outbox's sender (``AppServices.outbox_sender``): one-time passwords and welcome messages leave
through the club's messaging transports.

Transactional priority: an outbox message is transmitted at once, in the request that wrote it, on its own
connection to the transport, not queued behind the campaign dispatches of the messaging job; a campaign of
any size never delays an OTP code. A club without a transport for the channel keeps the outbox's former
behaviour (the message is logged and kept in ``outbox_messages``). A transport error raises, which leaves
the message unsent in the outbox (:func:`loyaltyhub.members.outbox.enqueue`).
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from loyaltyhub.members.models import OutboxMessage
from loyaltyhub.members.outbox import log_sender
from loyaltyhub.messaging import catalog
from loyaltyhub.messaging.delivery.transports import Outgoing, Result, SmtpConfig, SmtpTransport

OUTBOX_TIMEOUT_SECONDS = 10.0


class OutboxDeliveryFailed(RuntimeError):
    pass


def send_outbox_message(message: OutboxMessage) -> str | None:
    """Transmit ``message``; :data:`~loyaltyhub.members.outbox.KEPT` where the club has no transport for it."""
    session = object_session(message)
    if session is None or message.channel != "email":
        return log_sender(message)
    config = catalog.email_transport(session, message.loyalty_club_id)
    sender = catalog.channel_settings(session, message.loyalty_club_id).get("email")
    if not config or not sender or not sender.get("from_email"):
        return log_sender(message)
    smtp = SmtpConfig.of(
        {**config, "timeout_seconds": min(float(config.get("timeout_seconds", 30)), OUTBOX_TIMEOUT_SECONDS)}
    )
    item = Outgoing(
        key=f"outbox-{message.id}.club-{message.loyalty_club_id}@loyaltyhub",
        channel="email",
        address=message.recipient,
        content={"subject": message.subject or "", "body": message.body},
        sender=sender,
    )
    results: list[Result] = []

    def report(_: int, result: Result) -> bool:
        results.append(result)
        return True

    SmtpTransport(smtp).send([item], report)
    if not results or results[0].outcome != "transmitted":
        raise OutboxDeliveryFailed(results[0].error if results else "no result from the transport")
    return None
