"""Shaping messaging rows into the API's models (Message, Channel, Template, Sending, Dispatch)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from loyaltyhub.messaging import repository
from loyaltyhub.messaging.models import Dispatch, Message, MessagingSettings, Sending
from loyaltyhub.messaging.rules import STATUS_TYPES, aggregated_status, is_cancellable, is_editable
from loyaltyhub.messaging.schemas import (
    ChannelOut,
    DispatchOut,
    MessageOut,
    MessageSendingOut,
    RecipientOut,
    SendingOut,
    SettingsOut,
    TemplateOut,
)
from loyaltyhub.messaging.service import is_marketing

SECRETS = frozenset({"password", "auth_token", "secret", "access_token"})
ADDRESS_KEYS = {"sms": "msisdn", "email": "email", "push": "app_token"}


def messages_out(session: Session, club_id: int, messages: Sequence[Message]) -> list[MessageOut]:
    ids = [m.id for m in messages]
    channels = repository.channels_of(session, club_id, ids)
    templates = repository.templates_by_id(
        session, club_id, [c.template_id for rows in channels.values() for c in rows]
    )
    statuses = repository.sending_statuses(session, club_id, ids)
    latest = repository.latest_sendings(session, club_id, ids)
    result = []
    for message in messages:
        last = latest.get(message.id)
        result.append(
            MessageOut(
                id=message.id,
                name=message.name,
                shorten_urls=message.shorten_urls,
                track_in_shortener=message.track_in_shortener,
                service=message.service,
                campaign_id=message.campaign_id,
                marketing=is_marketing(message),
                channels=[
                    ChannelOut(
                        id=c.id,
                        type=c.type,
                        sender=c.sender,
                        template=TemplateOut.model_validate(templates[c.template_id]),
                        created_at=c.created_at,
                        updated_at=c.updated_at,
                    )
                    for c in channels[message.id]
                ],
                sendings_status=aggregated_status(statuses[message.id]),
                sendings_count=len(statuses[message.id]),
                latest_sending=None if last is None else _message_sending(last),
                created_at=message.created_at,
                updated_at=message.updated_at,
            )
        )
    return result


def message_out(session: Session, message: Message) -> MessageOut:
    return messages_out(session, message.loyalty_club_id, [message])[0]


def _message_sending(sending: Sending) -> MessageSendingOut:
    return MessageSendingOut(
        id=sending.id,
        status=sending.status,
        audience_id=sending.audience_id,
        recipients_count=len(sending.recipients or []),
        dispatches_count=sending.dispatches_count,
        members_count=sending.members_count,
        scheduled_at=sending.scheduled_at,
        transmitted_at=sending.transmitted_at,
        created_at=sending.created_at,
        updated_at=sending.updated_at,
    )


def sending_out(sending: Sending) -> SendingOut:
    return SendingOut(
        id=sending.id,
        message_id=sending.message_id,
        status=sending.status,
        status_type=STATUS_TYPES[sending.status],
        draft=sending.draft,
        priority=sending.priority,
        channels_preference=sending.channels_preference,
        audience_id=sending.audience_id,
        audience=sending.audience,
        scheduled_at=sending.scheduled_at,
        scheduled_with=sending.scheduled_with,
        recipients=[RecipientOut(**r) for r in sending.recipients or []],
        properties=sending.properties or {},
        recipients_count=len(sending.recipients or []),
        members_count=sending.members_count,
        dispatches_count=sending.dispatches_count,
        skipped_count=sending.skipped_count,
        editable=is_editable(sending.status),
        cancellable=is_cancellable(sending.status),
        transmitted_at=sending.transmitted_at,
        created_by=sending.created_by,
        created_at=sending.created_at,
        updated_at=sending.updated_at,
    )


def dispatch_out(dispatch: Dispatch) -> DispatchOut:
    out = DispatchOut.model_validate(dispatch)
    if dispatch.channel in ADDRESS_KEYS and dispatch.address:
        out = out.model_copy(update={ADDRESS_KEYS[dispatch.channel]: dispatch.address})
    return out


def settings_out(channels: dict[str, dict | None], found: MessagingSettings | None) -> SettingsOut:  # type: ignore[type-arg]
    shown: dict[str, dict | None] = {}  # type: ignore[type-arg]
    for channel in ("email", "sms", "push"):
        stored = (found.transports or {}).get(channel) if found is not None else None
        shown[f"{channel}_transport"] = {k: v for k, v in stored.items() if k not in SECRETS} if stored else None
    return SettingsOut(channels=channels, **shown)
