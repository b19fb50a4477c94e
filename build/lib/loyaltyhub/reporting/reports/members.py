"""Members reports: members, members_count, members_grouped_count, member_balance, member count history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FromClause, true

from loyaltyhub.auth import permits
from loyaltyhub.db.dialect import json_array_items, json_each_entry, json_flag
from loyaltyhub.members.models import AGE_BANDS, EMAIL_STATUSES, OPTIN_PLATFORMS, PUSH_STATUSES, SMS_STATUSES
from loyaltyhub.members.properties import public_properties
from loyaltyhub.reporting.fields import (
    BOOLEAN,
    ENUM,
    INTEGER,
    INTEGER_ARRAY,
    OBJECT,
    STRING,
    TIMESTAMP,
    Field,
)
from loyaltyhub.reporting.filters import Operation
from loyaltyhub.reporting.grouping import GROUPING_TYPES, SNAPSHOT_GROUPING_TYPES, TOTAL
from loyaltyhub.reporting.registry import Aggregation, JsonArray, Report, Source, table

COMMUNITY = Field("community_id", INTEGER, "ID of member's community", via_customer_header=True)

MEMBER_FIELDS = (
    Field("id", INTEGER, "ID of member"),
    COMMUNITY,
    Field("optin_channel", STRING, "Member's optin_channel (the X-Product-Name header at creation)"),
    Field("optin_subchannel", STRING, "Member's optin_subchannel (the X-Subproduct-Name header at creation)"),
    Field("optin_platform", ENUM, "Platform used to opt in, from optin_channel", enum=OPTIN_PLATFORMS),
    Field("gender", STRING, "Member's gender (property gender)"),
    Field("age", ENUM, "Range of member's age", enum=AGE_BANDS),
    Field("birth_year_group", INTEGER, "5-year range of birth: 2000 means born 2000-2004"),
    Field("subunit_ids", INTEGER_ARRAY, "IDs of subunits the member is assigned to"),
    Field("group_ids", INTEGER_ARRAY, "IDs of member groups the member belongs to"),
    Field("favorite_stores", INTEGER_ARRAY, "IDs of member's favorite stores"),
    Field("properties", OBJECT, "Member's properties without personal data", filterable=False),
    Field("consents", OBJECT, "Statuses of member's consents (name → boolean)", filterable=False),
    Field("marketing_via_sms", BOOLEAN, "msisdn present, sms_status verified, sms_marketing consent"),
    Field("marketing_via_email", BOOLEAN, "email present, email_status enabled or verified, email_marketing consent"),
    Field("marketing_via_push", BOOLEAN, "a push device registered and push_status enabled"),
    Field("marketing_via_anything", BOOLEAN, "any of marketing_via_sms, _email, _push"),
    Field("sms_status", ENUM, "Status of member's SMS channel", enum=SMS_STATUSES),
    Field("email_status", ENUM, "Status of member's email channel", enum=EMAIL_STATUSES),
    Field("push_status", ENUM, "Status of member's push channel", enum=PUSH_STATUSES),
    Field("push_devices", INTEGER, "Number of push provider tokens registered"),
    Field("msisdn_country", STRING, "Country (ISO 3166-1 alpha-2) of member's msisdn"),
    Field("location_country", STRING, "Country (ISO 3166-1 alpha-2) of member"),
    Field("city_place_id", STRING, "ID of the place which is member's city"),
    Field("place_id", STRING, "ID of the place which is member's most detailed location"),
    Field("created_at", TIMESTAMP, "Time of member's creation"),
    Field("updated_at", TIMESTAMP, "Time of member's last update"),
)
_ARRAYS = ("subunit_ids", "group_ids", "favorite_stores")


def members_source() -> Source:
    members = table("members")
    columns = {f.name: members.c[f.name if f.name != "community_id" else "loyalty_club_id"] for f in MEMBER_FIELDS}
    return Source(
        from_=members,
        columns=columns,
        club=members.c.loyalty_club_id,
        time=members.c.created_at,
        key=members.c.id,
        where=(members.c.deleted_at.is_(None),),
        filter_targets={name: JsonArray(members.c[name]) for name in _ARRAYS},
    )


def consent_flags(consents: Any) -> dict[str, bool]:
    flags: dict[str, bool] = {}
    for name, value in (consents or {}).items():
        status = value.get("status") if isinstance(value, dict) else value
        flags[name] = bool(status)
    return flags


def shape_member(record: dict[str, Any]) -> dict[str, Any]:
    record["properties"] = public_properties(record.get("properties") or {})
    record["consents"] = consent_flags(record.get("consents"))
    for name in _ARRAYS:
        record[name] = sorted(record.get(name) or [])
    return record


def _consents(source: Source) -> tuple[FromClause, dict[str, ColumnElement[Any]]]:
    entries = json_each_entry(source.columns["consents"]).table_valued("key", "value").alias("consent")
    joined = source.from_.join(entries, true())
    return joined, {"consent_key": entries.c.key, "consent_value": json_flag(entries.c.value)}


def _interests(source: Source) -> tuple[FromClause, dict[str, ColumnElement[Any]]]:
    items = json_array_items(source.columns["properties"], "interests").table_valued("value").alias("interest")
    return source.from_.join(items, true()), {"interest": items.c.value}


def _distributions() -> tuple[Aggregation, ...]:
    plain = {
        "gender": "gender",
        "age": "age",
        "optin_channel": "optin_channel",
        "optin_subchannel": "optin_subchannel",
        "optin_platform": "optin_platform",
        "marketing_via_anything": "marketing_via_anything",
        "place": "place_id",
        "city_place": "city_place_id",
    }
    found: list[Aggregation] = [
        Aggregation("count", (), "Number of members"),
        Aggregation("total_count", (), "Number of members in context of all available communities", per_club=False),
    ]
    for name, label in plain.items():
        found.append(Aggregation(f"{name}_count", (label,), f"Distribution of {label}"))
        found.append(
            Aggregation(f"total_{name}_count", (label,), f"Distribution of {label} in all communities", per_club=False)
        )
    consent_types = {"consent_key": STRING, "consent_value": BOOLEAN}
    for per_club, prefix in ((True, ""), (False, "total_")):
        found.append(
            Aggregation(
                f"{prefix}consents_count",
                ("consent_key", "consent_value"),
                "Distribution of consents (key and status)",
                per_club=per_club,
                label_types=consent_types,
                expand=_consents,
            )
        )
    for per_club, prefix in ((True, ""), (False, "total_")):
        found.append(
            Aggregation(
                f"{prefix}interests_count",
                ("interest",),
                "Distribution of interests (property interests)",
                per_club=per_club,
                label_types={"interest": STRING},
                expand=_interests,
            )
        )
    return tuple(found)


MEMBERS = Report(
    name="members",
    format="records",
    permit=permits.REPORT_MEMBERS,
    cost=10,
    description="Current members of the loyalty club, without personal data.",
    fields=MEMBER_FIELDS,
    source=members_source,
    aggregations=_distributions(),
    shape=shape_member,
)


MEMBERS_COUNT = Report(
    name="members_count",
    format="records",
    permit=permits.REPORT_MEMBERS_COUNT,
    cost=2,
    description="Number of members per community (filters as in the members report).",
    fields=tuple(f for f in MEMBER_FIELDS if f.type != OBJECT),
    source=members_source,
    aggregations=(
        Aggregation("count", (), "Number of members per community"),
        Aggregation("total_count", (), "Number of members in all communities", per_club=False),
    ),
    default_aggregation="count",
)


def grouped_source() -> Source:
    counts = table("members_grouped_counts")
    return Source(
        from_=counts,
        columns={
            "community_id": counts.c.loyalty_club_id,
            "grouping_type": counts.c.grouping_type,
            "grouping_value": counts.c.grouping_value,
            "members_count": counts.c.members_count,
            "updated_at": counts.c.updated_at,
        },
        club=counts.c.loyalty_club_id,
        key=counts.c.id,
        where=(counts.c.members_count > 0,),
        measure=counts.c.members_count,
    )


MEMBERS_GROUPED_COUNT = Report(
    name="members_grouped_count",
    format="records",
    permit=permits.REPORT_MEMBERS_GROUPED_COUNT,
    cost=2,
    description="Member counts per grouping type and value, maintained as members change.",
    fields=(
        Field("community_id", INTEGER, "ID of community", via_customer_header=True),
        Field("grouping_type", ENUM, "Aggregation group type", enum=GROUPING_TYPES),
        Field("grouping_value", STRING, "Aggregation group value"),
        Field("members_count", INTEGER, "Count of members in the group"),
        Field("updated_at", TIMESTAMP, "Time of the last change of members_count"),
    ),
    source=grouped_source,
    aggregations=(
        Aggregation(
            "by_grouping_type_and_value",
            ("grouping_type", "grouping_value"),
            "Member count by grouping_type and grouping_value, summed over the selected communities",
            per_club=False,
        ),
    ),
    measure="sum",
)


def balance_source() -> Source:
    events = table("member_balance_events")
    return Source(
        from_=events,
        columns={
            "community_id": events.c.loyalty_club_id,
            "type": events.c.type,
            "optin_channel": events.c.optin_channel,
            "optin_subchannel": events.c.optin_subchannel,
            "optin_platform": events.c.optin_platform,
            "gender": events.c.gender,
            "age": events.c.age,
            "consents": events.c.consents,
        },
        club=events.c.loyalty_club_id,
        time=events.c.occurred_at,
    )


def _balance_consents(source: Source) -> tuple[FromClause, dict[str, ColumnElement[Any]]]:
    return _consents(source)


MEMBER_BALANCE = Report(
    name="member_balance",
    format="timeseries",
    permit=permits.REPORT_MEMBER_BALANCE,
    cost=3,
    description="Members joining (in) and leaving (out) the loyalty club.",
    fields=(
        COMMUNITY,
        Field("type", ENUM, "in: opted in, out: opted out", enum=("in", "out")),
        Field("optin_channel", STRING, "Member's optin_channel"),
        Field("optin_subchannel", STRING, "Member's optin_subchannel"),
        Field("optin_platform", ENUM, "Member's optin_platform", enum=OPTIN_PLATFORMS),
        Field("gender", STRING, "Member's gender"),
        Field("age", ENUM, "Member's age range", enum=AGE_BANDS),
        Field("consents", OBJECT, "Member's consents (name → boolean)", filterable=False),
    ),
    source=balance_source,
    intervals=("5m", "1h", "1d", "1w", "1mo"),
    default_labels=("type",),
    aggregations=(
        Aggregation("total", ("type",), "In and out summed over the selected communities"),
        Aggregation("optin_platform", ("type", "optin_platform"), "Split by optin_platform"),
        Aggregation("optin_channel", ("type", "optin_channel"), "Split by optin_channel"),
        Aggregation("gender", ("type", "gender"), "Split by gender"),
        Aggregation("age", ("type", "age"), "Split by age"),
        Aggregation(
            "consents",
            ("type", "consent_key", "consent_value"),
            "Split by consent and its status",
            label_types={"consent_key": STRING, "consent_value": BOOLEAN},
            expand=_balance_consents,
        ),
    ),
)


def snapshot_source() -> Source:
    snapshots = table("members_count_snapshots")
    return Source(
        from_=snapshots,
        columns={
            "community_id": snapshots.c.loyalty_club_id,
            "grouping_type": snapshots.c.grouping_type,
            "grouping_value": snapshots.c.grouping_value,
        },
        club=snapshots.c.loyalty_club_id,
        time=snapshots.c.taken_at,
        measure=snapshots.c.members_count,
    )


def _total_unless_grouped(node: Any, aggregation: Aggregation | None) -> ColumnElement[bool] | None:
    """Without a grouping_type filter or aggregation, a snapshot series is the members total."""
    if aggregation is not None and "grouping_type" in aggregation.labels:
        return None
    if _mentions(node, "grouping_type"):
        return None
    return table("members_count_snapshots").c.grouping_type == TOTAL


def _mentions(node: Any, name: str) -> bool:
    if node is None:
        return False
    if isinstance(node, Operation):
        return node.field == name
    return any(_mentions(child, name) for child in node.operations)


_SNAPSHOT_FIELDS = (
    COMMUNITY,
    Field("grouping_type", ENUM, "Group type (total: every member)", enum=SNAPSHOT_GROUPING_TYPES),
    Field("grouping_value", STRING, "Group value"),
)
_SNAPSHOT_AGGREGATIONS = (
    Aggregation("by_grouping_type_and_value", ("grouping_type", "grouping_value"), "One series per group"),
    Aggregation("by_grouping_value", ("grouping_value",), "One series per group value (filter one grouping_type)"),
)

MEMBERS_COUNT_SNAPSHOT = Report(
    name="members_count_snapshot",
    format="timeseries",
    permit=permits.REPORT_MEMBERS_COUNT_SNAPSHOT,
    cost=3,
    description="Member counts from snapshots taken every 15 minutes: the last snapshot of each bucket.",
    fields=_SNAPSHOT_FIELDS,
    source=snapshot_source,
    intervals=("1h", "1d", "1w", "1mo"),
    aggregations=_SNAPSHOT_AGGREGATIONS,
    measure="last",
    implicit=_total_unless_grouped,
    data_lag="15 minutes",
)

MEMBERS_COUNT_HISTORY = Report(
    name="members_count_history",
    format="timeseries",
    permit=permits.REPORT_MEMBERS_COUNT_HISTORY,
    cost=3,
    description="Historical member count (snapshots, backfilled from member history): last value per bucket.",
    fields=_SNAPSHOT_FIELDS,
    source=snapshot_source,
    intervals=("5m", "1h", "1d", "1w", "1mo"),
    aggregations=_SNAPSHOT_AGGREGATIONS,
    measure="last",
    implicit=_total_unless_grouped,
)

REPORTS = (MEMBERS, MEMBERS_COUNT, MEMBERS_GROUPED_COUNT, MEMBER_BALANCE, MEMBERS_COUNT_SNAPSHOT, MEMBERS_COUNT_HISTORY)
