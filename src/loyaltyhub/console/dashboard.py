"""The club dashboard: charts read from the reporting engine (the Reporting API's reports, the caller's
permits), each with its table and a CSV download. No SQL of its own beyond offer names for the labels."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from loyaltyhub.auth.context import ClubAccess, CustomerAccess
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.errors import ApiError, ValidationFailed
from loyaltyhub.messaging import repository as messaging_repository
from loyaltyhub.offers import queries as offer_queries
from loyaltyhub.offers.models import Offer
from loyaltyhub.reporting import engine

RANGES = ("7", "30", "90")
DEFAULT_RANGE = "30"
MAX_DAYS = 150  # the engine's bucket limit for daily buckets
TOP_OFFERS = 10
LATEST_SENDINGS = 20


@dataclass(frozen=True)
class Period:
    """Whole days of the club's calendar, ``first`` to ``last`` inclusive."""

    first: date
    last: date
    choice: str  # "7" | "30" | "90" | "custom"

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def window(self) -> dict[str, str]:
        """``from``/``to`` of a query: wall times, which the engine reads in the club's timezone."""
        start = datetime.combine(self.first, time())
        end = datetime.combine(self.last + timedelta(days=1), time())
        return {"from": start.isoformat(), "to": end.isoformat()}


def period_of(params: dict[str, str], timezone: str, today: date | None = None) -> tuple[Period, dict[str, str]]:
    """The period the range picker asks for, and the picker's errors (field name → message)."""
    today = today or datetime.now(ZoneInfo(timezone)).date()
    choice = params.get("range") or DEFAULT_RANGE
    if choice in RANGES:
        return Period(today - timedelta(days=int(choice) - 1), today, choice), {}
    errors: dict[str, str] = {}
    parsed: dict[str, date] = {}
    for name in ("from", "to"):
        try:
            parsed[name] = date.fromisoformat(params.get(name, "").strip())
        except ValueError:
            errors[name] = "must be a date (YYYY-MM-DD)"
    if choice != "custom":
        errors["range"] = "is not one of the allowed values"
    if not errors:
        if parsed["to"] < parsed["from"]:
            errors["to"] = "must not be before from"
        elif (parsed["to"] - parsed["from"]).days + 1 > MAX_DAYS:
            errors["to"] = f"at most {MAX_DAYS} days after from"
    if errors:
        return Period(today - timedelta(days=int(DEFAULT_RANGE) - 1), today, DEFAULT_RANGE), errors
    return Period(parsed["from"], parsed["to"], "custom"), {}


def period_query(period: Period) -> str:
    """The query string naming ``period`` (what the chart requests and CSV links of the page carry)."""
    if period.choice in RANGES:
        return f"range={period.choice}"
    return f"range=custom&from={period.first.isoformat()}&to={period.last.isoformat()}"


@dataclass
class Chart:
    id: str
    title: str
    kind: str  # Chart.js type
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None

    @property
    def empty(self) -> bool:
        return not any(value for row in self.rows for value in row[1:] if isinstance(value, int | float))

    def spec(self) -> dict[str, Any]:
        """What the page's script draws (``static/console.js``)."""
        return {"id": self.id, "kind": self.kind, "labels": self.labels, "datasets": self.datasets}

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


Access = ClubAccess | CustomerAccess  # one club's page, or an organization's clubs together


def customer_access(access: Access) -> CustomerAccess:
    """The page's clubs as the reporting engine's Customer context (one club, or an organization's)."""
    if isinstance(access, CustomerAccess):
        return access
    return CustomerAccess(
        principal=access.principal, clubs=(access.club,), permits=access.permits, organization_context=False
    )


def clubs_of(access: Access) -> tuple[LoyaltyClub, ...]:
    return access.clubs if isinstance(access, CustomerAccess) else (access.club,)


def _summed(answer: dict[str, Any]) -> list[Any]:
    """The values of every series of a time series added up per bucket (one series per club when the
    engine answers for several clubs); a bucket no series has a value for stays None."""
    total: list[Any] = [None] * len(answer["time_buckets"])
    for series in answer["series"]:
        for index, value in enumerate(series["values"]):
            if value is not None:
                total[index] = (total[index] or 0) + value
    return total


def _daily(session: Session, access: Access, period: Period, report: str, **query: Any) -> dict[str, Any]:
    body = {"report": report, "interval": "1d", **period.window(), **query}
    return engine.run_query(session, customer_access(access), body)


def _by_day(answer: dict[str, Any]) -> dict[str, Any]:
    return {bucket[:10]: value for bucket, value in zip(answer["time_buckets"], _summed(answer), strict=True)}


def members_chart(session: Session, access: Access, period: Period) -> Chart:
    chart = Chart("members", "Members over time", "line", ["day", "members"])
    answer = _daily(session, access, period, "members_count_history")
    values = _by_day(answer)
    days = [day.isoformat() for day in period.days]
    # A day without a count (no snapshot yet) stays empty: the chart does not invent one.
    chart.labels = days
    chart.datasets = [{"label": "Members", "data": [values.get(day) for day in days]}]
    chart.rows = [[day, values.get(day)] for day in days]
    return chart


def uses_chart(session: Session, access: Access, period: Period) -> Chart:
    chart = Chart("uses", "Offer uses per day", "bar", ["day", "uses"])
    answer = _daily(session, access, period, "offers_usages_history")
    values = _by_day(answer)
    days = [day.isoformat() for day in period.days]
    counts = [int(values.get(day) or 0) for day in days]  # no bucket: no use that day
    chart.labels = days
    chart.datasets = [{"label": "Uses", "data": counts}]
    chart.rows = [[day, count] for day, count in zip(days, counts, strict=True)]
    return chart


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURLY_DAYS = 6  # hourly buckets per query: 6 days are at most 150 hours (the engine's limit), DST included


def uses_by_hour_chart(session: Session, access: Access, period: Period) -> Chart:
    """Offer uses per hour of the week (the club's clock): hourly buckets of the uses report, a few days
    per query (the engine answers at most 150 buckets), folded onto weekday × hour."""
    chart = Chart("uses_by_hour", "Offer uses per hour of week", "line", ["weekday", *map(str, range(24))])
    counts = [[0] * 24 for _ in WEEKDAYS]
    day = period.first
    while day <= period.last:
        end = min(day + timedelta(days=HOURLY_DAYS), period.last + timedelta(days=1))
        window = {"from": datetime.combine(day, time()).isoformat(), "to": datetime.combine(end, time()).isoformat()}
        answer = engine.run_query(
            session, customer_access(access), {"report": "offers_usages_history", "interval": "1h", **window}
        )
        for bucket, value in zip(answer["time_buckets"], _summed(answer), strict=True):
            local = datetime.fromisoformat(bucket)  # the bucket's start on the club's clock
            counts[local.weekday()][local.hour] += int(value or 0)
        day = end
    chart.rows = [[name, *hours] for name, hours in zip(WEEKDAYS, counts, strict=True)]
    chart.labels = [f"{hour:02d}" for hour in range(24)]
    chart.datasets = [{"label": name, "data": hours} for name, hours in zip(WEEKDAYS, counts, strict=True)]
    return chart


def covering_pieces(first: date, last: date) -> list[tuple[str, date, date]]:
    """The days ``first``..``last`` as few whole buckets as possible: ``(interval, start, end)`` pieces
    (end exclusive) of whole months, then whole weeks (from Monday), then days. Their totals add up to
    the period's exactly, from a few hundred points instead of one per offer and day."""
    end = last + timedelta(days=1)
    pieces: list[tuple[str, date, date]] = []
    cursor = first
    while cursor < end:
        next_month = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        if cursor.day == 1 and next_month <= end:
            interval, step = "1mo", next_month
        elif cursor.weekday() == 0 and cursor + timedelta(days=7) <= end:
            interval, step = "1w", cursor + timedelta(days=7)
        else:
            interval, step = "1d", cursor + timedelta(days=1)
        if pieces and pieces[-1][0] == interval and pieces[-1][2] == cursor:
            pieces[-1] = (interval, pieces[-1][1], step)
        else:
            pieces.append((interval, cursor, step))
        cursor = step
    return pieces


def top_offers_chart(session: Session, access: Access, period: Period) -> Chart:
    chart = Chart("top_offers", "Top offers by uses", "bar", ["offer_id", "offer", "uses"])
    totals: dict[int, int] = {}
    for interval, start, end in covering_pieces(period.first, period.last):
        window = {"from": datetime.combine(start, time()).isoformat(), "to": datetime.combine(end, time()).isoformat()}
        body = {"report": "offers_usages_history", "interval": interval, "aggregate_by": "offer_id", **window}
        answer = engine.run_query(session, customer_access(access), body)
        for series in answer["series"]:
            offer_id = series["label"].get("offer_id")
            if offer_id is not None:
                totals[int(offer_id)] = totals.get(int(offer_id), 0) + sum(int(v or 0) for v in series["values"])
    top = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:TOP_OFFERS]
    names = offer_names(session, access, [offer_id for offer_id, _ in top])
    chart.rows = [[offer_id, names.get(offer_id, f"#{offer_id}"), uses] for offer_id, uses in top]
    chart.labels = [str(row[1]) for row in chart.rows]
    chart.datasets = [{"label": "Uses", "data": [row[2] for row in chart.rows]}]
    return chart


def _grouped_chart(session: Session, access: Access, kind: str, title: str) -> Chart:
    """Members per gender or age band today (``members_grouped_count``, kept by the members' listeners)."""
    chart = Chart(f"members_by_{kind}", title, "bar", [kind, "members"])
    query = {
        "report": "members_grouped_count",
        "filter": {"type": "equal", "field": "grouping_type", "value": kind},
        "per_page": 1000,
    }
    # The secret signs the next page's cursor, which the dashboard never asks for (1,000 groups at most).
    records = engine.run_query(session, customer_access(access), query, secret_key="no next page")["records"]
    summed: dict[str, int] = {}
    for r in records:  # one record per club and value: added up across an organization's clubs
        value = str(r.get("grouping_value") or "unknown")
        summed[value] = summed.get(value, 0) + int(r.get("members_count") or 0)
    counts = sorted(summed.items(), key=lambda item: item[0])
    chart.rows = [[value, count] for value, count in counts if count]
    chart.labels = [row[0] for row in chart.rows]
    chart.datasets = [{"label": "Members", "data": [row[1] for row in chart.rows]}]
    return chart


def members_by_gender_chart(session: Session, access: Access, _period: Period) -> Chart:
    return _grouped_chart(session, access, "gender", "Members by gender (today)")


def members_by_age_chart(session: Session, access: Access, _period: Period) -> Chart:
    return _grouped_chart(session, access, "birth_year_group", "Members by birth-year group (today)")


SENDING_COUNTS = (("delivered_count", "Delivered"), ("opened_count", "Opened"), ("clicked_count", "Clicked"))


def sendings_chart(session: Session, access: Access, period: Period) -> Chart:
    """Delivered, opened and clicked dispatches of the latest sendings made in the period: the ``sendings``
    report's records (the Reporting API's counters), filtered on ``created_at`` over the period's days."""
    chart = Chart(
        "sendings",
        "Sendings: delivered, opened, clicked",
        "bar",
        ["sending_id", "message", "day", "dispatches", *(name.removesuffix("_count") for name, _ in SENDING_COUNTS)],
    )
    zone = ZoneInfo(clubs_of(access)[0].timezone)
    start = datetime.combine(period.first, time(), zone)
    end = datetime.combine(period.last + timedelta(days=1), time(), zone)
    query = {
        "report": "sendings",
        "filter": {
            "type": "and",
            "operations": [
                {"type": "greater_or_equal_to", "field": "created_at", "value": start.isoformat()},
                {"type": "less_than", "field": "created_at", "value": end.isoformat()},
            ],
        },
        "per_page": 1000,
    }
    # The secret signs the next page's cursor, which the chart never asks for (the latest are shown).
    records = engine.run_query(session, customer_access(access), query, secret_key="no next page")["records"]
    records = sorted(records, key=lambda r: (r.get("created_at") or "", r.get("id") or 0))[-LATEST_SENDINGS:]
    names: dict[int, str] = {}
    for club in clubs_of(access):
        ids = [int(r["message_id"]) for r in records if r.get("loyalty_club_id") == club.id and r.get("message_id")]
        names.update(messaging_repository.message_names(session, club.id, ids))
    for r in records:
        created = datetime.fromisoformat(str(r["created_at"]).replace("Z", "+00:00")).astimezone(zone)
        name = names.get(int(r.get("message_id") or 0)) or f"#{r.get('message_id')}"
        counts = [int(r.get(key) or 0) for key, _ in SENDING_COUNTS]
        chart.rows.append([r["id"], name, created.date().isoformat(), int(r.get("dispatches_count") or 0), *counts])
    chart.labels = [f"{row[1]} ({row[2]})" for row in chart.rows]
    chart.datasets = [
        {"label": label, "data": [row[4 + index] for row in chart.rows]}
        for index, (_key, label) in enumerate(SENDING_COUNTS)
    ]
    return chart


def offer_names(session: Session, access: Access, ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    if not ids:
        return names
    for club in clubs_of(access):
        statement = offer_queries.club_offers(club.id).where(Offer.id.in_(ids))
        for offer in session.execute(statement).scalars():
            localized = offer.name or {}
            names[offer.id] = (
                localized.get(club.default_language) or next(iter(localized.values()), None) or f"#{offer.id}"
            )
    return names


CHARTS: dict[str, Callable[[Session, Access, Period], Chart]] = {
    "members": members_chart,
    "uses": uses_chart,
    "uses_by_hour": uses_by_hour_chart,
    "top_offers": top_offers_chart,
    "members_by_gender": members_by_gender_chart,
    "members_by_birth_year_group": members_by_age_chart,
    "sendings": sendings_chart,
}
TITLES = {
    "members": "Members over time",
    "uses": "Offer uses per day",
    "uses_by_hour": "Offer uses per hour of week",
    "top_offers": "Top offers by uses",
    "members_by_gender": "Members by gender (today)",
    "members_by_birth_year_group": "Members by birth-year group (today)",
    "sendings": "Sendings: delivered, opened, clicked",
}


def build(session: Session, access: Access, name: str, period: Period) -> Chart:
    """One chart; a report the user may not read (or a refused query) becomes the chart's problem."""
    try:
        return CHARTS[name](session, access, period)
    except ValidationFailed as exc:
        return Chart(name, TITLES[name], "bar", [], problem=f"{exc.message}: {exc.extra.get('details')}")
    except ApiError as exc:
        return Chart(name, TITLES[name], "bar", [], problem=exc.message)
