"""The outbox's sender (``AppServices.outbox_sender``): one-time passwords and welcome messages leave
through the club's messaging transports: e-mail through its SMTP server, SMS (to an MSISDN) through its SMS
provider or SMS webhook.

Transactional priority: an outbox message is transmitted at once, in the request that wrote it, on its own
connection to the transport, not queued behind the campaign dispatches of the messaging job; a campaign of
any size never delays an OTP code. A club without a transport for the channel keeps the outbox's former
behaviour (the message is logged and kept in ``outbox_messages``). A transport error raises, which leaves
the message unsent in the outbox (:func:`loyaltyhub.members.outbox.enqueue`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, object_session

from loyaltyhub.members.models import OutboxMessage
from loyaltyhub.members.outbox import log_sender
from loyaltyhub.messaging import catalog
from loyaltyhub.messaging.delivery.transports import Outgoing, Result, SmtpConfig, SmtpTransport, Transport

OUTBOX_TIMEOUT_SECONDS = 10.0


class OutboxDeliveryFailed(RuntimeError):
    pass


def send_outbox_message(message: OutboxMessage) -> str | None:
    """Transmit ``message``; :data:`~loyaltyhub.members.outbox.KEPT` where the club has no transport for it."""
    session = object_session(message)
    if session is None:
        return log_sender(message)
    if message.channel == "email":
        transport, item = _email(session, message)
    elif message.channel == "sms":
        transport, item = _sms(session, message)
    else:
        return log_sender(message)
    if transport is None or item is None:
        return log_sender(message)
    results: list[Result] = []

    def report(_: int, result: Result) -> bool:
        results.append(result)
        return True

    transport.send([item], report)
    if not results or results[0].outcome != "transmitted":
        raise OutboxDeliveryFailed(results[0].error if results else "no result from the transport")
    return None


def _key(message: OutboxMessage) -> str:
    return f"outbox-{message.id}.club-{message.loyalty_club_id}@loyaltyhub"


def _email(session: Session, message: OutboxMessage) -> tuple[Transport | None, Outgoing | None]:
    config = catalog.email_transport(session, message.loyalty_club_id)
    sender = catalog.channel_settings(session, message.loyalty_club_id).get("email")
    if not config or not sender or not sender.get("from_email"):
        return None, None
    smtp = SmtpConfig.of(
        {
            **config,
            "timeout_seconds": min(float(config.get("timeout_seconds", 30)), OUTBOX_TIMEOUT_SECONDS),
            "connections": 1,
        }
    )
    content = {"subject": message.subject or "", "body": message.body}
    return SmtpTransport(smtp), Outgoing(_key(message), "email", message.recipient, content, sender)


def _sms(session: Session, message: OutboxMessage) -> tuple[Transport | None, Outgoing | None]:
    """An SMS through the club's SMS transport (the provider or the webhook), from the club's default SMS
    sender, on a connection of its own (not the transmitting job's)."""
    config = catalog.transport_config(session, message.loyalty_club_id, "sms")
    settings = catalog.channel_settings(session, message.loyalty_club_id).get("sms") or {}
    if not config or config.get("kind") not in ("sms_provider", "webhook"):
        return None, None
    from loyaltyhub.messaging.delivery.http_transports import SmsProvider, Webhook  # httpx, on first use

    config = {
        **config,
        "timeout_seconds": min(float(config.get("timeout_seconds", 10)), OUTBOX_TIMEOUT_SECONDS),
        "concurrency": 1,
    }
    sender = {"type": settings.get("sender_type"), "value": settings.get("sender_value") or ""}
    transport: Transport = SmsProvider(config) if config["kind"] == "sms_provider" else Webhook(config)
    return transport, Outgoing(_key(message), "sms", message.recipient, {"body": message.body}, sender)
