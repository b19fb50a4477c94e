"""Members: create, update, destroy (anonymise), list. Business rules as plain functions; only flush.

Every change recomputes the derived reporting fields (:func:`refresh_derived`) and tells the
listeners of :mod:`loyaltyhub.members.events` with the before/after snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyaltyhub.auth.passwords import hash_password
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.errors import ValidationFailed, details_tree
from loyaltyhub.members import events, outbox
from loyaltyhub.members.derived import derive, parse_birthday
from loyaltyhub.members.groups.models import MemberGroupMembership
from loyaltyhub.members.identity import otp, tokens
from loyaltyhub.members.identity.models import MemberAppToken
from loyaltyhub.members.models import Member
from loyaltyhub.members.properties import Errors, clean_properties, public_properties
from loyaltyhub.members.repository import members_in_club
from loyaltyhub.members.schemas import MAX_FAVORITE_STORES, MemberCreate
from loyaltyhub.stores.models import Store
from loyaltyhub.stores.service import missing_store_ids


def club_today(club: LoyaltyClub, now: datetime | None = None) -> date:
    """Today's date in the club's timezone (ages change at local midnight)."""
    return (now or utcnow()).astimezone(ZoneInfo(club.timezone)).date()


def refresh_derived(member: Member, club: LoyaltyClub, today: date | None = None) -> None:
    """Recompute and store the member's reporting fields (seed ``reporting-members``)."""
    properties = member.properties or {}
    derived = derive(
        properties=properties,
        consents=member.consents or {},
        msisdn=member.msisdn,
        email=member.email,
        sms_status=member.sms_status,
        email_status=member.email_status,
        push_status=member.push_status,
        push_devices=member.push_devices or 0,
        optin_channel=member.optin_channel,
        club_country=club.country,
        today=today or club_today(club),
    )
    for name, value in derived.__dict__.items():
        setattr(member, name, value)
    birthday = parse_birthday(properties.get("birthday"))
    member.birthday_mmdd = birthday.month * 100 + birthday.day if birthday else None


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationFailed(details_tree(errors.entries))


def _check_unique(session: Session, club_id: int, member_id: int | None, msisdn: str | None, email: str | None) -> None:
    errors = Errors()
    for column, value, key in ((Member.msisdn, msisdn, "msisdn"), (Member.email, email, "email")):
        if value is None:
            continue
        statement = select(Member.id).where(in_club(Member, club_id), column == value)
        if member_id is not None:
            statement = statement.where(Member.id != member_id)
        if session.execute(statement.limit(1)).first():
            errors.add(("properties", key), "taken")
    _raise(errors)


def _flush_unique(session: Session, member: Member) -> None:
    """Flush, turning a concurrent duplicate msisdn/email (unique constraint) into a 422."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ValidationFailed.at(("properties", "msisdn" if member.msisdn else "email"), "taken")


def _consents(incoming: dict[str, Any], existing: dict[str, Any]) -> dict[str, Any]:
    now = utcnow().isoformat().replace("+00:00", "Z")
    result = dict(existing)
    for name, consent in incoming.items():
        status = consent.status if hasattr(consent, "status") else bool(consent["status"])
        previous = existing.get(name)
        if isinstance(previous, dict) and previous.get("status") == status:
            continue  # unchanged: keep when it was given
        result[name] = {"status": status, "updated_at": now}
    return result


def _check_stores(session: Session, club_id: int, store_ids: Sequence[int], errors: Errors) -> list[int]:
    unique = list(dict.fromkeys(store_ids))
    missing = missing_store_ids(session, club_id, unique)
    for index, store_id in enumerate(store_ids):
        if store_id in missing:
            errors.add(("favorite_stores", index), "does_not_exist", id=store_id)
    return unique


def create_member(
    session: Session,
    club: LoyaltyClub,
    body: MemberCreate,
    *,
    optin_channel: str | None,
    optin_subchannel: str | None,
    secret_key: str,
    today: date | None = None,
) -> Member:
    today = today or club_today(club)
    properties, favorite_stores = _checked_new_member(session, club, body, today)
    msisdn, email = properties.get("msisdn"), properties.get("email")
    verified: str | None = None
    if body.registration_password is not None:
        verified = otp.verify_registration_password(
            session, club.id, msisdn=msisdn, email=email, code=body.registration_password, secret_key=secret_key
        )
        if verified is None:
            raise ValidationFailed.at(("registration_password",), "invalid")
    now = utcnow()
    member = Member(
        loyalty_club_id=club.id,
        properties=properties,
        consents=_consents(body.consents, {}),
        msisdn=msisdn,
        email=email,
        password_hash=hash_password(body.password) if body.password else None,
        sms_status=_initial_status(msisdn, body.sms_channel_enabled, verified == "sms"),
        email_status=_initial_status(email, body.email_channel_enabled, verified == "email"),
        push_status="enabled",
        optin_channel=optin_channel,
        optin_subchannel=optin_subchannel,
        subunit_ids=[],
        group_ids=[],
        favorite_stores=favorite_stores,
        push_devices=0,
        created_at=now,
        updated_at=now,
    )
    refresh_derived(member, club, today)
    session.add(member)
    _flush_unique(session, member)
    events.emit(session, None, events.reporting_snapshot(member))
    _welcome(session, club, member, sms=body.send_sms_welcome_message, email=body.send_email_welcome_message)
    return member


def _checked_new_member(
    session: Session, club: LoyaltyClub, body: MemberCreate, today: date
) -> tuple[dict[str, Any], list[int]]:
    """The properties and favourite stores of a new member, checked against the club (422 otherwise)."""
    errors = Errors()
    properties = clean_properties(body.properties, club=club, existing={}, today=today, errors=errors)
    properties.setdefault("language", club.default_language)
    msisdn, email = properties.get("msisdn"), properties.get("email")
    if not body.ignore_required_properties and not msisdn and not email and not errors:
        errors.add(("properties", "msisdn"), "blank")
    favorite_stores = _check_stores(session, club.id, body.favorite_stores, errors)
    _raise(errors)
    _check_unique(session, club.id, None, msisdn, email)
    return properties, favorite_stores


def validate_member(session: Session, club: LoyaltyClub, body: MemberCreate) -> dict[str, Any] | None:
    """Validate Member: the details tree of what Create Member would refuse, or None; nothing is saved
    (a registration password is not checked, so it stays usable)."""
    try:
        _checked_new_member(session, club, body, club_today(club))
    except ValidationFailed as failed:
        return failed.extra["details"]
    return None


def _initial_status(contact: str | None, enabled: bool, verified: bool) -> str:
    if not contact:
        return "disabled"
    if verified:
        return "verified"
    return "enabled" if enabled else "disabled"


def _welcome(session: Session, club: LoyaltyClub, member: Member, *, sms: bool, email: bool) -> None:
    name = (member.properties or {}).get("first_name")
    greeting = f"Welcome to {club.name}{', ' + name if name else ''}!"
    if sms and member.msisdn and member.sms_status in ("enabled", "verified"):
        outbox.enqueue(
            session,
            loyalty_club_id=club.id,
            member_id=member.id,
            channel="sms",
            recipient=member.msisdn,
            kind="welcome",
            body=greeting,
        )
    if email and member.email and member.email_status in ("enabled", "verified"):
        outbox.enqueue(
            session,
            loyalty_club_id=club.id,
            member_id=member.id,
            channel="email",
            recipient=member.email,
            kind="welcome",
            subject=greeting,
            body=greeting,
        )


def lock(session: Session, member: Member) -> Member:
    """Re-read the member under a row lock (PostgreSQL) before a read-modify-write of its JSON fields."""
    session.refresh(member, with_for_update=True)
    return member


def update_member(
    session: Session, club: LoyaltyClub, member: Member, changes: dict[str, Any], *, today: date | None = None
) -> Member:
    """Apply ``changes`` (``model_dump(exclude_unset=True)`` of an update body) to ``member``."""
    lock(session, member)
    today = today or club_today(club)
    before = events.reporting_snapshot(member)
    errors = Errors()
    if "properties" in changes and changes["properties"] is not None:
        properties = clean_properties(
            changes["properties"], club=club, existing=member.properties or {}, today=today, errors=errors
        )
    else:
        properties = dict(member.properties or {})
    favorite_stores = member.favorite_stores
    if changes.get("favorite_stores") is not None:
        favorite_stores = _check_stores(session, club.id, changes["favorite_stores"], errors)
    _raise(errors)
    msisdn, email = properties.get("msisdn"), properties.get("email")
    _check_unique(session, club.id, member.id, msisdn, email)

    if msisdn != member.msisdn:
        member.sms_status = "enabled" if msisdn else "disabled"
    if email != member.email:
        member.email_status = "enabled" if email else "disabled"
    member.properties = properties
    member.msisdn, member.email = msisdn, email
    member.favorite_stores = favorite_stores
    if changes.get("consents") is not None:
        member.consents = _consents(changes["consents"], member.consents or {})
    for name in ("sms_status", "email_status", "push_status", "subunit_ids"):
        if changes.get(name) is not None:
            setattr(member, name, sorted(set(changes[name])) if name == "subunit_ids" else changes[name])
    if "banned_until" in changes:
        member.banned_until = changes["banned_until"]
    if changes.get("password"):
        member.password_hash = hash_password(changes["password"])
    return save_change(session, club, member, before, today)


def assign_stores(session: Session, club: LoyaltyClub, member: Member, store_ids: Sequence[int]) -> Member:
    """The older docs' Assign member to stores: ``store_ids`` join the member's ``favorite_stores`` (422
    ``does_not_exist`` at ``stores_ids.<index>``), through :func:`update_member`."""
    errors = Errors()
    missing = missing_store_ids(session, club.id, list(dict.fromkeys(store_ids)))
    for index, store_id in enumerate(store_ids):
        if store_id in missing:
            errors.add(("stores_ids", index), "does_not_exist", id=store_id)
    current = list(member.favorite_stores or [])
    favorites = current + [s for s in dict.fromkeys(store_ids) if s not in current]
    if len(favorites) > MAX_FAVORITE_STORES:
        # each body is within the limit, but the sum of many assigns must be too
        errors.add(("stores_ids",), "too_long", max_length=MAX_FAVORITE_STORES - len(current))
    _raise(errors)
    return update_member(session, club, member, {"favorite_stores": favorites})


def remove_stores(session: Session, club: LoyaltyClub, member: Member, store_ids: Sequence[int]) -> Member:
    """The older docs' Remove stores to member: ``store_ids`` leave the member's ``favorite_stores``."""
    removed = set(store_ids)
    return update_member(
        session, club, member, {"favorite_stores": [s for s in member.favorite_stores or [] if s not in removed]}
    )


def save_change(
    session: Session, club: LoyaltyClub, member: Member, before: dict[str, Any], today: date | None
) -> Member:
    """Recompute derived fields, stamp, flush and announce a change whose ``before`` snapshot was taken."""
    refresh_derived(member, club, today)
    member.updated_at = utcnow()
    _flush_unique(session, member)
    events.emit(session, before, events.reporting_snapshot(member))
    return member


def set_channel_verified(session: Session, club: LoyaltyClub, member: Member, channel: str) -> None:
    """A one-time password reached the member: that channel is verified (unless barred/bounced)."""
    attribute = "sms_status" if channel == "sms" else "email_status"
    if getattr(member, attribute) not in ("enabled", "disabled"):
        return
    lock(session, member)
    before = events.reporting_snapshot(member)
    setattr(member, attribute, "verified")
    save_change(session, club, member, before, None)


def destroy_member(session: Session, member: Member) -> None:
    """Anonymise: personal data, contact keys, password, tokens, devices and groups go; the row stays
    (``deleted_at``) so usages and reports that point at it stay valid."""
    lock(session, member)
    before = events.reporting_snapshot(member)
    member.properties = public_properties(member.properties or {})
    member.msisdn = member.email = member.password_hash = None
    member.consents = {}
    member.sms_status = member.email_status = member.push_status = "disabled"
    member.marketing_via_sms = member.marketing_via_email = False
    member.marketing_via_push = member.marketing_via_anything = False
    member.group_ids, member.favorite_stores, member.push_devices = [], [], 0
    member.birthday_mmdd = None
    member.deleted_at = member.updated_at = utcnow()
    tokens.revoke_all(session, member)
    for model in (MemberAppToken, MemberGroupMembership):
        session.execute(
            delete(model)
            .where(model.member_id == member.id, same_club(model, member))
            .execution_options(synchronize_session=False)
        )
    session.flush()
    events.emit(session, before, None)


def refresh_age_bands(session: Session, club: LoyaltyClub, today: date | None = None) -> int:
    """Recompute the age band of members whose birthday is today (the only day it can change)."""
    today = today or club_today(club)
    days = [today.month * 100 + today.day]
    if today.month == 3 and today.day == 1:
        days.append(229)  # born on 29 February: a year older on 1 March in common years
    members = session.execute(
        members_in_club(club.id).where(Member.birthday_mmdd.in_(days)).with_for_update()
    ).scalars()
    changed = 0
    for member in members:
        before = events.reporting_snapshot(member)
        refresh_derived(member, club, today)
        if member.age != before["age"]:
            member.updated_at = utcnow()
            session.flush()
            events.emit(session, before, events.reporting_snapshot(member))
            changed += 1
    return changed


def forget_favorite_store(session: Session, store: Store) -> None:
    """Drop a store about to be deleted from the favourite stores of its club's members (a store-removal
    listener: see :mod:`loyaltyhub.wiring`)."""
    from loyaltyhub.clubs.models import LoyaltyClub
    from loyaltyhub.db.dialect import json_array_contains

    club_id, store_id = store.loyalty_club_id, store.id
    club = session.get(LoyaltyClub, club_id)
    members = session.execute(
        members_in_club(club_id).where(json_array_contains(session, Member.favorite_stores, store_id))
    ).scalars()
    for member in list(members):
        lock(session, member)
        before = events.reporting_snapshot(member)
        member.favorite_stores = [s for s in member.favorite_stores or [] if s != store_id]
        save_change(session, club, member, before, None)
