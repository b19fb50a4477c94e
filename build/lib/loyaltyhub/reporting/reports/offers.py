"""Offers reports: offers, offers_collections (records); usages and events (timeseries, statistics)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.db.tenancy import in_club, in_clubs, same_club
from loyaltyhub.member_offers.models import EVENT_KINDS
from loyaltyhub.members.models import AGE_BANDS
from loyaltyhub.offers.models import uses_of_offer
from loyaltyhub.offers.types import SCOPES, STATUSES
from loyaltyhub.reporting.fields import BOOLEAN, ENUM, INTEGER, INTEGER_ARRAY, OBJECT, STRING, TIMESTAMP, Field
from loyaltyhub.reporting.registry import Aggregation, JsonArray, Report, Source, table

# The seed's offer_type values (offers_usages_stats), in its order.
OFFER_TYPES = (
    "regular",
    "birthday",
    "exclusive",
    "welcome",
    "competition",
    "reward",
    "carbon_offset_item",
    "parking",
    "parking_exclusive",
    "game_prize",
    "informational",
)
INTERVALS = ("5m", "1h", "1d", "1w", "1mo")
CLUB = Field("loyalty_club_id", INTEGER, "ID of loyalty club", via_customer_header=True)


class CollectionLinks:
    """``collection_ids`` of an offer: ``in`` matches offers linked to any of the collections."""

    def __init__(self, offer_id: ColumnElement[Any], club_id: ColumnElement[Any]) -> None:
        self.offer_id = offer_id
        self.club_id = club_id

    def any_of(self, values: list[Any]) -> ColumnElement[bool]:
        links = table("offer_collections")
        return exists().where(
            in_club(links, self.club_id),
            links.c.offer_id == self.offer_id,
            links.c.collection_id.in_([int(v) for v in values]),
        )


OFFER_FIELDS = (
    Field("id", INTEGER, "Offer ID"),
    CLUB,
    Field("type", ENUM, "Type of offer", enum=OFFER_TYPES),
    Field("status", ENUM, "Status of offer", enum=STATUSES),
    Field("name", OBJECT, "Localized name", filterable=False),
    Field("internal_name", STRING, "Internal name"),
    Field("store_id", INTEGER, "ID of the offer's store"),
    Field("audience_id", INTEGER, "ID of the member group the offer targets"),
    Field("campaign_id", INTEGER, "Campaign ID"),
    Field("collection_ids", INTEGER_ARRAY, "IDs of collections the offer is in"),
    Field("visible_since", TIMESTAMP, "Visible from"),
    Field("visible_until", TIMESTAMP, "Visible until"),
    Field("usable_since", TIMESTAMP, "Usable from"),
    Field("usable_until", TIMESTAMP, "Usable until"),
    Field("stock", INTEGER, "Uses available to all members together"),
    Field("uses_count", INTEGER, "Uses so far"),
    Field("grants_count", INTEGER, "Grants so far"),
    Field("created_at", TIMESTAMP, "Time of creation"),
    Field("updated_at", TIMESTAMP, "Time of last update"),
    Field("archived_at", TIMESTAMP, "Time of archiving (null: not archived)"),
)


def offers_source() -> Source:
    offers = table("offers")
    columns = {f.name: offers.c[f.name] for f in OFFER_FIELDS if f.name not in ("collection_ids", "uses_count")}
    columns["uses_count"] = uses_of_offer(offers.c.id, offers.c.loyalty_club_id)
    return Source(
        from_=offers,
        columns=columns,
        club=offers.c.loyalty_club_id,
        key=offers.c.id,
        filter_targets={"collection_ids": CollectionLinks(offers.c.id, offers.c.loyalty_club_id)},
    )


def _offer_collections(session: Session, records: list[dict[str, Any]]) -> None:
    """Each offer record's collection ids, read for the page's offers in their own clubs."""
    links = table("offer_collections")
    ids = [record["id"] for record in records]
    clubs = sorted({record["loyalty_club_id"] for record in records})
    found: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(links.c.offer_id, links.c.collection_id)
        .where(in_clubs(links, clubs), links.c.offer_id.in_(ids))
        .order_by(links.c.collection_id)
    )
    for offer_id, collection_id in rows:
        found[offer_id].append(collection_id)
    for record in records:
        record["collection_ids"] = found.get(record["id"], [])
    # Keep the documented key order: collection_ids after campaign_id.
    for index, record in enumerate(records):
        records[index] = {f.name: record[f.name] for f in OFFER_FIELDS}


def _counts(noun: str, labels: dict[str, str]) -> tuple[Aggregation, ...]:
    found = [
        Aggregation("count", (), f"Number of {noun}"),
        Aggregation("total_count", (), f"Number of {noun} in all loyalty clubs", per_club=False),
    ]
    for name, label in labels.items():
        found.append(Aggregation(f"{name}_count", (label,), f"Distribution of {label}"))
        found.append(
            Aggregation(
                f"total_{name}_count", (label,), f"Distribution of {label} in all loyalty clubs", per_club=False
            )
        )
    return tuple(found)


OFFERS = Report(
    name="offers",
    format="records",
    permit=permits.REPORT_OFFERS,
    cost=2,
    description="Offers of the loyalty club with their counters.",
    fields=OFFER_FIELDS,
    source=offers_source,
    aggregations=_counts("offers", {"type": "type", "status": "status", "store": "store_id"}),
    club_key="loyalty_club_id",
    count_key="offers_count",
    enrich=_offer_collections,
)

COLLECTION_FIELDS = (
    Field("id", INTEGER, "Collection ID"),
    CLUB,
    Field("scope", ENUM, "Offer scope of the collection", enum=SCOPES),
    Field("title", OBJECT, "Localized title", filterable=False),
    Field("position", INTEGER, "Position in the club's order"),
    Field("offers_count", INTEGER, "Number of offers in the collection"),
    Field("created_at", TIMESTAMP, "Time of creation"),
    Field("updated_at", TIMESTAMP, "Time of last update"),
    Field("archived_at", TIMESTAMP, "Time of archiving (null: not archived)"),
)


def collections_source() -> Source:
    collections, links = table("collections"), table("offer_collections")
    offers_count = (
        select(func.count())
        .where(links.c.collection_id == collections.c.id, same_club(links, collections))
        .correlate(collections)
        .scalar_subquery()
    )
    columns: dict[str, ColumnElement[Any]] = {
        f.name: collections.c[f.name] for f in COLLECTION_FIELDS if f.name != "offers_count"
    }
    columns["offers_count"] = offers_count
    columns = {f.name: columns[f.name] for f in COLLECTION_FIELDS}
    return Source(from_=collections, columns=columns, club=collections.c.loyalty_club_id, key=collections.c.id)


OFFERS_COLLECTIONS = Report(
    name="offers_collections",
    format="records",
    permit=permits.REPORT_OFFERS_COLLECTIONS,
    cost=2,
    description="Offer collections of the loyalty club with their number of offers.",
    fields=COLLECTION_FIELDS,
    source=collections_source,
    aggregations=_counts("collections", {"scope": "scope"}),
    club_key="loyalty_club_id",
    count_key="collections_count",
)

_SNAPSHOT_FIELDS = (
    Field("offer_type", ENUM, "Type of offer", enum=OFFER_TYPES),
    Field("offer_id", INTEGER, "Offer ID"),
    Field("store_id", INTEGER, "ID of store to which offer is assigned"),
    Field("collection_id", INTEGER, "ID of collection to which offer is assigned", array_backed=True),
    Field("member_gender", STRING, "Gender of the member. See members report."),
    Field("member_age", ENUM, "Age of the member. See members report.", enum=AGE_BANDS),
    Field("member_place_id", INTEGER, "Place ID (location) of the member. See members report."),
    Field("member_city_place_id", INTEGER, "City place ID (location) of the member. See members report."),
)
USAGE_FIELDS = (
    CLUB,
    *_SNAPSHOT_FIELDS,
    Field("authorized", BOOLEAN, "Whether offer usage was authorized (e.g. using QR code)"),
    Field("authorization_type", STRING, "Type of authorization (e.g. QR code)"),
)
EVENT_FIELDS = (CLUB, Field("event_type", ENUM, "seen, clicked, liked or unliked", enum=EVENT_KINDS), *_SNAPSHOT_FIELDS)


def _snapshot_source(name: str, time_column: str, extra: dict[str, str]) -> Source:
    rows = table(name)
    columns: dict[str, ColumnElement[Any]] = {"loyalty_club_id": rows.c.loyalty_club_id}
    for key, column in extra.items():
        columns[key] = rows.c[column]
    for field in _SNAPSHOT_FIELDS:
        if field.name != "collection_id":
            columns[field.name] = rows.c[field.name]
    return Source(
        from_=rows,
        columns=columns,
        club=rows.c.loyalty_club_id,
        time=rows.c[time_column],
        filter_targets={"collection_id": JsonArray(rows.c.collection_ids)},
    )


def usages_source() -> Source:
    return _snapshot_source(
        "offer_usages", "used_at", {"authorized": "authorized", "authorization_type": "authorization_type"}
    )


def events_source() -> Source:
    return _snapshot_source("offer_events", "occurred_at", {"event_type": "kind"})


_MEMBER_LABELS = (
    "member_gender",
    "member_age",
    "member_city_place_id",
    "member_place_id",
)
USAGE_AGGREGATIONS = tuple(
    Aggregation(name, (name,), f"One series per {name}")
    for name in (*_MEMBER_LABELS, "authorized", "authorization_type")
)
HISTORY_EXTRA = tuple(
    Aggregation(name, (name,), f"One series per {name}") for name in ("offer_id", "offer_type", "store_id")
)
EVENT_AGGREGATIONS = tuple(
    Aggregation(name, ("event_type", name), f"One series per event type and {name}")
    for name in (*_MEMBER_LABELS, "offer_id", "offer_type", "store_id")
)

OFFERS_USAGES_HISTORY = Report(
    name="offers_usages_history",
    format="timeseries",
    permit=permits.REPORT_OFFERS_USAGES_HISTORY,
    cost=3,
    description="Offer usages over time.",
    fields=USAGE_FIELDS,
    source=usages_source,
    intervals=INTERVALS,
    aggregations=USAGE_AGGREGATIONS + HISTORY_EXTRA,
    club_key="loyalty_club_id",
)
OFFERS_USAGES_STATS = Report(
    name="offers_usages_stats",
    format="statistics",
    permit=permits.REPORT_OFFERS_USAGES_STATS,
    cost=2,
    description="Statistics of offer usages in a time range.",
    fields=USAGE_FIELDS,
    source=usages_source,
    intervals=INTERVALS,
    aggregations=USAGE_AGGREGATIONS,
    club_key="loyalty_club_id",
)
OFFERS_EVENTS_HISTORY = Report(
    name="offers_events_history",
    format="timeseries",
    permit=permits.REPORT_OFFERS_EVENTS_HISTORY,
    cost=3,
    description="Offer events (seen, clicked, liked, unliked) over time, one series per event type.",
    fields=EVENT_FIELDS,
    source=events_source,
    intervals=INTERVALS,
    default_labels=("event_type",),
    aggregations=EVENT_AGGREGATIONS,
    club_key="loyalty_club_id",
)
OFFERS_EVENTS_STATS = Report(
    name="offers_events_stats",
    format="statistics",
    permit=permits.REPORT_OFFERS_EVENTS_STATS,
    cost=2,
    description="Statistics of offer events in a time range, one value per event type.",
    fields=EVENT_FIELDS,
    source=events_source,
    intervals=INTERVALS,
    default_labels=("event_type",),
    aggregations=EVENT_AGGREGATIONS,
    club_key="loyalty_club_id",
)

REPORTS = (
    OFFERS,
    OFFERS_COLLECTIONS,
    OFFERS_EVENTS_HISTORY,
    OFFERS_USAGES_HISTORY,
    OFFERS_EVENTS_STATS,
    OFFERS_USAGES_STATS,
)
