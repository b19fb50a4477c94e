"""The demo's sendings: realistic rates, counters consistent with the dispatches, and every messaging
report answering something."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.demo import DemoOptions, load_demo
from loyaltyhub.messaging.models import Dispatch, LinkVisit, Sending
from loyaltyhub.reporting.engine import run_query
from tests.reporting.factories import access

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_demo_sendings_have_realistic_rates_and_every_report_shows_them(session):
    load_demo(session, DemoOptions(members=300, days=21, seed=7), now=NOW)
    club = session.execute(select(LoyaltyClub).where(LoyaltyClub.slug == "infinity-mall")).scalar_one()
    sendings = session.execute(select(Sending).where(Sending.loyalty_club_id == club.id)).scalars().all()
    assert len(sendings) >= 3 and all(s.status == "transmitted" for s in sendings)
    dispatches = session.execute(select(Dispatch).where(Dispatch.loyalty_club_id == club.id)).scalars().all()
    for sending in sendings:
        mine = [d for d in dispatches if d.sending_id == sending.id]
        assert sending.dispatches_count == len(mine)
        assert sending.skipped_count == sum(1 for d in mine if d.transmission_status == "skipped")
    status = Counter(d.transmission_status for d in dispatches)
    assert status["transmitted"] / len(dispatches) > 0.9 and status["failed"] > 0
    emails = [d for d in dispatches if d.channel == "email" and d.transmission_status == "transmitted"]
    opened = sum(1 for d in emails if d.opened_at)
    assert 0.1 < opened / len(emails) < 0.4
    visits = session.execute(select(LinkVisit).where(LinkVisit.loyalty_club_id == club.id)).scalars().all()
    assert 0 < len({v.dispatch_id for v in visits if v.dispatch_id}) / len(emails) < 0.1
    assert all(v.visited_at < NOW for v in visits) and all(d.created_at < NOW for d in dispatches)

    who = access(club)
    window = {"from": (NOW - timedelta(days=21)).isoformat(), "to": NOW.isoformat()}
    assert run_query(session, who, {"report": "sendings"})["records"]
    assert run_query(session, who, {"report": "sendings_links"})["records"]
    assert run_query(session, who, {"report": "sendings_links_stats"})["records"]
    for name in ("sendings_events_history", "sendings_recipients_statistics", "links_visits_history"):
        answer = run_query(session, who, {"report": name, "interval": "1d", **window})
        assert any(v for series in answer["series"] for v in series["values"]), name
    stats = run_query(session, who, {"report": "sendings_stats", **window})
    assert {s["label"]["event_type"] for s in stats["series"]} >= {"created", "transmitted", "opened", "clicked"}
