"""Messages and sendings: create, update, duplicate, delete, schedule and cancel (they flush, never commit)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.system import system_access
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import Forbidden, NotFound, NotPossible, ValidationFailed, details_tree
from loyaltyhub.members.derived import normalize_msisdn
from loyaltyhub.members.models import Member
from loyaltyhub.members.properties import normalize_email
from loyaltyhub.messaging import catalog, repository
from loyaltyhub.messaging.audience import check_audience
from loyaltyhub.messaging.models import Dispatch, Message, MessageChannel, Sending
from loyaltyhub.messaging.rules import (
    DEFAULT_PRIORITY,
    NOT_CANCELLABLE,
    NOT_EDITABLE,
    PRIORITY_FORBIDDEN,
    SERVICES,
    initial_status,
    is_cancellable,
    is_editable,
    parse_relative,
    scheduled_time,
)
from loyaltyhub.messaging.templating import CHANNEL_TEMPLATES, ErrorList

Path = tuple[str | int, ...]
IN_PROGRESS = frozenset({"preparing", "prepared", "transmitting"})
MESSAGE_BUSY = "Message is being sent - cancel its sendings in progress first"


def _raise(errors: ErrorList) -> None:
    if errors:
        raise ValidationFailed(details_tree(errors))


def is_marketing(message: Message) -> bool:
    return message.marketing if message.marketing is not None else SERVICES[message.service].marketing


# --- messages ----------------------------------------------------------------------------------------


def _check_message(access: ClubAccess, service: str, body: dict[str, Any], *, creating: bool) -> ErrorList:
    errors: ErrorList = []
    if "marketing" in body and body["marketing"] is not None:
        access.require(permits.SENDINGS_WITHOUT_CONSENTS_CHECKS)
    if body.get("campaign_id") is not None and service != "campaigns":
        errors.append((("message", "campaign_id"), "is_relevant_only_for_campaign_service", {}))
    channels = body.get("channels")
    if creating and not channels:
        errors.append((("message", "channels"), "blank", {}))
    if channels:
        types = [c["type"] for c in channels]
        if len(set(types)) != len(types):
            errors.append((("message", "channels"), "types_must_be_unique", {}))
    return errors


def _build_channels(
    session: Session, club_id: int, message: Message, channels: list[dict[str, Any]], errors: ErrorList
) -> list[MessageChannel]:
    """Check every channel and build it (its template copied from the reference or made inline)."""
    configured = catalog.channel_settings(session, club_id)
    built: list[tuple[dict[str, Any], dict[str, Any], Any]] = []
    for index, channel in enumerate(channels):
        path: Path = ("message", "channels", index)
        kind = channel["type"]
        if configured.get(kind) is None:
            errors.append(((*path, "type"), "not_configured", {}))
            continue
        sender = _sender(session, club_id, kind, channel.get("sender") or {}, configured[kind] or {}, path, errors)
        template = _channel_template(session, club_id, kind, channel["template"], (*path, "template"), errors)
        if sender is not None and template is not None:
            built.append((channel, sender, template))
    if errors:
        return []
    result = []
    for position, (channel, sender, template) in enumerate(built):
        if isinstance(template, dict):
            template = catalog.create_template(session, club_id, template, ("template",), standalone=False)
        else:
            template = catalog.copy_template(session, template)
        row = MessageChannel(
            loyalty_club_id=club_id,
            message_id=message.id,
            position=position,
            type=channel["type"],
            sender=sender,
            template_id=template.id,
        )
        session.add(row)
        result.append(row)
    session.flush()
    return result


def _sender(
    session: Session,
    club_id: int,
    kind: str,
    given: dict[str, Any],
    defaults: dict[str, Any],
    path: Path,
    errors: ErrorList,
) -> dict[str, Any] | None:
    """The channel's sender: given, from a sender identity, or the club's defaults (doc-354471)."""
    path = (*path, "sender")
    if given.get("identity_id") is not None:
        identity = repository.sender_identity(session, club_id, given["identity_id"])
        if identity is None or identity.type != ("sms" if kind == "sms" else "email"):
            errors.append(((*path, "identity_id"), "not_found", {}))
            return None
        if kind == "sms":
            return {"type": identity.sender_type, "value": identity.value}
        return {"from_email": identity.from_email, "from_name": identity.from_name}
    if kind == "sms":
        kind_given, value = given.get("type"), given.get("value")
        if kind_given is None and value is None:
            return {"type": defaults.get("sender_type"), "value": defaults.get("sender_value")}
        checked = catalog.sms_sender(kind_given, value, path, errors)
        return {"type": checked[0], "value": checked[1]} if checked else None
    if kind == "email":
        address = given.get("from_email") or defaults.get("from_email")
        name = given.get("from_name") if given.get("from_name") is not None else defaults.get("from_name")
        checked_email = catalog.email_sender(address, name, path, errors)
        return {"from_email": checked_email[0], "from_name": checked_email[1]} if checked_email else None
    return {}


def _channel_template(
    session: Session, club_id: int, channel: str, given: dict[str, Any], path: Path, errors: ErrorList
) -> Any:
    if given["type"] == "reference":
        if given.get("id") is None:
            errors.append(((*path, "id"), "blank", {}))
            return None
        found = repository.template_or_none(session, club_id, given["id"])
        if found is None or not found.standalone:
            errors.append(((*path, "id"), "not_found", {}))
            return None
        if found.type not in CHANNEL_TEMPLATES[channel]:
            errors.append(((*path, "id"), "invalid_for_channel", {"in": list(CHANNEL_TEMPLATES[channel])}))
            return None
        return found
    key = "definition" if given.get("definition") is not None else "data"
    definition = given.get(key)
    if definition is None:
        errors.append(((*path, "definition"), "blank", {}))
        return None
    if definition["type"] not in CHANNEL_TEMPLATES[channel]:
        errors.append(((*path, key, "type"), "invalid_for_channel", {"in": list(CHANNEL_TEMPLATES[channel])}))
        return None
    return catalog.check_definition(session, club_id, definition, (*path, key), errors)


def create_message(session: Session, access: ClubAccess, service: str, body: dict[str, Any]) -> Message:
    errors = _check_message(access, service, body, creating=True)
    if body.get("sending") is not None:
        access.require(permits.SENDINGS_CREATE)
    _raise(errors)
    message = Message(
        loyalty_club_id=access.club_id,
        service=service,
        name=body.get("name"),
        shorten_urls=body.get("shorten_urls") if body.get("shorten_urls") is not None else True,
        track_in_shortener=bool(body.get("track_in_shortener")),
        campaign_id=body.get("campaign_id"),
        marketing=body.get("marketing"),
    )
    session.add(message)
    session.flush()
    _build_channels(session, access.club_id, message, body["channels"], errors)
    sending = body.get("sending")
    _raise(errors)
    if sending is not None:
        create_sending(session, access, message, sending, path=("message", "sending"))
    return message


def in_progress(session: Session, message: Message) -> bool:
    statuses = repository.sending_statuses(session, message.loyalty_club_id, [message.id])[message.id]
    return any(s in IN_PROGRESS for s in statuses)


def update_message(session: Session, access: ClubAccess, message: Message, body: dict[str, Any]) -> Message:
    if "sending" in body:
        raise ValidationFailed.at(("message", "sending"), "available_only_on_creation")
    errors = _check_message(access, message.service, body, creating=False)
    _raise(errors)
    if "channels" in body:
        if body["channels"] is None:
            raise ValidationFailed.at(("message", "channels"), "blank")
        if in_progress(session, message):
            raise NotPossible(MESSAGE_BUSY)
        old = repository.channels_of(session, message.loyalty_club_id, [message.id])[message.id]
        for channel in old:
            session.delete(channel)
        session.flush()
        _build_channels(session, message.loyalty_club_id, message, body["channels"], errors)
        _raise(errors)
    for key in ("name", "campaign_id", "marketing"):
        if key in body:
            setattr(message, key, body[key])
    for key in ("shorten_urls", "track_in_shortener"):
        if key in body:
            if body[key] is None:
                raise ValidationFailed.at(("message", key), "blank")
            setattr(message, key, body[key])
    message.updated_at = utcnow()
    session.flush()
    return message


def duplicate_message(session: Session, message: Message) -> Message:
    """A copy of the message and its channels (templates copied), without sendings."""
    copy = Message(
        loyalty_club_id=message.loyalty_club_id,
        service=message.service,
        name=message.name,
        shorten_urls=message.shorten_urls,
        track_in_shortener=message.track_in_shortener,
        campaign_id=message.campaign_id,
        marketing=message.marketing,
    )
    session.add(copy)
    session.flush()
    channels = repository.channels_of(session, message.loyalty_club_id, [message.id])[message.id]
    templates = repository.templates_by_id(session, message.loyalty_club_id, [c.template_id for c in channels])
    for channel in channels:
        template = catalog.copy_template(session, templates[channel.template_id])
        session.add(
            MessageChannel(
                loyalty_club_id=copy.loyalty_club_id,
                message_id=copy.id,
                position=channel.position,
                type=channel.type,
                sender=dict(channel.sender),
                template_id=template.id,
            )
        )
    session.flush()
    return copy


def delete_message(session: Session, message: Message) -> None:
    """Hide the message; its drafts and scheduled sendings are cancelled, sent ones stay in the history.
    A message with a sending in progress must have it cancelled first (405)."""
    if in_progress(session, message):
        raise NotPossible(MESSAGE_BUSY)
    now = utcnow()
    session.execute(
        update(Sending)
        .where(
            in_club(Sending, message.loyalty_club_id),
            Sending.message_id == message.id,
            Sending.status.in_(("draft", "scheduled")),
        )
        .values(status="cancelled", finished_reason="message deleted", updated_at=now)
    )
    message.deleted_at = now
    session.flush()


# --- sendings ----------------------------------------------------------------------------------------


def _check_recipients(
    session: Session, club_id: int, channels: list[str], recipients: list[dict[str, Any]], path: Path, errors: ErrorList
) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    member_ids = [r["member_id"] for r in recipients if r.get("member_id") is not None]
    known = set()
    if member_ids:
        known = set(
            session.execute(
                select(Member.id).where(
                    in_club(Member, club_id), Member.id.in_(member_ids), Member.deleted_at.is_(None)
                )
            ).scalars()
        )
    for index, recipient in enumerate(recipients):
        at = (*path, index)
        item = {
            "member_id": recipient.get("member_id"),
            "msisdn": None,
            "email": None,
            "app_token": recipient.get("app_token"),
            "properties": recipient.get("properties") or {},
        }
        if item["member_id"] is not None:
            if item["member_id"] not in known:
                errors.append(((*at, "member_id"), "not_found", {}))
            cleaned.append({**item, "app_token": None})
            continue
        if recipient.get("email") is not None:
            item["email"] = normalize_email(recipient["email"])
            if item["email"] is None:
                errors.append(((*at, "email"), "invalid_email", {}))
        if recipient.get("msisdn") is not None:
            item["msisdn"] = normalize_msisdn(recipient["msisdn"], None)
            if item["msisdn"] is None:
                errors.append(((*at, "msisdn"), "invalid_msisdn", {}))
        relevant = {"sms": "msisdn", "email": "email", "push": "app_token"}
        if not any(item[relevant[c]] for c in channels) and not any(recipient.get(relevant[c]) for c in channels):
            errors.append((at, "identifier_required", {"one_of": [relevant[c] for c in channels]}))
        cleaned.append(item)
    return cleaned


def _apply_sending(
    session: Session,
    access: ClubAccess,
    message: Message,
    sending: Sending,
    body: dict[str, Any],
    path: Path,
) -> None:
    errors: ErrorList = []
    club_id = access.club_id
    if body.get("priority") is not None and permits.SENDINGS_SET_PRIORITY not in access.permits:
        raise Forbidden(PRIORITY_FORBIDDEN)
    channels = [c.type for c in repository.channels_of(session, club_id, [message.id])[message.id]]
    if "schedule" in body:
        schedule = body["schedule"]
        if schedule is not None:
            if schedule["type"] == "absolute":
                if schedule.get("at") is None:
                    errors.append(((*path, "schedule", "at"), "blank", {}))
            elif schedule["type"] == "relative":
                if schedule.get("in") is None:
                    errors.append(((*path, "schedule", "in"), "blank", {}))
                elif parse_relative(schedule["in"]) is None:
                    errors.append(
                        ((*path, "schedule", "in"), "invalid_format", {"format": "<n> minutes|hours|days|weeks"})
                    )
        sending.scheduled_with = _jsonable_schedule(schedule)
    if "audience" in body:
        if body["audience"] is None:
            sending.audience, sending.audience_id = None, None
        else:
            checked = check_audience(session, club_id, body["audience"], (*path, "audience"), errors)
            if checked is not None:
                sending.audience, sending.audience_id = checked
    if "recipients" in body:
        sending.recipients = _check_recipients(
            session, club_id, channels, body["recipients"] or [], (*path, "recipients"), errors
        )
    if "channels_preference" in body:
        preference = body["channels_preference"]
        if preference is not None and (len(set(preference)) != len(preference)):
            errors.append(((*path, "channels_preference"), "types_must_be_unique", {}))
        sending.channels_preference = preference
    if "properties" in body:
        sending.properties = body["properties"] or {}
    if "priority" in body:
        sending.priority = body["priority"] or DEFAULT_PRIORITY
    if "draft" in body:
        sending.draft = bool(body["draft"])
    _raise(errors)
    sending.status = initial_status(draft=sending.draft, has_schedule=sending.scheduled_with is not None)
    now = utcnow()
    if sending.status == "scheduled":
        if not sending.audience and not sending.recipients:
            raise ValidationFailed.at(path, "sending_must_have_audience_or_recipients")
        assert sending.scheduled_with is not None
        at = scheduled_time(_schedule_values(sending.scheduled_with), now, access.club.timezone)
        if sending.scheduled_with["type"] == "absolute" and at < now.replace(microsecond=0):
            raise ValidationFailed.at((*path, "schedule", "at"), "in_the_past")
        sending.scheduled_at = at
    else:
        sending.scheduled_at = None
    sending.updated_at = now


def _jsonable_schedule(schedule: dict[str, Any] | None) -> dict[str, Any] | None:
    if schedule is None:
        return None
    result: dict[str, Any] = {"type": schedule["type"]}
    if schedule["type"] == "absolute" and schedule.get("at") is not None:
        result["at"] = schedule["at"].isoformat()
    if schedule["type"] == "relative":
        result["in"] = schedule.get("in")
    return result


def _schedule_values(stored: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime

    values = dict(stored)
    if values["type"] == "absolute":
        values["at"] = datetime.fromisoformat(values["at"])
    return values


def create_sending(
    session: Session, access: ClubAccess, message: Message, body: dict[str, Any], path: Path = ("sending",)
) -> Sending:
    sending = Sending(
        loyalty_club_id=access.club_id,
        message_id=message.id,
        status="draft",
        draft=False,
        priority=DEFAULT_PRIORITY,
        recipients=[],
        properties={},
        created_by=access.principal.actor_key,
    )
    body = {"schedule": None, **body}
    _apply_sending(session, access, message, sending, body, path)
    session.add(sending)
    session.flush()
    return sending


def update_sending(
    session: Session, access: ClubAccess, message: Message, sending: Sending, body: dict[str, Any]
) -> Sending:
    """Partial: only the attributes present change (``null`` removes); ``recipients`` replaces them all."""
    if not is_editable(sending.status):
        raise NotPossible(NOT_EDITABLE)
    _apply_sending(session, access, message, sending, body, ("sending",))
    session.flush()
    return sending


def cancel_sending(session: Session, sending: Sending) -> Sending:
    """Stop a sending in progress: its status becomes ``cancelled`` and every dispatch not yet transmitted is
    cancelled in the same transaction; the dispatch job checks the status before each transmission."""
    if not is_cancellable(sending.status):
        raise NotPossible(NOT_CANCELLABLE)
    now = utcnow()
    sending.status = "cancelled"
    sending.finished_reason = "cancelled by API client"
    sending.updated_at = now
    session.execute(
        update(Dispatch)
        .where(
            in_club(Dispatch, sending.loyalty_club_id),
            Dispatch.sending_id == sending.id,
            Dispatch.transmission_status.in_(("pending", "retrying")),
        )
        .values(transmission_status="cancelled", updated_at=now, claimed_by=None, lease_until=None)
    )
    session.flush()
    return sending


def use_service(access: ClubAccess, name: str) -> str:
    """The service of the path: 404 when unknown, 403 without its permit (doc-341736)."""
    from loyaltyhub.messaging.rules import SERVICE_FORBIDDEN

    service = SERVICES.get(name)
    if service is None:
        raise NotFound(f"Service {name} not found")
    if service.permit is not None and service.permit not in access.permits:
        raise Forbidden(SERVICE_FORBIDDEN)
    return name


# --- the platform sending on its own behalf ----------------------------------------------------------


def live_message(session: Session, club_id: int, message_id: int) -> Message | None:
    """The club's message ``message_id`` (any service) unless deleted."""
    return session.execute(
        select(Message).where(in_club(Message, club_id), Message.id == message_id, Message.deleted_at.is_(None))
    ).scalar_one_or_none()


def system_permits(service: str) -> frozenset[str]:
    """Exactly what a system actor needs to send one message of ``service``: create a sending, use the service."""
    permit = SERVICES[service].permit
    return frozenset({permits.SENDINGS_CREATE, *([permit] if permit else [])})


def send_to_member(
    session: Session,
    club: LoyaltyClub,
    actor: str,
    message: Message,
    member_id: int,
    properties: dict[str, Any] | None = None,
) -> Sending:
    """A sending of ``message`` to one member, now, made by the system actor ``actor`` (``rule:12``,
    ``job:<name>``) with the permits of that one action; recorded as its creator. It is prepared and
    transmitted like any sending: the member's channels, addresses and (for a marketing message) marketing
    consents decide whether and how it reaches them."""
    access = system_access(club, actor, system_permits(message.service))
    use_service(access, message.service)
    recipient = {"member_id": member_id, "properties": properties or {}}
    return create_sending(session, access, message, {"schedule": {"type": "immediate"}, "recipients": [recipient]})


def check_system_message(session: Session, club_id: int, message_id: int, service: str) -> str | None:
    """Why the system cannot send message ``message_id`` as one of ``service`` (None when it can)."""
    message = live_message(session, club_id, message_id)
    if message is None:
        return "not_found"
    return None if message.service == service else "invalid_service"


def send_system_message(
    session: Session, club: LoyaltyClub, actor: str, message_id: int, member_id: int, properties: dict[str, Any]
) -> int:
    """:func:`send_to_member` by message id (404 when it is gone); the sending's id."""
    message = live_message(session, club.id, message_id)
    if message is None:
        raise NotFound("Message not found")
    return send_to_member(session, club, actor, message, member_id, properties).id
