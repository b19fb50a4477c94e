"""Tenant-scoped reads of messaging."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound
from loyaltyhub.http.pagination import Page, count_of
from loyaltyhub.messaging.models import (
    Dispatch,
    Message,
    MessageChannel,
    MessageTemplate,
    MessagingSettings,
    SenderIdentity,
    Sending,
)
from loyaltyhub.schemas import PaginationInfo


def settings_of(session: Session, club_id: int) -> MessagingSettings | None:
    return session.execute(select(MessagingSettings).where(in_club(MessagingSettings, club_id))).scalar_one_or_none()


def templates(club_id: int) -> Select[tuple[MessageTemplate]]:
    return (
        select(MessageTemplate)
        .where(in_club(MessageTemplate, club_id), MessageTemplate.standalone.is_(True))
        .order_by(MessageTemplate.id.desc())
    )


def template(session: Session, club_id: int, template_id: int, *, standalone: bool | None = True) -> MessageTemplate:
    statement = select(MessageTemplate).where(in_club(MessageTemplate, club_id), MessageTemplate.id == template_id)
    if standalone is not None:
        statement = statement.where(MessageTemplate.standalone.is_(standalone))
    found = session.execute(statement).scalar_one_or_none()
    if found is None:
        raise NotFound("Template not found")
    return found


def template_or_none(session: Session, club_id: int, template_id: int) -> MessageTemplate | None:
    return session.execute(
        select(MessageTemplate).where(in_club(MessageTemplate, club_id), MessageTemplate.id == template_id)
    ).scalar_one_or_none()


def templates_by_id(session: Session, club_id: int, ids: Sequence[int]) -> dict[int, MessageTemplate]:
    if not ids:
        return {}
    rows = session.execute(
        select(MessageTemplate).where(in_club(MessageTemplate, club_id), MessageTemplate.id.in_(list(ids)))
    ).scalars()
    return {t.id: t for t in rows}


def sender_identities(club_id: int) -> Select[tuple[SenderIdentity]]:
    return select(SenderIdentity).where(in_club(SenderIdentity, club_id)).order_by(SenderIdentity.id)


def sender_identity(session: Session, club_id: int, identity_id: int) -> SenderIdentity | None:
    return session.execute(
        select(SenderIdentity).where(in_club(SenderIdentity, club_id), SenderIdentity.id == identity_id)
    ).scalar_one_or_none()


def messages(club_id: int, service: str) -> Select[tuple[Message]]:
    return (
        select(Message)
        .where(in_club(Message, club_id), Message.service == service, Message.deleted_at.is_(None))
        .order_by(Message.id.desc())
    )


def message(session: Session, club_id: int, service: str, message_id: int) -> Message:
    found = session.execute(messages(club_id, service).where(Message.id == message_id)).scalar_one_or_none()
    if found is None:
        raise NotFound("Message not found")
    return found


def channels_of(session: Session, club_id: int, message_ids: Sequence[int]) -> dict[int, list[MessageChannel]]:
    result: dict[int, list[MessageChannel]] = {i: [] for i in message_ids}
    if not message_ids:
        return result
    rows = session.execute(
        select(MessageChannel)
        .where(in_club(MessageChannel, club_id), MessageChannel.message_id.in_(list(message_ids)))
        .order_by(MessageChannel.message_id, MessageChannel.position)
    ).scalars()
    for channel in rows:
        result[channel.message_id].append(channel)
    return result


def sending_statuses(session: Session, club_id: int, message_ids: Sequence[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {i: [] for i in message_ids}
    if not message_ids:
        return result
    rows = session.execute(
        select(Sending.message_id, Sending.status).where(
            in_club(Sending, club_id), Sending.message_id.in_(list(message_ids))
        )
    )
    for message_id, status in rows:
        result[message_id].append(status)
    return result


def latest_sendings(session: Session, club_id: int, message_ids: Sequence[int]) -> dict[int, Sending]:
    if not message_ids:
        return {}
    latest = (
        select(func.max(Sending.id))
        .where(in_club(Sending, club_id), Sending.message_id.in_(list(message_ids)))
        .group_by(Sending.message_id)
    )
    rows = session.execute(select(Sending).where(in_club(Sending, club_id), Sending.id.in_(latest))).scalars()
    return {s.message_id: s for s in rows}


def sendings_of_message(session: Session, club_id: int, message_id: int) -> list[Sending]:
    return list(
        session.execute(
            select(Sending).where(in_club(Sending, club_id), Sending.message_id == message_id).order_by(Sending.id)
        ).scalars()
    )


def sending(session: Session, club_id: int, service: str, sending_id: int, *, lock: bool = False) -> Sending:
    """A sending of a live message of ``service`` in the club (404 otherwise)."""
    statement = (
        select(Sending)
        .join(Message, Message.id == Sending.message_id)
        .where(
            in_club(Sending, club_id),
            in_club(Message, club_id),
            Sending.id == sending_id,
            Message.service == service,
            Message.deleted_at.is_(None),
        )
    )
    if lock:
        statement = statement.with_for_update(of=Sending)
    found = session.execute(statement).scalar_one_or_none()
    if found is None:
        raise NotFound("Sending not found")
    return found


def message_names(session: Session, club_id: int, message_ids: Sequence[int]) -> dict[int, str]:
    """The names of the club's messages among ``message_ids`` (the console's chart labels)."""
    if not message_ids:
        return {}
    statement = select(Message.id, Message.name).where(in_club(Message, club_id), Message.id.in_(message_ids))
    return {row.id: row.name for row in session.execute(statement)}


def message_of(session: Session, sending: Sending) -> Message:
    return session.execute(
        select(Message).where(in_club(Message, sending.loyalty_club_id), Message.id == sending.message_id)
    ).scalar_one()


def dispatches(club_id: int, sending_id: int, filters: dict[str, Any]) -> Select[tuple[Dispatch]]:
    statement = select(Dispatch).where(in_club(Dispatch, club_id), Dispatch.sending_id == sending_id)
    for column in ("transmission_status", "delivery_status", "member_id"):
        if filters.get(column) is not None:
            statement = statement.where(getattr(Dispatch, column) == filters[column])
    for channel, key in (("sms", "msisdn"), ("email", "email"), ("push", "app_token")):
        if filters.get(key) is not None:
            statement = statement.where(Dispatch.channel == channel, Dispatch.address == filters[key])
    return statement.order_by(Dispatch.id)


def dispatch_members(club_id: int, sending_id: int, filters: dict[str, Any]) -> Select[Any]:
    inner = dispatches(club_id, sending_id, filters).where(Dispatch.member_id.is_not(None)).order_by(None)
    sub = inner.subquery()
    return (
        select(
            sub.c.member_id,
            func.count().label("dispatches_count"),
            func.max(sub.c.transmission_status).label("transmission_status"),
            func.max(sub.c.delivery_status).label("delivery_status"),
        )
        .group_by(sub.c.member_id)
        .order_by(sub.c.member_id)
    )


def page_of_rows(session: Session, statement: Select[Any], page: Page) -> tuple[list[dict[str, Any]], PaginationInfo]:
    rows = session.execute(page.apply(statement)).mappings().all()
    return [dict(row) for row in rows], page.info(count_of(session, statement))


def dispatch_status_counts(
    session: Session, club_id: int, sending_ids: Sequence[int]
) -> dict[int, dict[str, dict[str, int]]]:
    """Per sending, its dispatches counted by transmission status and by delivery status (the results)."""
    result: dict[int, dict[str, dict[str, int]]] = {i: {"transmission": {}, "delivery": {}} for i in sending_ids}
    if not sending_ids:
        return result
    rows = session.execute(
        select(Dispatch.sending_id, Dispatch.transmission_status, Dispatch.delivery_status, func.count())
        .where(in_club(Dispatch, club_id), Dispatch.sending_id.in_(list(sending_ids)))
        .group_by(Dispatch.sending_id, Dispatch.transmission_status, Dispatch.delivery_status)
    )
    for sending_id, transmission, delivery, count in rows:
        counts = result[sending_id]
        counts["transmission"][transmission] = counts["transmission"].get(transmission, 0) + count
        counts["delivery"][delivery] = counts["delivery"].get(delivery, 0) + count
    return result


def member_dispatches(session: Session, club_id: int, member_id: int, limit: int = 20) -> list[Any]:
    """A member's latest dispatches with their message's id, name and service (the console's profile)."""
    rows = session.execute(
        select(Dispatch, Message.id, Message.name, Message.service)
        .join(Sending, (Sending.id == Dispatch.sending_id) & in_club(Sending, club_id))
        .join(Message, (Message.id == Sending.message_id) & in_club(Message, club_id))
        .where(in_club(Dispatch, club_id), Dispatch.member_id == member_id)
        .order_by(Dispatch.id.desc())
        .limit(limit)
    )
    return list(rows)
