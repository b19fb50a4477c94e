"""The providers' delivery callbacks (``/s/delivery/<club id>/<channel>``): public, authenticated by the
signature of the club's transport for the channel (:mod:`loyaltyhub.messaging.receipts`). The URL is the
one the transmitting job gave the provider (``LOYALTYHUB_LINKS_BASE_URL``), which is also what the SMS
provider's signature covers."""

from __future__ import annotations

import json
from typing import Annotated, Literal
from urllib.parse import parse_qsl

from fastapi import Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from loyaltyhub.errors import BadRequest, ValidationFailed
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRoute, LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.messaging import receipts
from loyaltyhub.messaging.links import PublicUrls


class ReceiptRoute(LoyaltyRoute):
    """The SMS provider posts a form, not JSON."""

    refuses_unexpected_body = False


router = LoyaltyRouter(prefix="/s/delivery", tags=["Links"], route_class=ReceiptRoute)

ClubId = Annotated[int, Path(ge=1, le=2**62, description="The club whose transport sent the message")]
Channel = Annotated[Literal["sms", "push"], Path(description="The channel of the club's transport")]


class WebhookReceipt(BaseModel):
    """The webhook transport's delivery report."""

    model_config = ConfigDict(extra="forbid", title="MessagingWebhookReceipt")

    id: StrictStr = Field(max_length=200, description="The idempotency key of the message (its `id` as sent)")
    status: Literal["delivered", "undelivered", "failed"]
    reason: StrictStr | None = Field(default=None, max_length=1000)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _callback_url(request: Request, club_id: int, channel: str, kind: str) -> str:
    settings = request.app.state.settings
    return PublicUrls(settings.links_base_url, settings.secret_key).delivery_callback(club_id, channel, kind)


@router.post("/{club_id}/{channel}/sms_provider", status_code=204, responses=errors(403, 404, 422))
def sms_provider_status(
    request: Request, session: SessionDep, club_id: ClubId, channel: Channel, body: RawBody
) -> Response:
    """The SMS provider's status callback: a final status (``delivered``, ``undelivered``, ``failed`` with
    its ``ErrorCode``) becomes the dispatch's delivery status; other statuses are acknowledged."""
    try:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Malformed form")
    url = _callback_url(request, club_id, channel, "sms_provider")
    receipts.check_sms_provider(session, club_id, channel, url, params, request.headers.get("X-Twilio-Signature"))
    receipts.sms_status(session, club_id, channel, dict(params))
    return Response(status_code=204)


@router.post("/{club_id}/{channel}/webhook", status_code=204, responses=errors(400, 403, 404, 422))
def webhook_status(request: Request, session: SessionDep, club_id: ClubId, channel: Channel, body: RawBody) -> Response:
    """The signed JSON webhook's delivery callback (signed like the webhook's own requests)."""
    receipts.check_webhook(
        session,
        club_id,
        channel,
        body,
        request.headers.get("X-Loyaltyhub-Timestamp"),
        request.headers.get("X-Loyaltyhub-Signature"),
    )
    try:
        decoded = json.loads(body)
    except ValueError:
        raise BadRequest("Malformed JSON body")
    try:
        payload = WebhookReceipt.model_validate(decoded, strict=True)
    except ValidationError as exc:
        raise ValidationFailed.at(
            tuple(str(p) for p in exc.errors()[0]["loc"]) or ("base",), "invalid", message=exc.errors()[0]["msg"]
        )
    receipts.webhook_status(session, club_id, channel, payload.model_dump())
    return Response(status_code=204)
