"""``python -m bench.messaging``: a sending to N recipients (default 100,000) through a real SMTP sink and
through a local HTTP server playing the SMS provider, each against a bare loop of the same client calls
in the same run; the peak memory of the process delivering them; how long an OTP code waits while the
campaign runs; and the seven messaging reports over 1,000,000 dispatches through HTTP.

1. A fresh database served by uvicorn, a club whose members all have a usable e-mail address and MSISDN;
   its e-mail transport is an aiosmtpd sink on 127.0.0.1, its SMS transport the provider server.
2. ``worker``: an e-mail sending to every member (``generic`` service, one link, shortened) is created
   through the API; a ``loyaltyhub worker`` process prepares and transmits it. Dispatches/s from the
   sending's creation until its last dispatch is transmitted. The same for an SMS sending.
   Also the worker process's CPU per dispatch (every thread, from ``/proc``): a shared machine's load
   disturbs it far less than the rate.
3. ``bare loop``: the same number of rendered items handed to the same transport classes
   (``SmtpTransport.send`` / ``SmsProvider.send``, batches of 50) with a report that records nothing; and
   the CPU of the loop's own thread per item.
4. While the e-mail campaign runs, OTP codes are requested through the API every 0.2 s (rounding 2,000 of
   the members); each request mails its code at once (the outbox does not queue behind the campaign): its
   duration is the wait.
5. The worker's peak RSS (``VmHWM``) when it is done.
6. Another club gets 1,000,000 dispatches over 40 sendings with links and visits (bulk INSERT); the
   database's triggers count them as they are inserted and ``messaging.totals.fold`` (the worker's job, run
   once here as after any bulk load) folds the counted changes (``totals_fold_ms``); each report is queried
   through ``POST /v1/reporting/query``, best of 3.

``--smoke``: 300 recipients and 5,000 report dispatches; checks every recipient got exactly one e-mail and
one SMS, every OTP arrived, and each report answers and agrees with a count of the rows. Without it the SMTP
sink only counts messages per recipient (100,000 parsed messages would weigh gigabytes and take CPU from
the worker measured). ``--report-dispatches 0``: delivery only; ``--recipients 0``: the reports only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select
from tests.member_offers import live
from tests.messaging.http_provider import ProviderServer
from tests.messaging.smtp_sink import SmtpSink

from bench._smoke import agree, analyze, check, scratch_database
from loyaltyhub.auth.permits import all_permits
from loyaltyhub.auth.service import create_client_token
from loyaltyhub.clubs.service import create_club
from loyaltyhub.db.engine import make_engine
from loyaltyhub.members.models import Member
from loyaltyhub.messaging.delivery.http_transports import SmsProvider
from loyaltyhub.messaging.delivery.transports import Outgoing, Result, SmtpConfig, SmtpTransport
from loyaltyhub.messaging.links import split_url, url_hash
from loyaltyhub.messaging.models import Dispatch, Link, LinkVisit, Message, MessageChannel, MessageTemplate, Sending
from loyaltyhub.wiring import unit_of_work

BATCH = 50
REPORT_WINDOW_DAYS = 30


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def seed_club(url: str, slug: str, members: int) -> tuple[int, str]:
    """A club with an all-permit token and ``members`` members with a verified e-mail and MSISDN."""
    engine = make_engine(url, pool_size=1)
    with unit_of_work(engine, write=True) as session:
        club = create_club(session, slug=slug, name=slug, timezone="Europe/Oslo", country="NO", default_language="no")
        token = create_client_token(
            session,
            name=f"{slug} app",
            permits=[p.name for p in all_permits()],
            club_slugs=[slug],
            organization=None,
            is_global=False,
            product_name="live-test",
        ).token
        club_id = club.id
        rows = [
            {
                "loyalty_club_id": club_id,
                "properties": {"first_name": f"M{n}", "email": f"m{n}@bench.example", "msisdn": f"47{40000000 + n}"},
                "consents": {},
                "email": f"m{n}@bench.example",
                "msisdn": f"47{40000000 + n}",
                "email_status": "verified",
                "sms_status": "verified",
                "gender": random.choice(("woman", "man")),
                "age": random.choice(("20-24", "30-34", "40-44")),
            }
            for n in range(members)
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(Member), rows[start : start + 5000])
    engine.dispose()
    return club_id, token


def start_worker(url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOYALTYHUB_DATABASE_URL": url,
        "LOYALTYHUB_ENV": "test",
        "LOYALTYHUB_JOB_INTERVALS": json.dumps({"messaging": 0.05}),
    }
    command = [str(Path(sys.executable).parent / "loyaltyhub"), "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def message_body(channel: str) -> dict[str, Any]:
    if channel == "email":
        content = {
            "subject": "News for {{ member.first_name }}",
            "body": "<p>Hei {{ member.first_name }}</p> https://bench.example/offer?utm_source=email",
        }
        template = {"type": "email", "content": content}
        sender: dict[str, Any] = {"from_email": "club@bench.example", "from_name": "Bench"}
    else:
        template = {"type": "plain", "content": {"body": "Hei {{ member.first_name }} https://bench.example/sms"}}
        sender = {"type": "alphanumeric", "value": "Bench"}
    return {
        "message": {
            "name": f"bench {channel}",
            "channels": [{"type": channel, "sender": sender, "template": {"type": "inline", "definition": template}}],
        }
    }


def run_sending(client: httpx.Client, url: str, club_id: int, channel: str, members: int, timeout: float) -> float:
    """Create the sending through the API and wait until every dispatch is transmitted; dispatches/s."""
    message_id = client.post("/v1/messages/generic", json=message_body(channel)).json()["message"]["id"]
    started = time.perf_counter()
    response = client.post(
        f"/v1/messages/generic/{message_id}/sendings",
        json={"sending": {"schedule": {"type": "immediate"}, "audience": {"type": "inline"}}},
    )
    check(f"{channel} sending created", response.status_code == 201, response.text)
    sending_id = response.json()["sending"]["id"]
    engine = make_engine(url, pool_size=1)
    deadline = time.monotonic() + timeout
    with engine.connect() as connection:
        # The sending's status, not a count of its dispatches: at 100,000 a count every 0.1 s would take
        # a good part of a core from the worker measured. It is ``transmitted`` when none is left to send.
        while time.monotonic() < deadline:
            status = connection.execute(select(Sending.status).where(Sending.id == sending_id)).scalar_one()
            connection.rollback()
            if status not in ("scheduled", "preparing", "prepared", "transmitting"):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        done = connection.execute(
            select(func.count())
            .select_from(Dispatch)
            .where(Dispatch.sending_id == sending_id, Dispatch.transmission_status == "transmitted")
        ).scalar_one()
    engine.dispose()
    check(f"every {channel} dispatch transmitted", done == members, (done, members))
    return members / elapsed


def bare_loop(transport: Any, channel: str, members: int) -> float:
    """The same client calls without the platform: rendered items, batches of 50, nothing recorded."""
    sender = (
        {"from_email": "club@bench.example", "from_name": "Bench"}
        if channel == "email"
        else {"type": "alphanumeric", "value": "Bench"}
    )
    items = [
        Outgoing(
            key=f"bare-{channel}-{n}@bench",
            channel=channel,
            address=f"bare{n}@bench.example" if channel == "email" else f"47{50000000 + n}",
            content={"subject": f"News for M{n}", "body": f"<p>Hei M{n}</p> http://127.0.0.1:8000/s/1-AAAAAAAAAA"}
            if channel == "email"
            else {"body": f"Hei M{n} http://127.0.0.1:8000/s/1-AAAAAAAAAA"},
            sender=sender,
        )
        for n in range(members)
    ]
    results: Counter[str] = Counter()

    def report(_: int, result: Result) -> bool:
        results[result.outcome] += 1
        return True

    started = time.perf_counter()
    for start in range(0, len(items), BATCH):
        transport.send(items[start : start + BATCH], report)
    elapsed = time.perf_counter() - started
    check(f"bare {channel} loop transmitted everything", results == {"transmitted": members}, results)
    return members / elapsed


def otp_waits(base: str, token: str, emails: list[str], stop: threading.Event, waits: list[float]) -> None:
    headers = {"X-Client-Authorization": token, **live.PUBLIC_HEADERS}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        # Round the members again until the campaign ends (a 100,000-recipient campaign outlasts one round).
        for email in itertools.cycle(emails):
            if stop.is_set():
                return
            started = time.perf_counter()
            response = client.post("/v3/bench/members/otp/email", json={"email": email})
            if response.status_code == 200:
                waits.append(time.perf_counter() - started)
            time.sleep(0.2)


def _bench_sending(session: Any, club_id: int, s: int, now: datetime) -> tuple[Sending, list[Link], datetime]:
    """Campaign ``s`` of the report rows: its message, a transmitted sending 17 h after the previous one, and
    two tracked links (the same for both ways of seeding); the sending's time."""
    template = MessageTemplate(loyalty_club_id=club_id, type="plain", content={"body": "x"}, standalone=False)
    message = Message(loyalty_club_id=club_id, service="campaigns", name=f"c{s}", campaign_id=7000 + s // 2)
    session.add_all([template, message])
    session.flush()
    session.add(MessageChannel(loyalty_club_id=club_id, message_id=message.id, type="email", template_id=template.id))
    at = now - timedelta(days=REPORT_WINDOW_DAYS - 1) + timedelta(hours=17 * s)
    sending = Sending(
        loyalty_club_id=club_id, message_id=message.id, status="transmitted", created_at=at, transmitted_at=at
    )
    session.add(sending)
    session.flush()
    links = []
    for path in ("/a", "/b"):
        link_url = f"https://bench.example{path}?utm_campaign=c{s}"
        parts = split_url(link_url)
        link = Link(
            loyalty_club_id=club_id,
            code=f"{s:04d}{path[1]}00000",
            source_type="sending",
            sending_id=sending.id,
            tracked=True,
            url=link_url,
            url_hash=url_hash(link_url),
            host=parts.host,
            path=parts.path,
            **parts.utm,
        )
        session.add(link)
        links.append(link)
    session.flush()
    return sending, links, at


def seed_report_rows(url: str, club_id: int, dispatches: int, members: int) -> dict[str, int]:
    """``dispatches`` dispatch rows over 40 sendings of 20 campaigns, with two links per sending and
    visits by about 3 % of the recipients; what the reports must count."""
    rng = random.Random(7)
    engine = make_engine(url, pool_size=1)
    now = datetime.now(UTC)
    expected: Counter[str] = Counter()
    with unit_of_work(engine, write=True) as session:
        member_ids = list(session.execute(select(Member.id).where(Member.loyalty_club_id == club_id)).scalars())
        per_sending = dispatches // 40
        for s in range(40):
            sending, links, at = _bench_sending(session, club_id, s, now)
            rows = []
            for n in range(per_sending):
                status = "transmitted" if rng.random() < 0.97 else "failed"
                created = at + timedelta(seconds=n // 100)
                rows.append(
                    {
                        "loyalty_club_id": club_id,
                        "sending_id": sending.id,
                        "recipient_key": f"r:{n}",
                        "member_id": member_ids[n % len(member_ids)] if n < len(member_ids) else None,
                        "channel": "email",
                        "address": f"r{n}@bench.example",
                        "properties": {},
                        "transmission_status": status,
                        "delivery_status": "unknown",
                        "attempts": 1,
                        "transmitted_at": created if status == "transmitted" else None,
                        "opened_at": created + timedelta(minutes=30) if rng.random() < 0.25 else None,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                expected[status] += 1
            for start in range(0, len(rows), 10000):
                session.execute(insert(Dispatch), rows[start : start + 10000])
            ids = list(
                session.execute(select(Dispatch.id, Dispatch.member_id).where(Dispatch.sending_id == sending.id))
            )
            visits = []
            for dispatch_id, member_id in ids:
                if rng.random() < 0.03:
                    visits.append(
                        {
                            "loyalty_club_id": club_id,
                            "link_id": links[rng.randint(0, 1)].id,
                            "sending_id": sending.id,
                            "dispatch_id": dispatch_id,
                            "member_id": member_id,
                            "visitor_key": f"member:{member_id}" if member_id else f"dispatch:{dispatch_id}",
                            "visited_at": at + timedelta(hours=1),
                        }
                    )
            if visits:
                session.execute(insert(LinkVisit), visits)
            expected["visits"] += len(visits)
            expected["dispatches"] += len(rows)
    engine.dispose()
    return dict(expected)


def seed_report_rows_sql(url: str, club_id: int, dispatches: int) -> dict[str, int]:
    """The same shape as :func:`seed_report_rows`, generated inside PostgreSQL (``generate_series``): a
    million rows in seconds instead of minutes of client-side row building. The expected counts are then
    counted from the rows."""
    from sqlalchemy import text

    engine = make_engine(url, pool_size=1)
    now = datetime.now(UTC)
    with unit_of_work(engine, write=True) as session:
        member_ids = list(session.execute(select(Member.id).where(Member.loyalty_club_id == club_id)).scalars())
        low, high = min(member_ids), max(member_ids)
        per_sending = dispatches // 40
        for s in range(40):
            sending, links, at = _bench_sending(session, club_id, s, now)
            link_ids = [link.id for link in links]
            params = {"club": club_id, "sending": sending.id, "n": per_sending, "at": at, "low": low, "high": high}
            session.execute(
                text(
                    "INSERT INTO message_dispatches (loyalty_club_id, sending_id, recipient_key, member_id, channel,"
                    " address, properties, transmission_status, delivery_status, attempts, transmitted_at, opened_at,"
                    " opens_count, created_at, updated_at) SELECT :club, :sending, 'r:' || g,"
                    " CASE WHEN g <= :high - :low THEN :low + g END, 'email', 'r' || g || '@bench.example', '{}',"
                    " CASE WHEN random() < 0.97 THEN 'transmitted' ELSE 'failed' END, 'unknown', 1,"
                    " :at + (g / 100) * interval '1 second',"
                    " CASE WHEN random() < 0.25 THEN :at + interval '30 minutes' END, 0,"
                    " :at + (g / 100) * interval '1 second', :at FROM generate_series(0, :n - 1) AS g"
                ),
                params,
            )
            session.execute(
                text(
                    "INSERT INTO message_link_visits (loyalty_club_id, link_id, sending_id, dispatch_id, member_id,"
                    " visitor_key, visited_at) SELECT :club, CASE WHEN random() < 0.5 THEN :a ELSE :b END, :sending,"
                    " d.id, d.member_id, COALESCE('member:' || d.member_id, 'dispatch:' || d.id),"
                    " :at + interval '1 hour' FROM message_dispatches d"
                    " WHERE d.loyalty_club_id = :club AND d.sending_id = :sending AND random() < 0.03"
                ),
                {"club": club_id, "sending": sending.id, "a": link_ids[0], "b": link_ids[1], "at": at},
            )
        counted = dict(
            session.execute(
                text(
                    "SELECT transmission_status, count(*) FROM message_dispatches WHERE loyalty_club_id = :club"
                    " GROUP BY transmission_status"
                ),
                {"club": club_id},
            ).all()
        )
        visits = session.execute(
            text("SELECT count(*) FROM message_link_visits WHERE loyalty_club_id = :club"), {"club": club_id}
        ).scalar_one()
    engine.dispose()
    return {**counted, "visits": visits, "dispatches": sum(counted.values())}


def fold_totals(url: str) -> float:
    """Fold the dispatch totals' changes the seeding wrote (what the ``messaging_totals`` job does); ms."""
    from loyaltyhub.messaging.totals import fold

    engine = make_engine(url, pool_size=1)
    started = time.perf_counter()
    with unit_of_work(engine, write=True) as session:
        fold(session)
    took = round((time.perf_counter() - started) * 1000, 1)
    # Without statistics the planner takes the freshly loaded tables for empty ones and nests the visits'
    # dispatch lookups once per sending.
    analyze(engine)
    engine.dispose()
    return took


def trigger_cost(url: str, club_id: int, updates: int) -> dict[str, float]:
    """What the totals' triggers add to the status change the worker makes: ``updates`` single-row UPDATEs
    of a dispatch's status, each its own transaction, with the triggers and without them (PostgreSQL). The
    changes made without them are not counted: run it last."""
    from sqlalchemy import text

    engine = make_engine(url, pool_size=1)
    statement = text(
        "UPDATE message_dispatches SET transmission_status = :status, updated_at = now()"
        " WHERE loyalty_club_id = :club AND id = :id"
    )
    with engine.connect() as connection:
        ids = list(
            connection.execute(
                text("SELECT id FROM message_dispatches WHERE loyalty_club_id = :club ORDER BY id LIMIT :n"),
                {"club": club_id, "n": updates},
            ).scalars()
        )
    found: dict[str, float] = {}
    for label, toggle in (("with_triggers", None), ("without_triggers", "DISABLE"), ("again_with", "ENABLE")):
        with engine.begin() as connection:
            if toggle:
                connection.execute(text(f"ALTER TABLE message_dispatches {toggle} TRIGGER USER"))
        started = time.perf_counter()
        with engine.connect() as connection:
            for n, dispatch_id in enumerate(ids):
                with connection.begin():
                    status = ("failed", "transmitted")[n % 2]
                    connection.execute(statement, {"status": status, "club": club_id, "id": dispatch_id})
        found[f"{label}_ms_per_update"] = round((time.perf_counter() - started) * 1000 / len(ids), 3)
    engine.dispose()
    return found


def time_reports(base: str, token: str, club_id: int, expected: dict[str, int], smoke: bool) -> dict[str, float]:
    headers = {"X-Client-Authorization": token, "X-Customer": str(club_id), **live.PUBLIC_HEADERS}
    now = datetime.now(UTC)
    window = {
        "from": (now - timedelta(days=REPORT_WINDOW_DAYS)).isoformat(),
        "to": (now + timedelta(days=1)).isoformat(),
    }
    queries = {
        "sendings": {"report": "sendings", "per_page": 100},
        "sendings_events_history": {"report": "sendings_events_history", "interval": "1d", **window},
        "sendings_recipients_statistics": {
            "report": "sendings_recipients_statistics",
            "interval": "1d",
            "aggregate_by": "age",
            **window,
        },
        "sendings_links": {"report": "sendings_links", "per_page": 100},
        "sendings_links_stats": {"report": "sendings_links_stats", "per_page": 100},
        "sendings_stats": {"report": "sendings_stats", **window},
        "links_visits_history": {"report": "links_visits_history", "interval": "1d", **window},
    }
    timings: dict[str, float] = {}
    with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
        for name, body in queries.items():
            best = float("inf")
            answer: Any = None
            for _ in range(1 if smoke else 3):
                started = time.perf_counter()
                response = client.post("/v1/reporting/query", json=body)
                best = min(best, time.perf_counter() - started)
                check(f"{name} answers 200", response.status_code == 200, response.text[:300])
                answer = response.json()
            timings[name] = round(best * 1000, 1)
            if name == "sendings":
                agree(
                    "sendings: dispatches",
                    report=sum(r["dispatches_count"] for r in answer["records"]),
                    rows=expected["dispatches"],
                )
            if name == "sendings_stats":
                totals = {s["label"]["event_type"]: s["value"] for s in answer["series"]}
                agree(
                    "sendings_stats: transmitted",
                    report=totals.get("transmitted", 0),
                    rows=expected.get("transmitted", 0),
                )
            if name in ("sendings_events_history", "sendings_recipients_statistics"):
                values = [v or 0 for s in answer["series"] for v in s["values"]]
                if name == "sendings_events_history":
                    values = [
                        v or 0 for s in answer["series"] if s["label"]["event_type"] == "created" for v in s["values"]
                    ]
                agree(f"{name}: dispatches", report=sum(values), rows=expected["dispatches"])
            if name == "sendings_links_stats":
                agree(
                    "sendings_links_stats: visits",
                    report=sum(r["visits_count"] for r in answer["records"]),
                    rows=expected["visits"],
                )
    return timings


def run(url: str, *, recipients: int, report_dispatches: int, smoke: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"recipients": recipients, "report_dispatches": report_dispatches}
    with (
        SmtpSink(keep_messages=smoke) as sink,
        ProviderServer() as provider,
        live.serve(url, workers=1 if url.startswith("sqlite") else 2) as base,
    ):
        if recipients == 0:  # --recipients 0: the reports only
            reports_club, reports_token = seed_club(url, "bench-reports", 25_000)
            started = time.perf_counter()
            expected = seed_report_rows_sql(url, reports_club, report_dispatches)
            result["report_seed_s"] = round(time.perf_counter() - started, 1)
            result["totals_fold_ms"] = fold_totals(url)
            result["reports_ms"] = time_reports(base, reports_token, reports_club, expected, smoke)
            result["status_update"] = trigger_cost(url, reports_club, 200 if smoke else 3000)
            result["totals_fold_after_updates_ms"] = fold_totals(url)
            return result
        club_id, token = seed_club(url, "bench", recipients)
        headers = {"X-Client-Authorization": token, "X-Loyalty-Club-Slug": "bench", **live.PUBLIC_HEADERS}
        sms_transport = {"kind": "sms_provider", "base_url": provider.url, "account_sid": "AC1", "auth_token": "t"}
        settings = {
            "channels": {
                "email": {"from_name": "Bench", "from_email": "club@bench.example"},
                "sms": {"sender_type": "alphanumeric", "sender_value": "Bench"},
            },
            "email_transport": sink.transport(),
            "sms_transport": sms_transport,
        }
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            check("settings saved", client.put("/v1/messages/settings", json={"settings": settings}).status_code == 200)
            worker = start_worker(url)
            try:
                stop, waits = threading.Event(), []
                emails = [f"m{n}@bench.example" for n in range(0, recipients, max(1, recipients // 2000))]
                otp = threading.Thread(target=otp_waits, args=(base, token, emails, stop, waits))
                otp.start()
                # CPU per dispatch: what the worker process spends (every thread: jobs, delivery loop), a
                # measure the load of a shared machine disturbs far less than dispatches per second.
                cpu = cpu_seconds(worker.pid)
                result["email_worker_per_s"] = round(run_sending(client, url, club_id, "email", recipients, 3600))
                result["email_worker_cpu_ms_per_dispatch"] = round(
                    (cpu_seconds(worker.pid) - cpu) * 1000 / recipients, 3
                )
                stop.set()
                otp.join()
                cpu = cpu_seconds(worker.pid)
                result["sms_worker_per_s"] = round(run_sending(client, url, club_id, "sms", recipients, 3600))
                result["sms_worker_cpu_ms_per_dispatch"] = round((cpu_seconds(worker.pid) - cpu) * 1000 / recipients, 3)
                result["worker_peak_rss_mb"] = round(peak_rss_mb(worker.pid), 1)
            finally:
                worker.terminate()
                worker.wait(timeout=30)
        # What the campaign and the OTP requests sent, before the bare loop's e-mails join them in the sink.
        campaign = Counter(r.to for r in sink.received if smoke and str(r.message["Subject"]).startswith("News for"))
        otp_mails = sum(1 for r in sink.received if smoke and "code" in r.text)
        cpu = time.thread_time()
        result["email_bare_per_s"] = round(
            bare_loop(SmtpTransport(SmtpConfig.of(sink.transport())), "email", recipients)
        )
        # The bare loop's own thread (building the messages; its connections' loop runs in it, asyncio.run).
        result["email_bare_cpu_ms_per_dispatch"] = round((time.thread_time() - cpu) * 1000 / recipients, 3)
        cpu = time.thread_time()
        result["sms_bare_per_s"] = round(bare_loop(SmsProvider({**sms_transport}), "sms", recipients))
        result["sms_bare_cpu_ms_per_dispatch"] = round((time.thread_time() - cpu) * 1000 / recipients, 3)
        result["email_ratio"] = round(result["email_worker_per_s"] / result["email_bare_per_s"], 3)
        result["sms_ratio"] = round(result["sms_worker_per_s"] / result["sms_bare_per_s"], 3)
        result["otp_requests"] = len(waits)
        result["otp_wait_p50_ms"] = round(percentile(waits, 50) * 1000, 1)
        result["otp_wait_p99_ms"] = round(percentile(waits, 99) * 1000, 1)
        if smoke:
            agree(
                "campaign e-mails per member",
                distinct=len(campaign),
                members=recipients,
                most=max(campaign.values()) * recipients,
            )
            sms_to = Counter(r.form["To"] for r in provider.behaviour.requests if r.form["To"].startswith("+474"))
            agree(
                "SMS per member",
                distinct=len(sms_to),
                members=recipients,
                max_per_member=max(sms_to.values()) * recipients,
            )
            check("every OTP code arrived", otp_mails >= len(waits) > 0, (otp_mails, len(waits)))
        else:
            # The messages were not kept (the sink counts them per recipient): every member got one at least;
            # what is above one a member is their OTP codes (or a duplicate, which only the smoke run tells).
            counted = sink.handler.counted
            reached = sum(1 for n in range(recipients) if counted[f"m{n}@bench.example"] >= 1)
            check("every member got the campaign e-mail", reached == recipients, (reached, recipients))
            result["emails_received"] = sum(counted.values())
        if report_dispatches == 0:  # --report-dispatches 0: the delivery only
            return result
        reports_club, reports_token = seed_club(url, "bench-reports", min(report_dispatches // 40, 25_000))
        if url.startswith("sqlite"):
            expected = seed_report_rows(url, reports_club, report_dispatches, min(report_dispatches // 40, 25_000))
        else:
            expected = seed_report_rows_sql(url, reports_club, report_dispatches)
        result["totals_fold_ms"] = fold_totals(url)
        result["reports_ms"] = time_reports(base, reports_token, reports_club, expected, smoke)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL (or sqlite) database the bench databases are named after")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--report-dispatches", type=int, default=1_000_000)
    args = parser.parse_args()
    recipients, dispatches = (300, 5_000) if args.smoke else (args.recipients, args.report_dispatches)
    with scratch_database(args.database_url, f"messaging_{uuid.uuid4().hex[:6]}") as url:
        result = run(url, recipients=recipients, report_dispatches=dispatches, smoke=args.smoke)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
