"""Grouped member counts (members_grouped_count): which groups a member is in, kept incrementally.

The members service tells every listener about each change with reporting snapshots ``before`` and
``after``; :func:`on_member_change` moves each affected counter by ±1 with one upsert per group, so
concurrent changes never lose a count. :func:`rebuild` recounts a club from the member rows (demo data
loaded in bulk, repairs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.dialect import upsert_add
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.members.events import consent_flag

GROUPING_TYPES = (
    "optin_channel",
    "optin_subchannel",
    "optin_platform",
    "birth_year_group",
    "consent_true",
    "consent_false",
    "marketing_true",
    "marketing_false",
    "subunit_id",
    "group_id",
    "favorite_store",
    "country",
    "gender",
)
TOTAL = "total"
TOTAL_VALUE = "all"
SNAPSHOT_GROUPING_TYPES = (TOTAL, *GROUPING_TYPES)
MARKETING_CHANNELS = ("sms", "email", "push", "anything")


def groupings(member: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (grouping_type, grouping_value) a member counts in; null values count nowhere."""
    pairs: list[tuple[str, str]] = []
    for kind, key in (
        ("optin_channel", "optin_channel"),
        ("optin_subchannel", "optin_subchannel"),
        ("optin_platform", "optin_platform"),
        ("birth_year_group", "birth_year_group"),
        ("country", "location_country"),
        ("gender", "gender"),
    ):
        value = member.get(key)
        if value is not None and value != "":
            pairs.append((kind, str(value)))
    for name, value in sorted((member.get("consents") or {}).items()):
        pairs.append(("consent_true" if consent_flag(value) else "consent_false", name))
    for channel in MARKETING_CHANNELS:
        flag = bool(member.get(f"marketing_via_{channel}"))
        pairs.append(("marketing_true" if flag else "marketing_false", channel))
    for kind, key in (("subunit_id", "subunit_ids"), ("group_id", "group_ids"), ("favorite_store", "favorite_stores")):
        for value in sorted(set(member.get(key) or [])):
            pairs.append((kind, str(value)))
    return pairs


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[tuple[str, str], int]:
    delta: Counter[tuple[str, str]] = Counter()
    for pair in groupings(after) if after else []:
        delta[pair] += 1
    for pair in groupings(before) if before else []:
        delta[pair] -= 1
    return {pair: n for pair, n in delta.items() if n}


def apply_delta(session: Session, club_id: int, delta: dict[tuple[str, str], int], now: datetime | None = None) -> None:
    from loyaltyhub.reporting.models import MembersGroupedCount

    table = MembersGroupedCount.__table__
    now = now or utcnow()
    for (kind, value), n in sorted(delta.items()):
        upsert_add(
            session,
            table,
            {"loyalty_club_id": club_id, "grouping_type": kind, "grouping_value": value},
            "members_count",
            n,
            {"updated_at": now},
        )


def on_member_change(session: Session, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    club_id = (after or before or {}).get("loyalty_club_id")
    if club_id is None:
        return
    delta = changes(before, after)
    if delta:
        apply_delta(session, club_id, delta)


def count_members(members: Iterable[dict[str, Any]]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for member in members:
        counts.update(groupings(member))
    return counts


def rebuild(session: Session, club_id: int, now: datetime | None = None) -> None:
    """Recount a club's groups from its member rows (replaces the counters)."""
    from loyaltyhub.members.models import Member
    from loyaltyhub.reporting.models import MembersGroupedCount

    now = now or utcnow()
    rows = session.execute(select(Member).where(in_club(Member, club_id), Member.deleted_at.is_(None)))
    counts = count_members(_as_dict(member) for member in rows.scalars())
    session.execute(delete(MembersGroupedCount).where(in_club(MembersGroupedCount, club_id)))
    if counts:
        session.execute(
            insert(MembersGroupedCount),
            [
                {
                    "loyalty_club_id": club_id,
                    "grouping_type": kind,
                    "grouping_value": value,
                    "members_count": n,
                    "updated_at": now,
                }
                for (kind, value), n in sorted(counts.items())
            ],
        )


MEMBER_COLUMNS = (
    "loyalty_club_id",
    "optin_channel",
    "optin_subchannel",
    "optin_platform",
    "birth_year_group",
    "location_country",
    "gender",
    "consents",
    "marketing_via_sms",
    "marketing_via_email",
    "marketing_via_push",
    "marketing_via_anything",
    "subunit_ids",
    "group_ids",
    "favorite_stores",
    "created_at",
    "deleted_at",
)


def _as_dict(member: Any) -> dict[str, Any]:
    return {name: getattr(member, name) for name in MEMBER_COLUMNS}
