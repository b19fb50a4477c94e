"""The messaging reports of the Reporting API (vendor-docs-facts A.6): ``sendings``,
``sendings_events_history``, ``sendings_recipients_statistics``, ``sendings_links``,
``sendings_links_stats``, ``sendings_stats`` and ``links_visits_history``.

Declared here, beside the tables they read, and named in the reporting registry's ``REPORT_MODULES``
(reporting sits below messaging: messaging uses its filter grammar, so the registry finds these by module
name, as it finds its own). What the dispatches count for comes from their pre-counted totals
(:mod:`loyaltyhub.messaging.totals`, kept by the database in the transaction of every change): ``sendings``
reads them whole, the time reports for the whole hours of a range (the engine reads the dispatch rows for a
ragged start or end). Visits are counted from their rows. Either way a report equals a recount over the
dispatch and visit rows (``tests/messaging/test_reports.py`` checks it property-based).

``source_id`` takes the two documented forms: the sending's ``reporting_id`` as a string when it has
one (its message's ``campaign_id``), else the sending's ``service_type``; a link made by ``Generate Link``
has ``generated``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.members.models import AGE_BANDS
from loyaltyhub.messaging.models import Dispatch, Link, LinkVisit, Message, MessageChannel, Sending
from loyaltyhub.messaging.rules import SERVICES, STATUSES
from loyaltyhub.messaging.totals import NONE, counted
from loyaltyhub.reporting.fields import ENUM, INTEGER, OBJECT, STRING, TIMESTAMP, Field
from loyaltyhub.reporting.registry import Aggregation, Report, Source, Totals
from loyaltyhub.timebuckets import bucket_start

INTERVALS = ("5m", "1h", "1d", "1w", "1mo")
CLUB = Field("loyalty_club_id", INTEGER, "ID of loyalty club", via_customer_header=True)
CHANNELS = ("sms", "email", "push")
SERVICE_TYPES = tuple(SERVICES)
SOURCE_TYPES = ("sending", "generated")
TRANSMISSION_STATUSES = ("pending", "transmitting", "retrying", "transmitted", "failed", "skipped", "cancelled")
COMMON_EVENTS = ("created", "transmitted", "failed", "skipped", "cancelled", "clicked")
"""Events every channel has (``sendings_events_history``: "only the events common to all channels")."""
EVENTS = (*COMMON_EVENTS, "opened", "unsubscribed")
"""Every event ``sendings_stats`` counts: also e-mail opens and unsubscribes."""
GENERATED = "generated"
SENDING_INTERVALS = ("1h", "1d", "1w", "1mo")


def source_id(message_campaign: ColumnElement[Any], service: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(cast(message_campaign, String), service)


def _first_channel(message_id: ColumnElement[Any], club: ColumnElement[Any]) -> ColumnElement[Any]:
    return (
        select(MessageChannel.type)
        .where(MessageChannel.message_id == message_id, in_club(MessageChannel, club))
        .order_by(MessageChannel.position, MessageChannel.id)
        .limit(1)
        .scalar_subquery()
    )


# --- sendings (records) -------------------------------------------------------------------------------

COUNTERS = (
    ("dispatches_count", "Dispatches (one per recipient)"),
    ("members_count", "Distinct members among the recipients"),
    ("new_count", "Dispatches not transmitted yet (pending, transmitting, retrying)"),
    ("transmitted_count", "Dispatches handed to the provider"),
    ("delivered_count", "Dispatches the provider reported delivered"),
    ("failed_count", "Dispatches that failed"),
    ("skipped_count", "Recipients skipped (no address, no consent)"),
    ("cancelled_count", "Dispatches cancelled with the sending"),
    ("opened_count", "E-mail dispatches opened (tracked e-mail)"),
    ("clicked_count", "Dispatches whose recipient visited a tracked link"),
    ("unsubscribed_count", "Recipients who unsubscribed from the message"),
    ("visits_count", "Visits of the sending's links"),
    ("unique_visits_count", "Distinct visitors (member or device) of the sending's links"),
)

SENDING_FIELDS = (
    Field("id", INTEGER, "Internal sending ID"),
    CLUB,
    Field("language", ENUM, "Language of the sending (not set by loyaltyhub)", enum=()),
    Field("channel", ENUM, "The message's first channel", enum=CHANNELS),
    Field("service_type", ENUM, "The message's service", enum=SERVICE_TYPES),
    Field("reporting_id", INTEGER, "Reporting ID: the message's campaign_id"),
    Field("source_id", STRING, "reporting_id as a string, else service_type"),
    Field("source_app", ENUM, "Application that made the sending", enum=("messages_api",)),
    Field("source_type", ENUM, "campaign (with a reporting_id) or other", enum=("campaign", "other")),
    Field("status", ENUM, "Status of the sending", enum=STATUSES),
    Field("message_id", INTEGER, "Message ID"),
    Field("audience_id", INTEGER, "Member group the sending targets"),
    Field("campaign_id", INTEGER, "Campaign ID of the message"),
    *(Field(name, INTEGER, description) for name, description in COUNTERS),
    Field("created_at", TIMESTAMP, "When the sending was made"),
    Field("transmitted_at", TIMESTAMP, "When its last dispatch was handed over (null until then)"),
    Field(
        "intervals",
        OBJECT,
        "Per interval, the bucket of the sending's start (from) and end (to; null while sending)",
        filterable=False,
    ),
)


def _dispatch_counts() -> Any:
    """Per sending, its dispatches' counters summed from the pre-counted totals."""
    t = counted()
    recipient, event = t.c.kind == "recipient", t.c.kind == "event"

    def total_if(*condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((and_(*condition), t.c.dispatches_count), else_=0)), 0)

    def of_status(*statuses: str) -> ColumnElement[Any]:
        return total_if(recipient, t.c.event.in_(statuses))

    return (
        select(
            t.c.loyalty_club_id.label("club_id"),
            t.c.sending_id.label("sending_id"),
            total_if(recipient).label("dispatches_count"),
            # One dispatch per member of a sending (unique (club, sending, member_id)): counting is distinct.
            total_if(recipient, t.c.member == 1).label("members_count"),
            of_status("pending", "transmitting", "retrying").label("new_count"),
            of_status("transmitted").label("transmitted_count"),
            total_if(event, t.c.event == "delivered").label("delivered_count"),
            of_status("failed").label("failed_count"),
            of_status("skipped").label("skipped_count"),
            of_status("cancelled").label("cancelled_count"),
            total_if(event, t.c.event == "opened").label("opened_count"),
            total_if(event, t.c.event == "unsubscribed").label("unsubscribed_count"),
        )
        .group_by(t.c.loyalty_club_id, t.c.sending_id)
        .subquery("dispatch_counts")
    )


def _visit_counts() -> Any:
    v, link = LinkVisit.__table__, Link.__table__
    return (
        select(
            v.c.loyalty_club_id.label("club_id"),
            v.c.sending_id.label("sending_id"),
            func.count().label("visits_count"),
            func.count(func.distinct(v.c.visitor_key)).label("unique_visits_count"),
            func.count(func.distinct(v.c.dispatch_id)).label("clicked_count"),
        )
        .select_from(v.join(link, and_(link.c.id == v.c.link_id, same_club(link, v))))
        .where(v.c.sending_id.is_not(None))
        .group_by(v.c.loyalty_club_id, v.c.sending_id)
        .subquery("visit_counts")
    )


def sendings_source() -> Source:
    s, m = Sending.__table__, Message.__table__
    dc, vc = _dispatch_counts(), _visit_counts()
    from_ = (
        s.join(m, and_(m.c.id == s.c.message_id, same_club(m, s)))
        .outerjoin(dc, and_(dc.c.sending_id == s.c.id, dc.c.club_id == s.c.loyalty_club_id))
        .outerjoin(vc, and_(vc.c.sending_id == s.c.id, vc.c.club_id == s.c.loyalty_club_id))
    )
    columns: dict[str, ColumnElement[Any]] = {
        "id": s.c.id,
        "loyalty_club_id": s.c.loyalty_club_id,
        "language": cast(null(), String),
        "channel": _first_channel(m.c.id, m.c.loyalty_club_id),
        "service_type": m.c.service,
        "reporting_id": m.c.campaign_id,
        "source_id": source_id(m.c.campaign_id, m.c.service),
        "source_app": literal("messages_api", String),
        "source_type": case((m.c.campaign_id.is_not(None), "campaign"), else_="other"),
        "status": s.c.status,
        "message_id": m.c.id,
        "audience_id": s.c.audience_id,
        "campaign_id": m.c.campaign_id,
    }
    for name, _ in COUNTERS:
        found = vc.c[name] if name in vc.c else dc.c[name]
        columns[name] = func.coalesce(found, 0)
    columns["created_at"] = s.c.created_at
    columns["transmitted_at"] = s.c.transmitted_at
    columns["intervals"] = cast(null(), String)
    return Source(from_=from_, columns=columns, club=s.c.loyalty_club_id, key=s.c.id)


def _iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _utc(instant: datetime) -> str:
    """As the vendor's example writes them: ``2025-04-11T08:00:00.000000Z``."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sending_intervals(session: Session, records: list[dict[str, Any]]) -> None:
    """Each sending's ``intervals``: per interval, the start of the bucket (in the club's timezone) of the
    sending's creation and of its end (null while it is not transmitted)."""
    clubs = {record["loyalty_club_id"] for record in records}
    zones = {
        club.id: ZoneInfo(club.timezone)
        for club in session.execute(select(LoyaltyClub).where(LoyaltyClub.id.in_(clubs))).scalars()
    }
    for record in records:
        zone = zones.get(record["loyalty_club_id"], ZoneInfo("UTC"))
        start, end = _iso(record["created_at"]), _iso(record["transmitted_at"])
        record["intervals"] = {
            interval: {
                "from": _utc(bucket_start(start, zone, interval)) if start else None,
                "to": _utc(bucket_start(end, zone, interval)) if end else None,
            }
            for interval in SENDING_INTERVALS
        }


def _counts(noun: str, labels: dict[str, str]) -> tuple[Aggregation, ...]:
    found = [Aggregation("count", (), f"Number of {noun}")]
    for name, label in labels.items():
        found.append(Aggregation(f"{name}_count", (label,), f"Number of {noun} per {label}"))
    return tuple(found)


SENDINGS = Report(
    name="sendings",
    format="records",
    permit=permits.REPORT_SENDINGS,
    cost=2,
    description="Sendings in the loyalty club, with their dispatch, open, click and visit counters.",
    fields=SENDING_FIELDS,
    source=sendings_source,
    aggregations=_counts("sendings", {"status": "status", "service_type": "service_type", "channel": "channel"}),
    club_key="loyalty_club_id",
    count_key="sendings_count",
    enrich=_sending_intervals,
)


# --- events (sendings_events_history, sendings_stats) ------------------------------------------------

EVENT_FIELDS = (
    CLUB,
    Field("sending_id", INTEGER, "Sending ID"),
    Field("reporting_id", INTEGER, "Reporting ID of the sending (its message's campaign_id)"),
    Field("source_id", STRING, "reporting_id as a string, else service_type"),
    Field("service_type", ENUM, "The message's service", enum=SERVICE_TYPES),
    Field("channel", ENUM, "Channel of the dispatch (null: a visit of an untracked link)", enum=CHANNELS),
    Field("event_type", ENUM, "What happened", enum=EVENTS),
)


def events_source() -> Source:
    d, v, s, m = Dispatch.__table__, LinkVisit.__table__, Sending.__table__, Message.__table__
    status = d.c.transmission_status

    def sent(anchor: Any) -> Any:
        """The sending and message of the event's row: its reporting_id and service."""
        return and_(s.c.id == anchor.c.sending_id, same_club(s, anchor)), and_(
            m.c.id == s.c.message_id, same_club(m, s)
        )

    def described(anchor: Any) -> list[Any]:
        return [
            anchor.c.loyalty_club_id.label("club_id"),
            anchor.c.sending_id.label("sending_id"),
            m.c.campaign_id.label("reporting_id"),
            m.c.service.label("service_type"),
        ]

    on_sending, on_message = sent(d)
    dispatches = d.join(s, on_sending).join(m, on_message)

    def of_dispatch(kind: str, at: ColumnElement[Any], *where: ColumnElement[bool]) -> Any:
        return (
            select(
                *described(d),
                d.c.channel.label("channel"),
                literal(kind, String).label("event_type"),
                at.label("occurred_at"),
            )
            .select_from(dispatches)
            .where(*where)
        )

    on_sending, on_message = sent(v)
    visits = (
        select(
            *described(v),
            d.c.channel.label("channel"),
            literal("clicked", String).label("event_type"),
            v.c.visited_at.label("occurred_at"),
        )
        .select_from(
            v.join(s, on_sending).join(m, on_message).outerjoin(d, and_(d.c.id == v.c.dispatch_id, same_club(d, v)))
        )
        .where(v.c.sending_id.is_not(None))
    )
    events = union_all(
        of_dispatch("created", d.c.created_at),
        of_dispatch("skipped", d.c.created_at, status == "skipped"),
        of_dispatch("transmitted", d.c.transmitted_at, status == "transmitted"),
        of_dispatch("failed", d.c.updated_at, status == "failed"),
        of_dispatch("cancelled", d.c.updated_at, status == "cancelled"),
        of_dispatch("opened", d.c.opened_at, d.c.opened_at.is_not(None)),
        of_dispatch("unsubscribed", d.c.unsubscribed_at, d.c.unsubscribed_at.is_not(None)),
        visits,
    ).subquery("sending_events")
    return Source(
        from_=events,
        columns={
            "loyalty_club_id": events.c.club_id,
            "sending_id": events.c.sending_id,
            "reporting_id": events.c.reporting_id,
            "source_id": source_id(events.c.reporting_id, events.c.service_type),
            "service_type": events.c.service_type,
            "channel": events.c.channel,
            "event_type": events.c.event_type,
        },
        club=events.c.club_id,
        time=events.c.occurred_at,
    )


def _none(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """A totals key back as the rows have it: ``''`` is none."""
    return func.nullif(value, NONE)


def _of_sending(rows: Any, columns: dict[str, Any], time: ColumnElement[Any], **extra: Any) -> Source:
    """``rows`` (with ``club_id`` and ``sending_id``) joined to their sending and message: the fields every
    sending report shares (reporting_id, source_id, service_type) and ``columns``."""
    s, m = Sending.__table__, Message.__table__
    from_ = rows.join(s, and_(s.c.id == rows.c.sending_id, in_club(s, rows.c.club_id))).join(
        m, and_(m.c.id == s.c.message_id, same_club(m, s))
    )
    return Source(
        from_=from_,
        columns={
            "loyalty_club_id": rows.c.club_id,
            "sending_id": rows.c.sending_id,
            "reporting_id": m.c.campaign_id,
            "source_id": source_id(m.c.campaign_id, m.c.service),
            "service_type": m.c.service,
            **columns,
        },
        club=rows.c.club_id,
        time=time,
        **extra,
    )


def events_totals_source() -> Source:
    """The events of :func:`events_source` from the dispatch totals (created and skipped from the recipient
    rows, the others from the event rows, per hour) and the visits' rows (clicked)."""
    t, v, d = counted(), LinkVisit.__table__, Dispatch.__table__
    recipient = t.c.kind == "recipient"

    def of_totals(kind: ColumnElement[Any], *where: ColumnElement[bool]) -> Any:
        return select(
            t.c.loyalty_club_id.label("club_id"),
            t.c.sending_id.label("sending_id"),
            _none(t.c.channel).label("channel"),
            kind.label("event_type"),
            t.c.hour.label("occurred_at"),
            t.c.dispatches_count.label("dispatches_count"),
        ).where(*where)

    # The visit's dispatch by its key, one lookup per visit: a join would have PostgreSQL hash every
    # dispatch of the club to find a few percent of them.
    channel = select(d.c.channel).where(d.c.id == v.c.dispatch_id, same_club(d, v)).scalar_subquery()
    visits = select(
        v.c.loyalty_club_id.label("club_id"),
        v.c.sending_id.label("sending_id"),
        channel.label("channel"),
        literal("clicked", String).label("event_type"),
        v.c.visited_at.label("occurred_at"),
        literal(1).label("dispatches_count"),
    ).where(v.c.sending_id.is_not(None))
    events = union_all(
        of_totals(literal("created", String), recipient),
        of_totals(literal("skipped", String), recipient, t.c.event == "skipped"),
        of_totals(t.c.event, t.c.kind == "event", t.c.event != "delivered"),
        visits,
    ).subquery("counted_events")
    return _of_sending(
        events,
        {"channel": events.c.channel, "event_type": events.c.event_type},
        events.c.occurred_at,
        weight=events.c.dispatches_count,
    )


EVENT_AGGREGATIONS = (
    Aggregation("total", ("event_type",), "One series per event type"),
    Aggregation("sending_id", ("event_type", "sending_id"), "One series per event type and sending"),
    Aggregation("source_id", ("event_type", "source_id"), "One series per event type and source_id"),
    Aggregation("channel", ("event_type", "channel"), "One series per event type and channel"),
    Aggregation("service_type", ("event_type", "service_type"), "One series per event type and service"),
)


def _only_common(source: Source) -> Source:
    return replace(source, where=(*source.where, source.columns["event_type"].in_(COMMON_EVENTS)))


SENDINGS_EVENTS_HISTORY = Report(
    name="sendings_events_history",
    format="timeseries",
    permit=permits.REPORT_SENDINGS_EVENTS_HISTORY,
    cost=3,
    description="Events produced during sendings (only the events common to all channels).",
    fields=(
        *EVENT_FIELDS[:-1],
        Field("event_type", ENUM, "What happened", enum=COMMON_EVENTS),
    ),
    source=lambda: _only_common(events_source()),
    intervals=INTERVALS,
    default_labels=("event_type",),
    aggregations=EVENT_AGGREGATIONS,
    totals=Totals(lambda: _only_common(events_totals_source()), key="sending_id"),
)

SENDINGS_STATS = Report(
    name="sendings_stats",
    format="statistics",
    permit=permits.REPORT_SENDINGS_STATS,
    cost=2,
    description="Totals of sending events over a period (including e-mail opens and unsubscribes).",
    fields=EVENT_FIELDS,
    source=events_source,
    intervals=INTERVALS,
    default_labels=("event_type",),
    aggregations=EVENT_AGGREGATIONS,
    totals=Totals(events_totals_source, key="sending_id"),
)


# --- recipients (sendings_recipients_statistics) ------------------------------------------------------


def recipients_source() -> Source:
    from loyaltyhub.members.models import Member

    d, s, m, member = Dispatch.__table__, Sending.__table__, Message.__table__, Member.__table__
    from_ = (
        d.join(s, and_(s.c.id == d.c.sending_id, same_club(s, d)))
        .join(m, and_(m.c.id == s.c.message_id, same_club(m, s)))
        .outerjoin(member, and_(member.c.id == d.c.member_id, same_club(member, d)))
    )
    return Source(
        from_=from_,
        columns={
            "loyalty_club_id": d.c.loyalty_club_id,
            "sending_id": d.c.sending_id,
            "reporting_id": m.c.campaign_id,
            "source_id": source_id(m.c.campaign_id, m.c.service),
            "channel": d.c.channel,
            "transmission_status": d.c.transmission_status,
            "gender": member.c.gender,
            "age": member.c.age,
        },
        club=d.c.loyalty_club_id,
        time=d.c.created_at,
    )


def recipients_totals_source() -> Source:
    """The recipients of :func:`recipients_source` from the totals' recipient rows, per hour of creation."""
    t = counted()
    rows = (
        select(
            t.c.loyalty_club_id.label("club_id"),
            t.c.sending_id.label("sending_id"),
            t.c.hour,
            t.c.event,
            t.c.channel,
            t.c.gender,
            t.c.age,
            t.c.dispatches_count,
        )
        .where(t.c.kind == "recipient")
        .subquery("counted_recipients")
    )
    source = _of_sending(
        rows,
        {
            "channel": _none(rows.c.channel),
            "transmission_status": rows.c.event,
            "gender": _none(rows.c.gender),
            "age": _none(rows.c.age),
        },
        rows.c.hour,
        weight=rows.c.dispatches_count,
    )
    return replace(source, columns={k: v for k, v in source.columns.items() if k != "service_type"})


def _series(
    name: str, permit: str, description: str, fields: tuple[Field, ...], labels: tuple[str, ...], **declared: Any
) -> Report:
    """A timeseries report with one aggregation per label (one series per value of that field)."""
    return Report(
        name=name,
        format="timeseries",
        permit=permit,
        cost=3,
        description=description,
        fields=(CLUB, *fields),
        aggregations=tuple(Aggregation(label, (label,), f"One series per {label}") for label in labels),
        **declared,
    )


SENDINGS_RECIPIENTS_STATISTICS = _series(
    "sendings_recipients_statistics",
    permits.REPORT_SENDINGS_RECIPIENTS_STATISTICS,
    "Recipients of sendings (one per dispatch), by when they were prepared.",
    (
        Field("sending_id", INTEGER, "Sending ID"),
        Field("reporting_id", INTEGER, "Reporting ID of the sending"),
        Field("source_id", STRING, "reporting_id as a string, else service_type"),
        Field("channel", ENUM, "Channel chosen for the recipient (null: skipped)", enum=CHANNELS),
        Field("transmission_status", ENUM, "What became of the dispatch", enum=TRANSMISSION_STATUSES),
        Field("gender", STRING, "Gender of the member. See members report."),
        Field("age", ENUM, "Age of the member. See members report.", enum=AGE_BANDS),
    ),
    ("age", "gender", "channel", "transmission_status", "sending_id"),
    source=recipients_source,
    intervals=SENDING_INTERVALS,
    totals=Totals(recipients_totals_source, key="sending_id"),
)


# --- links (sendings_links, sendings_links_stats, links_visits_history) -------------------------------

UTM = ("utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term")


def _link_source_id() -> tuple[Any, ColumnElement[Any]]:
    """Links with their ``source_id`` (a sending's, or ``generated``), as a FROM clause."""
    link, s, m = Link.__table__, Sending.__table__, Message.__table__
    from_ = link.outerjoin(s, and_(s.c.id == link.c.sending_id, same_club(s, link))).outerjoin(
        m, and_(m.c.id == s.c.message_id, same_club(m, s))
    )
    expression = case((link.c.sending_id.is_(None), GENERATED), else_=source_id(m.c.campaign_id, m.c.service))
    return from_, expression


def _grouped_links(keys: tuple[str, ...]) -> Any:
    link, v = Link.__table__, LinkVisit.__table__
    from_, source = _link_source_id()
    named: dict[str, ColumnElement[Any]] = {
        "club_id": link.c.loyalty_club_id,
        "source_id": source,
        "source_type": link.c.source_type,
        "host": link.c.host,
        "path": link.c.path,
        **{key: link.c[key] for key in UTM},
    }
    group = [named[key] for key in ("club_id", *keys)]
    return (
        select(
            *(expression.label(name) for name, expression in named.items() if name in ("club_id", *keys)),
            func.min(link.c.id).label("key"),
            func.count(v.c.id).label("visits_count"),
            func.count(func.distinct(v.c.visitor_key)).label("unique_visits_count"),
        )
        .select_from(from_.outerjoin(v, and_(v.c.link_id == link.c.id, same_club(v, link))))
        .group_by(*group)
        .subquery("links")
    )


def links_source() -> Source:
    grouped = _grouped_links(("source_id", "source_type", "host", "path", *UTM))
    names = ("source_id", "source_type", "host", "path", *UTM, "visits_count", "unique_visits_count")
    return Source(
        from_=grouped,
        columns={"loyalty_club_id": grouped.c.club_id, **{name: grouped.c[name] for name in names}},
        club=grouped.c.club_id,
        key=grouped.c.key,
    )


def links_stats_source() -> Source:
    grouped = _grouped_links(("source_id",))
    return Source(
        from_=grouped,
        columns={
            "loyalty_club_id": grouped.c.club_id,
            "source_id": grouped.c.source_id,
            "visits_count": grouped.c.visits_count,
            "unique_visits_count": grouped.c.unique_visits_count,
        },
        club=grouped.c.club_id,
        key=grouped.c.key,
    )


SOURCE_ID = Field("source_id", STRING, "The sending's reporting_id as a string, else its service_type; generated")
LINK_FIELDS = (
    CLUB,
    SOURCE_ID,
    Field("source_type", ENUM, "sending (a link in a sending) or generated (Generate Link)", enum=SOURCE_TYPES),
    Field("host", STRING, "Host of the link's URL"),
    Field("path", STRING, "Path of the link's URL"),
    *(Field(key, STRING, f"{key} of the link's URL") for key in UTM),
    Field("visits_count", INTEGER, "Visits"),
    Field("unique_visits_count", INTEGER, "Distinct visitors (member or device)"),
)

SENDINGS_LINKS = Report(
    name="sendings_links",
    format="records",
    permit=permits.REPORT_SENDINGS_LINKS,
    cost=3,
    description="Performance of the links sent in sendings: visits per source, host, path and utm_* values.",
    fields=LINK_FIELDS,
    source=links_source,
    club_key="loyalty_club_id",
    count_key="links_count",
    aggregations=(Aggregation("count", (), "Number of link groups"),),
)

SENDINGS_LINKS_STATS = Report(
    name="sendings_links_stats",
    format="records",
    permit=permits.REPORT_SENDINGS_LINKS_STATS,
    cost=2,
    description="Clicks in sendings: visits and unique visits per source_id.",
    fields=(
        CLUB,
        SOURCE_ID,
        Field("visits_count", INTEGER, "Visits"),
        Field("unique_visits_count", INTEGER, "Distinct visitors (member or device)"),
    ),
    source=links_stats_source,
    club_key="loyalty_club_id",
    count_key="sources_count",
    aggregations=(Aggregation("count", (), "Number of sources"),),
)


def visits_source() -> Source:
    link, v = Link.__table__, LinkVisit.__table__
    from_, source = _link_source_id()
    return Source(
        from_=v.join(from_, and_(link.c.id == v.c.link_id, same_club(link, v))),
        columns={
            "loyalty_club_id": v.c.loyalty_club_id,
            "source_type": link.c.source_type,
            "source_id": source,
            "sending_id": v.c.sending_id,
            "host": link.c.host,
            "path": link.c.path,
            **{key: link.c[key] for key in UTM},
        },
        club=v.c.loyalty_club_id,
        time=v.c.visited_at,
    )


LINKS_VISITS_HISTORY = _series(
    "links_visits_history",
    permits.REPORT_LINKS_VISITS_HISTORY,
    "Resolved (short) links: visits over time.",
    (
        Field("source_type", ENUM, "The component that produced the link visit", enum=SOURCE_TYPES),
        SOURCE_ID,
        Field("sending_id", INTEGER, "Sending ID (null: a generated link)"),
        Field("host", STRING, "Host of the link's URL"),
        Field("path", STRING, "Path of the link's URL"),
        *(Field(key, STRING, f"{key} of the link's URL") for key in UTM),
    ),
    ("source_type", "source_id", "sending_id", "host", "path", *UTM),
    source=visits_source,
    intervals=INTERVALS,
)

REPORTS = (
    SENDINGS,
    SENDINGS_EVENTS_HISTORY,
    SENDINGS_RECIPIENTS_STATISTICS,
    SENDINGS_LINKS,
    SENDINGS_LINKS_STATS,
    SENDINGS_STATS,
    LINKS_VISITS_HISTORY,
)
