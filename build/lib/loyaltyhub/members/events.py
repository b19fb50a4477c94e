"""Member change events for other domains (reporting keeps its member counters with them).

Every member create, update, destroy and group-membership change calls each listener of the app's
services (``AppServices.member_listeners``, listed in :mod:`loyaltyhub.wiring`) in the same transaction,
with the member's reporting snapshot before and after the change::

    def on_member_change(session, before, after):  # before is None on create, after is None on destroy
        ...

A listener runs inside the request's transaction: it may write (and only flush), and an exception
rolls the whole change back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.members.models import Member
from loyaltyhub.services import services_of

MemberSnapshot = dict[str, Any]
MemberListener = Callable[[Session, MemberSnapshot | None, MemberSnapshot | None], None]

SNAPSHOT_FIELDS = (
    "id",
    "loyalty_club_id",
    "optin_channel",
    "optin_subchannel",
    "optin_platform",
    "gender",
    "age",
    "birth_year_group",
    "consents",
    "marketing_via_sms",
    "marketing_via_email",
    "marketing_via_push",
    "marketing_via_anything",
    "sms_status",
    "email_status",
    "push_status",
    "push_devices",
    "subunit_ids",
    "group_ids",
    "favorite_stores",
    "location_country",
    "msisdn_country",
    "city_place_id",
    "place_id",
    "created_at",
    "updated_at",
)


def consent_flag(value: Any) -> bool:
    """One consent as a flag: a stored ``{status, updated_at}`` or an already flattened boolean."""
    status = value.get("status") if isinstance(value, dict) else value
    return bool(status)


def consent_flags(consents: dict[str, Any] | None) -> dict[str, bool]:
    """``{name: {status, updated_at}}`` → ``{name: bool}`` (the reporting shape)."""
    return {name: consent_flag(value) for name, value in (consents or {}).items()}


def reporting_snapshot(member: Member) -> MemberSnapshot:
    """The member's reporting fields as plain data (consents as ``{name: bool}``)."""
    snapshot: MemberSnapshot = {name: getattr(member, name) for name in SNAPSHOT_FIELDS}
    snapshot["consents"] = consent_flags(member.consents)
    for name in ("subunit_ids", "group_ids", "favorite_stores"):
        snapshot[name] = sorted(snapshot[name] or [])
    return snapshot


def emit(session: Session, before: MemberSnapshot | None, after: MemberSnapshot | None) -> None:
    """Tell every listener about one change (called by the members service, after flushing)."""
    if before is None and after is None:
        return
    for listener in services_of(session).member_listeners:
        listener(session, before, after)
