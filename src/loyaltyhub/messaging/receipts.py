"""Delivery receipts: what a provider reports after it took a message (delivered to the handset or
mailbox, or given up with a reason), recorded on the dispatch as its ``delivery_status``.

Two callbacks, each authenticated with the secret of the club's transport it answers for:

* the SMS provider's status callback (Twilio-style): a form POST with ``MessageSid``, ``MessageStatus``
  (``queued``, ``sending``, ``sent``, ``delivered``, ``undelivered``, ``failed``...) and ``ErrorCode``,
  signed with ``X-Twilio-Signature``: Base64 of HMAC-SHA1, under the account's auth token, of the callback
  URL followed by every form parameter's name and value in name order;
* the signed JSON webhook's callback: ``{"id": <the idempotency key sent>, "status": "delivered" |
  "undelivered" | "failed", "reason"}`` with ``X-Loyaltyhub-Timestamp`` and ``X-Loyaltyhub-Signature``
  computed as for the webhook's own requests, under the same secret, the timestamp within five minutes.

Only a final status changes the dispatch, and only the first one (providers repeat callbacks and may send
them out of order): recording is idempotent. A member's delivered dispatch is the member event
``sending_delivered``, in the transaction that records it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.digits import decimal
from loyaltyhub.errors import Forbidden, NotFound, ValidationFailed
from loyaltyhub.messaging import catalog
from loyaltyhub.messaging.delivery.signing import signature
from loyaltyhub.messaging.models import Dispatch
from loyaltyhub.services import ResourceChange, notify_change

SMS_FINAL = {"delivered": "delivered", "undelivered": "undelivered", "failed": "undelivered"}
"""The SMS provider's final statuses; the others (``accepted``, ``queued``, ``sending``, ``sent``...) are
steps on the way and change nothing."""
WEBHOOK_FINAL = {"delivered": "delivered", "undelivered": "undelivered", "failed": "undelivered"}
MAX_CLOCK_SKEW_SECONDS = 300
KEY = re.compile(r"^dispatch-(\d{1,18})\.club-(\d{1,18})@loyaltyhub$")


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """``X-Twilio-Signature`` of a callback to ``url`` with form ``params``."""
    data = url + "".join(name + value for name, value in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def _transport(session: Session, club_id: int, channel: str, kind: str) -> dict[str, Any]:
    config = catalog.transport_config(session, club_id, channel) if channel in ("sms", "push", "email") else None
    if not config or config.get("kind") != kind:
        raise NotFound("Delivery callback not found")
    return config


def check_sms_provider(
    session: Session, club_id: int, channel: str, url: str, params: list[tuple[str, str]], given: str | None
) -> None:
    """403 unless ``given`` is the signature of this callback under the club's SMS provider auth token."""
    config = _transport(session, club_id, channel, "sms_provider")
    expected = twilio_signature(str(config.get("auth_token") or ""), url, params)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("Invalid signature")


def check_webhook(
    session: Session, club_id: int, channel: str, body: bytes, timestamp: str | None, given: str | None
) -> None:
    """403 unless the body is signed with the club's webhook secret at a time within five minutes."""
    config = _transport(session, club_id, channel, "webhook")
    sent_at = decimal(timestamp)
    if sent_at is None or abs(time.time() - sent_at) > MAX_CLOCK_SKEW_SECONDS:
        raise Forbidden("Invalid signature")
    expected = signature(str(config["secret"]), timestamp, body)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("Invalid signature")


def sms_status(session: Session, club_id: int, channel: str, params: dict[str, str]) -> Dispatch | None:
    """Apply an SMS provider's status callback; the dispatch it is about (``None``: not a final status)."""
    sid = params.get("MessageSid") or params.get("SmsSid")
    status = params.get("MessageStatus") or params.get("SmsStatus")
    if not sid or not status:
        raise ValidationFailed.at(("MessageSid" if not sid else "MessageStatus",), "blank")
    dispatch = session.execute(
        select(Dispatch).where(
            in_club(Dispatch, club_id), Dispatch.provider_message_id == sid[:200], Dispatch.channel == channel
        )
    ).scalar_one_or_none()
    if dispatch is None:
        raise NotFound("Message not found")
    final = SMS_FINAL.get(status.lower())
    if final is None:
        return None
    code = params.get("ErrorCode")
    reason = None
    if final != "delivered":
        reason = f"{status.lower()}" + (f": error {code}" if code else "")
        if params.get("ErrorMessage"):
            reason += f" {params['ErrorMessage']}"
    record_delivery(session, dispatch, final, reason)
    return dispatch


def webhook_status(session: Session, club_id: int, channel: str, payload: dict[str, Any]) -> Dispatch:
    """Apply the webhook's delivery callback (its body already validated)."""
    found = KEY.match(payload["id"])
    if found is None or int(found.group(2)) != club_id:
        raise NotFound("Message not found")
    dispatch = session.execute(
        select(Dispatch).where(
            in_club(Dispatch, club_id), Dispatch.id == int(found.group(1)), Dispatch.channel == channel
        )
    ).scalar_one_or_none()
    if dispatch is None:
        raise NotFound("Message not found")
    final = WEBHOOK_FINAL[payload["status"]]
    reason = payload.get("reason") if final != "delivered" else None
    record_delivery(session, dispatch, final, (reason or payload["status"])[:1000] if final != "delivered" else None)
    return dispatch


def record_delivery(
    session: Session, dispatch: Dispatch, status: str, reason: str | None, at: datetime | None = None
) -> bool:
    """Record the first final delivery status of ``dispatch`` (``delivered`` or ``undelivered`` with the
    provider's reason); whether it changed anything. A later or repeated report changes nothing."""
    now = at or utcnow()
    changed = session.execute(
        update(Dispatch)
        .where(
            in_club(Dispatch, dispatch.loyalty_club_id),
            Dispatch.id == dispatch.id,
            Dispatch.delivery_status == "unknown",
        )
        .values(delivery_status=status, delivery_error=reason, delivery_reported_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(dispatch)
    if not changed:
        return False
    if status == "delivered" and dispatch.member_id is not None:
        data = {"id": dispatch.id, "sending_id": dispatch.sending_id, "channel": dispatch.channel}
        change = ResourceChange(
            "dispatch", "delivered", dispatch.loyalty_club_id, dispatch.id, now, data, member_id=dispatch.member_id
        )
        notify_change(session, change)
    return True
