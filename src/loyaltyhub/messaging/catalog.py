"""The club's messaging catalog: settings (channels' default senders, transports), standalone templates and
sender identities."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.errors import NotFound, ValidationFailed, details_tree
from loyaltyhub.members.derived import normalize_msisdn
from loyaltyhub.members.properties import normalize_email
from loyaltyhub.messaging import repository
from loyaltyhub.messaging.models import MessageTemplate, MessagingSettings, SenderIdentity
from loyaltyhub.messaging.rules import CHANNELS, alphanumeric_sender_ok
from loyaltyhub.messaging.templating import WRAPPABLE_WITH, WRITABLE_TYPES, ErrorList, check_content

Path = tuple[str | int, ...]


def _raise(errors: ErrorList) -> None:
    if errors:
        raise ValidationFailed(details_tree(errors))


# --- settings ----------------------------------------------------------------------------------------


def channel_settings(session: Session, club_id: int) -> dict[str, dict[str, Any] | None]:
    """The channels available to the club (``None`` for a channel that is not configured)."""
    found = repository.settings_of(session, club_id)
    if found is None:
        return dict.fromkeys(CHANNELS)
    return {"sms": found.sms, "email": found.email, "push": found.push}


def email_transport(session: Session, club_id: int) -> dict[str, Any] | None:
    return transport_config(session, club_id, "email")


def transport_config(session: Session, club_id: int, channel: str) -> dict[str, Any] | None:
    found = repository.settings_of(session, club_id)
    return (found.transports or {}).get(channel) if found is not None else None


def update_settings(session: Session, club: LoyaltyClub, changes: dict[str, Any]) -> MessagingSettings:
    errors: ErrorList = []
    channels = changes.get("channels") or {}
    cleaned: dict[str, dict[str, Any] | None] = {}
    for name, value in channels.items():
        if value is None:
            cleaned[name] = None
            continue
        cleaned[name] = _channel_setting(name, value, ("settings", "channels", name), errors)
    _raise(errors)
    found = repository.settings_of(session, club.id)
    if found is None:
        found = MessagingSettings(loyalty_club_id=club.id, transports={})
        session.add(found)
    for name, value in cleaned.items():
        setattr(found, name, value)
    transports = dict(found.transports or {})
    for channel in ("email", "sms", "push"):
        if f"{channel}_transport" in changes:
            transports[channel] = changes[f"{channel}_transport"]
    found.transports = transports
    found.updated_at = utcnow()
    session.flush()
    return found


def _channel_setting(name: str, value: dict[str, Any], path: Path, errors: ErrorList) -> dict[str, Any] | None:
    keys = {
        "sms": ("sender_type", "sender_value"),
        "email": ("from_name", "from_email"),
        "push": ("android_app_id", "ios_app_id"),
    }[name]
    for key in sorted(set(value) - set(keys)):
        errors.append(((*path, key), "unknown_attribute", {}))
    result = {key: value.get(key) for key in keys}
    for key, item in result.items():
        if item is not None and (not isinstance(item, str) or len(item) > 320):
            errors.append(((*path, key), "invalid_type", {"expected": "string of at most 320 characters"}))
            return None
    if name == "sms":
        sender = sms_sender(result["sender_type"], result["sender_value"], path, errors, keys=keys)
        return {"sender_type": sender[0], "sender_value": sender[1]} if sender else None
    if name == "email":
        sender = email_sender(result["from_email"], result["from_name"], path, errors)
        return {"from_name": sender[1], "from_email": sender[0]} if sender else None
    return result


def sms_sender(
    kind: str | None, value: str | None, path: Path, errors: ErrorList, keys: tuple[str, str] = ("type", "value")
) -> tuple[str, str] | None:
    """An SMS sender: ``alphanumeric`` (2-11 characters) or ``international`` (an MSISDN)."""
    if kind not in ("alphanumeric", "international"):
        errors.append(((*path, keys[0]), "inclusion", {"in": ["alphanumeric", "international"]}))
        return None
    if not value:
        errors.append(((*path, keys[1]), "blank", {}))
        return None
    if kind == "alphanumeric":
        if not alphanumeric_sender_ok(value):
            errors.append(((*path, keys[1]), "invalid_alphanumeric_sender", {"min_length": 2, "max_length": 11}))
            return None
        return kind, value
    msisdn = normalize_msisdn(value, None)
    if msisdn is None:
        errors.append(((*path, keys[1]), "invalid_msisdn", {}))
        return None
    return kind, msisdn


def email_sender(address: str | None, name: str | None, path: Path, errors: ErrorList) -> tuple[str, str | None] | None:
    if not address:
        errors.append(((*path, "from_email"), "blank", {}))
        return None
    normalized = normalize_email(address)
    if normalized is None:
        errors.append(((*path, "from_email"), "invalid_email", {}))
        return None
    if name is not None and any(c in name for c in '\r\n<>"'):
        errors.append(((*path, "from_name"), "invalid_format", {}))
        return None
    return normalized, name


# --- templates ---------------------------------------------------------------------------------------


def check_definition(
    session: Session, club_id: int, definition: dict[str, Any], path: Path, errors: ErrorList
) -> dict[str, Any] | None:
    """A template definition (type, content, wrapper) checked; ``bee_email`` is read-only."""
    kind = definition["type"]
    if kind not in WRITABLE_TYPES:
        errors.append(((*path, "type"), "read_only", {}))
        return None
    content = check_content(kind, definition.get("content"), (*path, "content"), errors)
    wrapper_id = definition.get("wrapper_id")
    if wrapper_id is not None:
        wrapper = repository.template_or_none(session, club_id, wrapper_id)
        if wrapper is None or not wrapper.standalone:
            errors.append(((*path, "wrapper_id"), "not_found", {}))
            return None
        if wrapper.type not in WRAPPABLE_WITH[kind]:
            errors.append(((*path, "wrapper_id"), "inclusion", {"in": list(WRAPPABLE_WITH[kind])}))
            return None
    if content is None:
        return None
    return {"type": kind, "content": content, "wrapper_id": wrapper_id, "name": definition.get("name")}


def create_template(
    session: Session, club_id: int, definition: dict[str, Any], path: Path, *, standalone: bool = True
) -> MessageTemplate:
    errors: ErrorList = []
    checked = check_definition(session, club_id, definition, path, errors)
    _raise(errors)
    assert checked is not None
    template = MessageTemplate(loyalty_club_id=club_id, standalone=standalone, **checked)
    session.add(template)
    session.flush()
    return template


def copy_template(session: Session, template: MessageTemplate, *, standalone: bool = False) -> MessageTemplate:
    copy = MessageTemplate(
        loyalty_club_id=template.loyalty_club_id,
        standalone=standalone,
        name=template.name,
        type=template.type,
        content=dict(template.content),
        wrapper_id=template.wrapper_id,
    )
    session.add(copy)
    session.flush()
    return copy


def update_template(session: Session, template: MessageTemplate, changes: dict[str, Any]) -> MessageTemplate:
    if template.type not in WRITABLE_TYPES:
        raise ValidationFailed.at(("template", "type"), "read_only")
    merged = {
        "type": template.type,
        "content": changes.get("content", template.content),
        "wrapper_id": changes.get("wrapper_id", template.wrapper_id),
        "name": changes.get("name", template.name),
    }
    if merged["wrapper_id"] == template.id:
        raise ValidationFailed.at(("template", "wrapper_id"), "invalid")
    errors: ErrorList = []
    checked = check_definition(session, template.loyalty_club_id, merged, ("template",), errors)
    _raise(errors)
    assert checked is not None
    for key in ("content", "wrapper_id", "name"):
        setattr(template, key, checked[key])
    template.updated_at = utcnow()
    session.flush()
    return template


def destroy_template(session: Session, template: MessageTemplate) -> None:
    session.delete(template)
    session.flush()


# --- sender identities -------------------------------------------------------------------------------


def _check_identity(values: dict[str, Any]) -> dict[str, Any]:
    errors: ErrorList = []
    path: Path = ("sender_identity",)
    kind = values.get("type")
    result: dict[str, Any] = {"type": kind, "name": values.get("name")}
    if kind == "email":
        sender = email_sender(values.get("from_email"), values.get("from_name"), path, errors)
        if sender:
            result.update(from_email=sender[0], from_name=sender[1], sender_type=None, value=None)
    elif kind == "sms":
        sender = sms_sender(values.get("sender_type"), values.get("value"), path, errors, keys=("sender_type", "value"))
        if sender:
            result.update(sender_type=sender[0], value=sender[1], from_email=None, from_name=None)
    else:
        errors.append(((*path, "type"), "inclusion", {"in": ["email", "sms"]}))
    _raise(errors)
    return result


def create_identity(session: Session, club_id: int, values: dict[str, Any]) -> SenderIdentity:
    identity = SenderIdentity(loyalty_club_id=club_id, **_check_identity(values))
    session.add(identity)
    session.flush()
    return identity


def update_identity(session: Session, identity: SenderIdentity, changes: dict[str, Any]) -> SenderIdentity:
    if "type" in changes and changes["type"] != identity.type:
        raise ValidationFailed.at(("sender_identity", "type"), "read_only")
    current = {
        key: getattr(identity, key) for key in ("type", "name", "from_email", "from_name", "sender_type", "value")
    }
    current.update(changes)
    for key, value in _check_identity(current).items():
        setattr(identity, key, value)
    identity.updated_at = utcnow()
    session.flush()
    return identity


def identity_or_404(session: Session, club_id: int, identity_id: int) -> SenderIdentity:
    found = repository.sender_identity(session, club_id, identity_id)
    if found is None:
        raise NotFound("Sender identity not found")
    return found


def destroy_identity(session: Session, identity: SenderIdentity) -> None:
    session.delete(identity)
    session.flush()
