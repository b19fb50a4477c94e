"""The seven messaging reports equal a recount in Python over random dispatch and visit rows (property
based), through the vendor's example queries: a sending by ``reporting_id``, the events of one campaign
and of all, recipients by age group, the stats of one campaign and of all; plus their metadata.

The dispatch counters come from the pre-counted totals the database keeps (``messaging.totals``): each
example checks the reports with the changes not folded yet, folded, after random changes of the rows
(statuses by the ORM and by a bulk UPDATE, opens, deliveries, deletes, new dispatches, members' gender
and age changed or deleted) and folded again; with a range ending in the middle of an hour (the engine
reads that hour's rows) and in 5-minute buckets (the rows only)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from loyaltyhub.messaging.links import split_url
from loyaltyhub.messaging.models import Dispatch, Link, LinkVisit, Message, Sending
from loyaltyhub.messaging.reports import COMMON_EVENTS
from loyaltyhub.messaging.rules import recipient_key
from loyaltyhub.messaging.totals import fold
from loyaltyhub.reporting.engine import run_query
from loyaltyhub.reporting.registry import reports
from tests.reporting.factories import access, member

SETTINGS = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a failing example is printed as is
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
START = datetime(2024, 10, 21, tzinfo=ZoneInfo("Europe/Oslo"))
WINDOW = {"from": START.isoformat(), "to": (START + timedelta(days=10)).isoformat()}
CAMPAIGN = 71
URLS = ("https://shop.example/a?utm_source=sms&utm_campaign=c1", "https://shop.example/b", "https://other.example/")
STATUSES = ("pending", "transmitted", "failed", "skipped", "cancelled")
PEOPLE = (("woman", "20-24"), ("man", "30-34"), (None, None))

dispatches = st.lists(
    st.fixed_dictionaries(
        {
            "sending": st.integers(0, 2),
            "person": st.none() | st.integers(0, len(PEOPLE) - 1),
            "status": st.sampled_from(STATUSES),
            "channel": st.sampled_from(["sms", "email", "push"]),
            "minutes": st.integers(0, 60 * 24 * 8),
            "opened": st.booleans(),
            "unsubscribed": st.booleans(),
        }
    ),
    max_size=20,
)
visits = st.lists(
    st.fixed_dictionaries(
        {
            "link": st.integers(0, 2 * len(URLS)),  # the last one: a generated link
            "dispatch": st.none() | st.integers(0, 19),
            "device": st.sampled_from(["d1", "d2", "d3"]),
            "minutes": st.integers(0, 60 * 24 * 8),
        }
    ),
    max_size=20,
)
changes = st.lists(
    st.fixed_dictionaries(
        {
            "dispatch": st.integers(0, 19),
            "change": st.sampled_from(["status", "bulk_status", "opened", "delivered", "delete", "member", "new"]),
            "status": st.sampled_from(STATUSES),
            "minutes": st.integers(0, 60 * 24 * 8),
            "person": st.integers(0, len(PEOPLE) - 1),
            "gender": st.sampled_from(["woman", "man", None]),
            "age": st.sampled_from(["20-24", "40-44", None]),
            "forget": st.booleans(),
        }
    ),
    max_size=8,
)


def _dispatch(club, sending, person, index, row) -> Dispatch:  # type: ignore[no-untyped-def]
    at = START + timedelta(minutes=row["minutes"])
    return Dispatch(
        loyalty_club_id=club.id,
        sending_id=sending.id,
        recipient_key=recipient_key(person.id if person else None, row["channel"], f"a{index}"),
        member_id=person.id if person else None,
        channel=row["channel"],
        address=f"a{index}",
        transmission_status=row["status"],
        created_at=at,
        updated_at=at + timedelta(minutes=1),
        transmitted_at=at + timedelta(minutes=1) if row["status"] == "transmitted" else None,
        opened_at=at + timedelta(minutes=2) if row["opened"] else None,
        unsubscribed_at=at + timedelta(minutes=3) if row["unsubscribed"] else None,
    )


def _build(session, club, rows, clicks):  # type: ignore[no-untyped-def]
    """Three sendings: two of campaign 71 (the campaigns service), one of the generic service."""
    people = [member(session, club, notify=False, gender=g, age=a) for g, a in PEOPLE]
    messages = [
        Message(loyalty_club_id=club.id, service="campaigns", name="c", campaign_id=CAMPAIGN),
        Message(loyalty_club_id=club.id, service="generic", name="g"),
    ]
    session.add_all(messages)
    session.flush()
    sendings = [
        Sending(loyalty_club_id=club.id, message_id=messages[i].id, status="transmitted", created_at=START)
        for i in (0, 0, 1)
    ]
    session.add_all(sendings)
    session.flush()
    made = []
    reached: set[tuple[int, int]] = set()
    for index, row in enumerate(rows):
        person = people[row["person"]] if row["person"] is not None else None
        if person is not None and (row["sending"], person.id) in reached:
            person = None  # a member is one recipient of a sending (its recipient key is member:<id>)
        if person is not None:
            reached.add((row["sending"], person.id))
        dispatch = _dispatch(club, sendings[row["sending"]], person, index, row)
        session.add(dispatch)
        made.append(dispatch)
    session.flush()
    links = []
    for number in range(2 * len(URLS) + 1):
        url = URLS[number % len(URLS)]
        sending = sendings[number // len(URLS)] if number < 2 * len(URLS) else None
        parts = split_url(url)
        link = Link(
            loyalty_club_id=club.id,
            code=f"code{number:06d}",
            source_type="sending" if sending else "generated",
            sending_id=sending.id if sending else None,
            url=url,
            url_hash=f"{number}",
            host=parts.host,
            path=parts.path,
            **parts.utm,
        )
        session.add(link)
        links.append(link)
    session.flush()
    recorded = []
    for click in clicks:
        link = links[click["link"]]
        dispatch = made[click["dispatch"]] if click["dispatch"] is not None and click["dispatch"] < len(made) else None
        if dispatch is not None and dispatch.sending_id != link.sending_id:
            dispatch = None
        if dispatch is not None:
            key = f"member:{dispatch.member_id}" if dispatch.member_id else f"dispatch:{dispatch.id}"
        else:
            key = f"device:{click['device']}"
        visit = LinkVisit(
            loyalty_club_id=club.id,
            link_id=link.id,
            sending_id=link.sending_id,
            dispatch_id=dispatch.id if dispatch else None,
            member_id=dispatch.member_id if dispatch else None,
            visitor_key=key,
            visited_at=START + timedelta(minutes=click["minutes"]),
        )
        session.add(visit)
        recorded.append((visit, link, dispatch))
    session.flush()
    return people, sendings, made, links, recorded


def _change(session, club, people, sendings, made, recorded, wanted) -> None:  # type: ignore[no-untyped-def]
    """Random changes of the rows after the totals were counted, the way the worker, the tracking and the
    members' services make them (the ORM) and the way a bulk job does (one UPDATE)."""
    for number, change in enumerate(wanted):
        at = START + timedelta(minutes=change["minutes"])
        kind = change["change"]
        if kind == "new":
            row = {"channel": "email", "status": change["status"], "minutes": change["minutes"]}
            row |= {"opened": False, "unsubscribed": change["forget"]}
            sending = sendings[number % len(sendings)]
            dispatch = _dispatch(club, sending, None, 1000 + number, row)
            session.add(dispatch)
            session.flush()
            made.append(dispatch)
            continue
        if kind == "member":
            person = people[change["person"]]
            if person not in session:
                continue
            if change["forget"]:
                session.delete(person)
            else:
                person.gender, person.age = change["gender"], change["age"]
            session.flush()
            continue
        if not made:
            continue
        dispatch = made[change["dispatch"] % len(made)]
        if kind == "status":
            dispatch.transmission_status = change["status"]
            dispatch.updated_at = at
            dispatch.transmitted_at = at if change["status"] == "transmitted" else dispatch.transmitted_at
        elif kind == "bulk_status":
            session.flush()
            session.execute(
                update(Dispatch)
                .where(Dispatch.loyalty_club_id == club.id, Dispatch.sending_id == dispatch.sending_id)
                .values(transmission_status=change["status"], updated_at=at)
            )
            session.expire_all()
        elif kind == "opened":
            dispatch.opened_at = None if change["forget"] else at
        elif kind == "delivered":
            dispatch.delivery_status = "unknown" if change["forget"] else "delivered"
        elif kind == "delete" and not any(v.dispatch_id == dispatch.id for v, _, _ in recorded):
            session.delete(dispatch)
            made.remove(dispatch)
        session.flush()
    session.expire_all()


def _source(link, sendings) -> str:  # type: ignore[no-untyped-def]
    if link.sending_id is None:
        return "generated"
    return str(CAMPAIGN) if link.sending_id in (sendings[0].id, sendings[1].id) else "generic"


@SETTINGS
@given(rows=dispatches, clicks=visits, wanted=changes)
def test_every_messaging_report_equals_a_recount(session, factory, rows, clicks, wanted):
    club = factory.club(timezone="Europe/Oslo")
    people, sendings, made, links, recorded = _build(session, club, rows, clicks)
    _recount(session, club, people, sendings, made, links, recorded)  # nothing folded yet
    fold(session)
    _recount(session, club, people, sendings, made, links, recorded)
    _change(session, club, people, sendings, made, recorded, wanted)
    _recount(session, club, people, sendings, made, links, recorded)  # totals and changes
    fold(session)
    _recount(session, club, people, sendings, made, links, recorded)


def _recount(session, club, people, sendings, made, links, recorded) -> None:  # type: ignore[no-untyped-def]
    who = access(club)
    campaign_sendings = {sendings[0].id, sendings[1].id}
    # A range ending in the middle of an hour, after the latest dispatch: the engine reads that hour's rows.
    ragged_end = max((d.created_at for d in made), default=START + timedelta(days=6)) + timedelta(seconds=30)

    # sendings: the vendor's example finds the campaign's sendings by reporting_id.
    found = run_query(
        session, who, {"report": "sendings", "filter": {"type": "equal", "field": "reporting_id", "value": CAMPAIGN}}
    )
    assert {r["id"] for r in found["records"]} == campaign_sendings
    everything = run_query(session, who, {"report": "sendings", "per_page": 100})["records"]
    for record in everything:
        mine = [d for d in made if d.sending_id == record["id"]]
        status = Counter(d.transmission_status for d in mine)
        mine_visits = [v for v, _, _ in recorded if v.sending_id == record["id"]]
        assert record["dispatches_count"] == len(mine)
        assert record["members_count"] == len({d.member_id for d in mine if d.member_id})
        assert record["new_count"] == status["pending"] and record["transmitted_count"] == status["transmitted"]
        assert (record["failed_count"], record["skipped_count"], record["cancelled_count"]) == (
            status["failed"],
            status["skipped"],
            status["cancelled"],
        )
        assert record["delivered_count"] == sum(1 for d in mine if d.delivery_status == "delivered")
        assert record["opened_count"] == sum(1 for d in mine if d.opened_at)
        assert record["unsubscribed_count"] == sum(1 for d in mine if d.unsubscribed_at)
        assert record["visits_count"] == len(mine_visits)
        assert record["unique_visits_count"] == len({v.visitor_key for v in mine_visits})
        assert record["clicked_count"] == len({v.dispatch_id for v in mine_visits if v.dispatch_id})
        assert record["source_id"] == (str(CAMPAIGN) if record["id"] in campaign_sendings else "generic")

    # sendings_links and sendings_links_stats
    groups: dict[tuple, list] = defaultdict(list)  # type: ignore[type-arg]
    stats: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for link in links:
        key = (_source(link, sendings), link.host, link.path, link.utm_source, link.utm_campaign)
        groups[key]  # every link appears, visited or not
        stats[_source(link, sendings)]
    for visit, link, _ in recorded:
        groups[(_source(link, sendings), link.host, link.path, link.utm_source, link.utm_campaign)].append(visit)
        stats[_source(link, sendings)].append(visit)
    answer = run_query(session, who, {"report": "sendings_links", "per_page": 100})["records"]
    got = {
        (r["source_id"], r["host"], r["path"], r["utm_source"], r["utm_campaign"]): (
            r["visits_count"],
            r["unique_visits_count"],
        )
        for r in answer
    }
    assert got == {k: (len(v), len({x.visitor_key for x in v})) for k, v in groups.items()}
    answer = run_query(session, who, {"report": "sendings_links_stats", "per_page": 100})["records"]
    assert {r["source_id"]: (r["visits_count"], r["unique_visits_count"]) for r in answer} == {
        k: (len(v), len({x.visitor_key for x in v})) for k, v in stats.items()
    }

    # links_visits_history: visits per source over the window
    answer = run_query(
        session, who, {"report": "links_visits_history", "interval": "1d", "aggregate_by": "source_id", **WINDOW}
    )
    got_visits = {s["label"]["source_id"]: sum(v or 0 for v in s["values"]) for s in answer["series"]}
    expected_visits = Counter(_source(link, sendings) for _, link, _ in recorded)
    assert {k: v for k, v in got_visits.items() if v} == dict(expected_visits)

    # Events: every event of a dispatch or a visit in a sending, by type, before ``end``.
    def events(only: set[int] | None, end: datetime = START + timedelta(days=10)) -> Counter:  # type: ignore[type-arg]
        counted: Counter = Counter()  # type: ignore[type-arg]

        def happened(kind: str, at: datetime | None) -> None:
            if at is not None and START <= at < end:
                counted[kind] += 1

        for d in made:
            if only is not None and d.sending_id not in only:
                continue
            happened("created", d.created_at)
            status = d.transmission_status
            happened(status, {"skipped": d.created_at, "transmitted": d.transmitted_at}.get(status, d.updated_at))
            happened("opened", d.opened_at)
            happened("unsubscribed", d.unsubscribed_at)
        for visit, _, _ in recorded:
            if visit.sending_id is not None and (only is None or visit.sending_id in only):
                happened("clicked", visit.visited_at)
        counted.pop("pending", None)
        return +counted

    campaign_filter = {"type": "equal", "field": "reporting_id", "value": CAMPAIGN}
    for chosen, only in ((None, None), (campaign_filter, campaign_sendings)):
        # sendings_stats of one campaign and of all
        answer = run_query(session, who, {"report": "sendings_stats", "filter": chosen, **WINDOW})
        assert {s["label"]["event_type"]: s["value"] for s in answer["series"] if s["value"]} == events(only)
        # sendings_events_history of one campaign and of all (only the events common to all channels)
        answer = run_query(
            session, who, {"report": "sendings_events_history", "filter": chosen, "interval": "1d", **WINDOW}
        )
        got_events = {s["label"]["event_type"]: sum(v or 0 for v in s["values"]) for s in answer["series"]}
        expected = {k: v for k, v in events(only).items() if k in COMMON_EVENTS}
        assert {k: v for k, v in got_events.items() if v} == expected
        # A range ending in the middle of an hour (that hour from the rows), and 5-minute buckets (the rows).
        ragged = {"from": START.isoformat(), "to": ragged_end.isoformat()}
        answer = run_query(session, who, {"report": "sendings_stats", "filter": chosen, "interval": "1h", **ragged})
        got = {s["label"]["event_type"]: s["value"] for s in answer["series"] if s["value"]}
        assert got == events(only, ragged_end)
        short = {"from": START.isoformat(), "to": (START + timedelta(hours=7)).isoformat(), "interval": "5m"}
        answer = run_query(session, who, {"report": "sendings_stats", "filter": chosen, **short})
        got = {s["label"]["event_type"]: s["value"] for s in answer["series"] if s["value"]}
        assert got == events(only, START + timedelta(hours=7))

    # sendings_recipients_statistics by age groups
    answer = run_query(
        session,
        who,
        {"report": "sendings_recipients_statistics", "aggregate_by": "age", "interval": "1d", **WINDOW},
    )
    got_ages = {s["label"]["age"]: sum(v or 0 for v in s["values"]) for s in answer["series"]}
    ages_of = {person.id: person.age for person in people if person in session}
    ages = Counter(ages_of.get(d.member_id) for d in made)
    assert {k: v for k, v in got_ages.items() if v} == dict(ages)
    # ... by gender and transmission status of the campaign's sendings, in a range ending mid-hour
    answer = run_query(
        session,
        who,
        {
            "report": "sendings_recipients_statistics",
            "aggregate_by": "gender",
            "filter": {"type": "equal", "field": "transmission_status", "value": "transmitted"},
            "interval": "1d",
            "from": START.isoformat(),
            "to": ragged_end.isoformat(),
        },
    )
    got_genders = {s["label"]["gender"]: sum(v or 0 for v in s["values"]) for s in answer["series"]}
    genders_of = {person.id: person.gender for person in people if person in session}
    genders = Counter(
        genders_of.get(d.member_id)
        for d in made
        if d.transmission_status == "transmitted" and d.created_at < ragged_end
    )
    assert {k: v for k, v in got_genders.items() if v} == dict(genders)


def test_the_reports_metadata(client, factory):  # type: ignore[no-untyped-def]
    club = factory.club()
    headers = factory.headers(factory.client_token([club]), **{"X-Customer": str(club.id)})
    expected = {
        "sendings": ("records", "Reporting:Api:Report:Sendings", 2, None),
        "sendings_events_history": (
            "timeseries",
            "Reporting:Api:Report:SendingsEventsHistory",
            3,
            ["5m", "1h", "1d", "1w", "1mo"],
        ),
        "sendings_recipients_statistics": (
            "timeseries",
            "Reporting:Api:Report:SendingsRecipientsStatistics",
            3,
            ["1h", "1d", "1w", "1mo"],
        ),
        "sendings_links": ("records", "Reporting:Api:Report:SendingsLinks", 3, None),
        "sendings_links_stats": ("records", "Reporting:Api:Report:SendingsLinksStats", 2, None),
        "sendings_stats": ("statistics", "Reporting:Api:Report:SendingsStats", 2, ["5m", "1h", "1d", "1w", "1mo"]),
        "links_visits_history": (
            "timeseries",
            "Reporting:Api:Report:LinksVisitsHistory",
            3,
            ["5m", "1h", "1d", "1w", "1mo"],
        ),
    }
    for name, (kind, permit, cost, intervals) in expected.items():
        data = reports()[name].metadata()
        assert (data["format"], data["permit"], data["rate_limit_tokens_cost"]) == (kind, permit, cost), name
        assert data.get("intervals") == intervals, name
    fields = {f["name"]: f for f in reports()["sendings"].metadata()["fields"]}
    assert fields["loyalty_club_id"]["filterable_via"] == "X-Customer" and fields["intervals"]["type"] == "Object"
    # Without the report's permit: 403.
    limited = factory.headers(factory.client_token([club], ["Reporting:Api:Query"]), **{"X-Customer": str(club.id)})
    response = client.post("/v1/reporting/query", json={"report": "sendings_links"}, headers=limited)
    assert response.status_code == 403
    assert client.post("/v1/reporting/query", json={"report": "sendings_links"}, headers=headers).status_code == 200


def test_the_fold_moves_every_change_into_the_totals_once(session, factory):  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from loyaltyhub.messaging.models import DispatchTotal, DispatchTotalChange

    club = factory.club(timezone="Europe/Oslo")
    row = {"sending": 0, "person": None, "status": "transmitted", "channel": "sms", "minutes": 5}
    rows = [row | {"opened": n % 2 == 0, "unsubscribed": False} for n in range(6)]
    _build(session, club, rows, [])

    def sums(table):  # type: ignore[no-untyped-def]
        statement = (
            select(table.kind, table.event, func.sum(table.dispatches_count))
            .where(table.loyalty_club_id == club.id)
            .group_by(table.kind, table.event)
        )
        return {(kind, event): int(n) for kind, event, n in session.execute(statement)}

    counted = {("recipient", "transmitted"): 6, ("event", "transmitted"): 6, ("event", "opened"): 3}
    assert sums(DispatchTotalChange) == counted and sums(DispatchTotal) == {}
    assert fold(session)
    assert sums(DispatchTotalChange) == {} and sums(DispatchTotal) == counted
    assert fold(session)  # nothing to fold: the totals stay
    assert sums(DispatchTotal) == counted
    # Back to zero: the totals' rows go.
    session.execute(update(Dispatch).where(Dispatch.loyalty_club_id == club.id).values(opened_at=None))
    fold(session)
    assert sums(DispatchTotal) == {("recipient", "transmitted"): 6, ("event", "transmitted"): 6}
    assert (
        session.execute(
            select(func.count())
            .select_from(DispatchTotal)
            .where(DispatchTotal.loyalty_club_id == club.id, DispatchTotal.dispatches_count == 0)
        ).scalar_one()
        == 0
    )
