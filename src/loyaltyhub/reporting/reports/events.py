"""Member events reports: ``member_events`` (records: the events themselves, append-only) and
``member_events_history`` / ``member_events_stats`` (counts over time, one series per event type).

The vendor names no report of member events (``vendor-docs-facts.md`` A.6); these follow its offers events
reports (``offers_events_history``/``_stats``) in shape, intervals and cost. Events are read where they are
stored (``member_events``), so what a client registered is reportable at once.
"""

from __future__ import annotations

from loyaltyhub.auth import permits
from loyaltyhub.events.types import EVENT_TYPES
from loyaltyhub.reporting.fields import ENUM, INTEGER, OBJECT, STRING, TIMESTAMP, Field
from loyaltyhub.reporting.registry import Aggregation, Report, Source, table

INTERVALS = ("5m", "1h", "1d", "1w", "1mo")
CLUB = Field("loyalty_club_id", INTEGER, "ID of loyalty club", via_customer_header=True)
EVENT_TYPE = Field("type", ENUM, "Type of the event (see /member_events/types)", enum=tuple(EVENT_TYPES))
SOURCE = Field("source", STRING, "The product that sent the event (X-Product-Name); loyaltyhub for its own")

RECORD_FIELDS = (
    Field("id", INTEGER, "ID of the event"),
    CLUB,
    Field("member_id", INTEGER, "ID of the member"),
    EVENT_TYPE,
    SOURCE,
    Field("client_event_id", STRING, "The sender's id of the event"),
    Field("occurred_at", TIMESTAMP, "When the event happened (as its sender says)"),
    Field("received_at", TIMESTAMP, "When loyaltyhub received it"),
    Field("data", OBJECT, "The event's data (its type's schema)", filterable=False),
)
SERIES_FIELDS = (
    CLUB,
    EVENT_TYPE,
    SOURCE,
    Field("member_id", INTEGER, "ID of the member"),
)


def events_source() -> Source:
    events = table("member_events")
    return Source(
        from_=events,
        columns={f.name: events.c[f.name] for f in RECORD_FIELDS},
        club=events.c.loyalty_club_id,
        time=events.c.occurred_at,
        key=events.c.id,
    )


MEMBER_EVENTS = Report(
    name="member_events",
    format="records",
    permit=permits.REPORT_MEMBER_EVENTS,
    cost=3,
    description="Member events (registered by clients and recorded by loyaltyhub), oldest first.",
    fields=RECORD_FIELDS,
    source=events_source,
    aggregations=(
        Aggregation("count", (), "Number of events"),
        Aggregation("type_count", ("type",), "Distribution of type"),
        Aggregation("source_count", ("source",), "Distribution of source"),
    ),
    club_key="loyalty_club_id",
    count_key="events_count",
)
SERIES_AGGREGATIONS = (Aggregation("source", ("type", "source"), "One series per event type and source"),)
MEMBER_EVENTS_HISTORY = Report(
    name="member_events_history",
    format="timeseries",
    permit=permits.REPORT_MEMBER_EVENTS_HISTORY,
    cost=3,
    description="Member events over time (by occurred_at), one series per event type.",
    fields=SERIES_FIELDS,
    source=events_source,
    intervals=INTERVALS,
    default_labels=("type",),
    aggregations=SERIES_AGGREGATIONS,
    club_key="loyalty_club_id",
)
MEMBER_EVENTS_STATS = Report(
    name="member_events_stats",
    format="statistics",
    permit=permits.REPORT_MEMBER_EVENTS_STATS,
    cost=2,
    description="Statistics of member events in a time range, one value per event type.",
    fields=SERIES_FIELDS,
    source=events_source,
    intervals=INTERVALS,
    default_labels=("type",),
    aggregations=SERIES_AGGREGATIONS,
    club_key="loyalty_club_id",
)

REPORTS = (MEMBER_EVENTS, MEMBER_EVENTS_HISTORY, MEMBER_EVENTS_STATS)
