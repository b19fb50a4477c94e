"""Messages in the console: the compose form is a way of typing the Messaging API's ``MessageBody`` (with its
first sending), validated by the API's schema and applied by ``messaging.service`` like
``POST /v1/messages/{service}``; schedule, unschedule and cancel are the API's sending update and cancel;
the results are the sending's counts and its dispatches counted by status. No messaging rule lives here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.console.dependencies import FormData
from loyaltyhub.console.forms import FieldError, field_errors
from loyaltyhub.digits import decimal
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.http.errors import validation_details
from loyaltyhub.http.pagination import Page, paginate
from loyaltyhub.members.groups.service import groups_in_club
from loyaltyhub.messaging import catalog, repository, service, views
from loyaltyhub.messaging.models import Message, Sending
from loyaltyhub.messaging.rules import SERVICES
from loyaltyhub.messaging.schemas import MessageBody, MessageOut, SendingBody, SendingOut
from loyaltyhub.schemas import PaginationInfo

PER_PAGE = 20
CHANNELS = ("sms", "email", "push")
TEMPLATE_TYPES = {"sms": "plain", "email": "email", "push": "push"}
WHEN = ("draft", "now", "at", "in")
AUDIENCES = ("all", "group", "filter", "none")
_INTEGER = re.compile(r"^\d{1,19}$")


def usable_services(access: ClubAccess) -> list[str]:
    """The services the user may write to (system services are the app's own: not composed by hand)."""
    return [s.name for s in SERVICES.values() if not s.system and (s.permit is None or s.permit in access.permits)]


def service_of(access: ClubAccess, name: str | None) -> str:
    """The service a page is about: the one asked for (404 unknown, 403 without its permit, as the API),
    else the first the user may use."""
    if name:
        return service.use_service(access, name)
    usable = usable_services(access)
    return "campaigns" if "campaigns" in usable else usable[0]


def listing(
    session: Session, access: ClubAccess, service_name: str, page_no: int
) -> tuple[list[MessageOut], PaginationInfo]:
    items, info = paginate(session, repository.messages(access.club_id, service_name), Page(page_no, PER_PAGE))
    return views.messages_out(session, access.club_id, items), info


def configured_channels(session: Session, access: ClubAccess) -> list[str]:
    found = catalog.channel_settings(session, access.club_id)
    return [name for name in CHANNELS if found.get(name) is not None]


def groups(session: Session, access: ClubAccess) -> list[tuple[int, str]]:
    rows = session.execute(groups_in_club(access.club_id).limit(500)).scalars()
    return [(g.id, g.name or f"Group {g.id}") for g in rows]


# --- the compose form ------------------------------------------------------------------------------------


def chosen_channels(form: FormData) -> list[str]:
    return [name for name in CHANNELS if form.get(f"channel_{name}") == "on"]


def _schedule(form: FormData) -> dict[str, Any] | None:
    when = form.get("when") or "draft"
    if when == "now":
        return {"type": "immediate"}
    if when == "at":
        return {"type": "absolute", "at": form.get("at").strip() or None}
    if when == "in":
        return {"type": "relative", "in": form.get("in").strip() or None}
    return None


def _id_or_text(raw: str) -> Any:
    text = raw.strip()
    return int(text) if _INTEGER.match(text) else text


def sending_body(form: FormData, *, with_audience: bool = True) -> dict[str, Any]:
    """The ``sending`` of the form: schedule, audience and recipients (member ids)."""
    body: dict[str, Any] = {"schedule": _schedule(form)}
    if with_audience:
        audience = form.get("audience") or "all"
        if audience == "all":
            body["audience"] = {"type": "inline", "conditions": []}
        elif audience == "group":
            body["audience"] = {"type": "reference", "id": _id_or_text(form.get("group_id")) or None}
        elif audience == "filter":
            body["audience"] = {"type": "inline", "filter": _json(form.get("filter"))}
        recipients = [_id_or_text(p) for p in re.split(r"[\s,;]+", form.get("member_ids").strip()) if p]
        if recipients:
            body["recipients"] = [{"member_id": member_id} for member_id in recipients]
    return body


def _json(raw: str) -> Any:
    import json

    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return raw  # the schema refuses it with the API's own error


def message_body(form: FormData) -> dict[str, Any]:
    """The API's ``MessageBody`` the compose form stands for."""
    channels = []
    for name in chosen_channels(form):
        content = {"body": form.get(f"{name}.body")}
        if name in ("email", "push") and form.get(f"{name}.subject").strip():
            content["subject"] = form.get(f"{name}.subject")
        definition = {"type": TEMPLATE_TYPES[name], "content": content}
        channels.append({"type": name, "template": {"type": "inline", "definition": definition}})
    message: dict[str, Any] = {"name": form.get("name").strip() or None, "channels": channels or None}
    message["sending"] = sending_body(form)
    return {"message": message}


def parse(model: Any, body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(validation_details([dict(error) for error in exc.errors()]))


def compose(session: Session, access: ClubAccess, service_name: str, form: FormData) -> Message:
    """Create the message with its first sending, as ``POST /v1/messages/{service}`` does."""
    body = parse(MessageBody, message_body(form))
    return service.create_message(
        session, access, service_name, body.message.model_dump(exclude_unset=True, by_alias=True)
    )


FORM_FIELDS = (
    "name",
    "channels",
    *(f"channel_{c}" for c in CHANNELS),
    *(f"{c}.{k}" for c in CHANNELS for k in ("subject", "body")),
    "when",
    "at",
    "in",
    "audience",
    "group_id",
    "filter",
    "member_ids",
)


def form_errors(details: dict[str, Any], form: FormData) -> tuple[dict[str, list[FieldError]], list[str]]:
    """The API's details tree as the compose form's field errors, and the rest (shown above the form)."""
    channels = chosen_channels(form)
    shown: dict[str, list[FieldError]] = {}
    other: list[str] = []
    for path, errors in field_errors(details).items():
        name = form_field(path, channels)
        if name in FORM_FIELDS:
            shown.setdefault(name, []).extend(errors)
        else:
            other.extend(f"{path}: {e.message}" for e in errors)
    return shown, other


def form_field(path: str, channels: list[str]) -> str:
    """The form field an error path of the API's body names."""
    parts = path.split(".")
    if parts[:1] == ["message"]:
        parts = parts[1:]
    if parts[:1] == ["sending"]:
        parts = parts[1:]
        if not parts or parts == ["base"]:
            return "audience"  # sending_must_have_audience_or_recipients
        if parts[0] == "schedule":
            return {"at": "at", "in": "in"}.get(parts[1] if len(parts) > 1 else "", "when")
        if parts[0] == "audience":
            if len(parts) > 1 and parts[1] == "id":
                return "group_id"
            return "filter" if len(parts) > 1 and parts[1] in ("filter", "conditions") else "audience"
        if parts[0] == "recipients":
            return "member_ids"
        return parts[0]
    if parts[:1] == ["channels"]:
        index = decimal(parts[1]) if len(parts) > 1 else None
        if index is not None and index < len(channels):
            kind = channels[index]
            if "content" in parts:
                key = parts[parts.index("content") + 1] if parts.index("content") + 1 < len(parts) else "body"
                return f"{kind}.{'subject' if key == 'subject' else 'body'}"
            return f"channel_{kind}"
        return "channels"
    return parts[0] if parts else "base"


# --- a message and its sendings --------------------------------------------------------------------------


@dataclass
class SendingView:
    sending: SendingOut
    results: dict[str, int]  # transmission status → dispatches
    deliveries: dict[str, int]  # delivery status → dispatches


def sendings(session: Session, access: ClubAccess, message: Message) -> list[SendingView]:
    rows = repository.sendings_of_message(session, access.club_id, message.id)
    counts = repository.dispatch_status_counts(session, access.club_id, [s.id for s in rows])
    return [
        SendingView(views.sending_out(s), counts[s.id]["transmission"], counts[s.id]["delivery"])
        for s in reversed(rows)
    ]


def sending_of(session: Session, access: ClubAccess, service_name: str, sending_id: int) -> Sending:
    return repository.sending(session, access.club_id, service_name, sending_id, lock=True)


def schedule(session: Session, access: ClubAccess, sending: Sending, form: FormData) -> Sending:
    """Schedule a draft, or make a scheduled sending a draft again (``schedule: null``), as
    ``PUT /v1/messages/{service}/sendings/{id}`` does."""
    body = parse(SendingBody, {"sending": sending_body(form, with_audience=False)})
    message = repository.message_of(session, sending)
    changes = body.sending.model_dump(exclude_unset=True, by_alias=True)
    return service.update_sending(session, access, message, sending, changes)


def can(access: ClubAccess) -> dict[str, bool]:
    held = access.permits
    return {
        "compose": permits.MESSAGES_CREATE in held and permits.SENDINGS_CREATE in held,
        "show": permits.MESSAGES_GET in held,
        "update_sendings": permits.SENDINGS_UPDATE in held,
        "delete": permits.MESSAGES_DESTROY in held,
    }
