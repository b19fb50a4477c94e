"""Events in, actions out: ingestion queues (rule, event) pairs, the worker judges each once and runs the
hook exactly as the rule allows. The clock is injected: ingestion's ``now`` (a dependency) and the
worker's ``now`` (an argument), so periods can be placed across Europe/Oslo's DST change."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from loyaltyhub.events import routes as event_routes
from loyaltyhub.members.groups import service as groups
from loyaltyhub.offers import grants
from loyaltyhub.offers.models import OfferGrant
from loyaltyhub.rewards.models import PointsTransaction
from loyaltyhub.rewards.program import service as rewards_program
from loyaltyhub.triggers.models import TriggerExecution, TriggerQueueItem
from loyaltyhub.triggers.queue import process_due
from loyaltyhub.webhooks.models import WebhookEvent
from tests.members import factories as members
from tests.offers import factories as offers
from tests.rewards import factories as rewards
from tests.triggers import factories
from tests.webhooks import factories as webhooks

NOW = datetime.fromisoformat("2026-03-30T12:00:00+02:00")


@pytest.fixture
def club(factory):
    return factory.club(timezone="Europe/Oslo")


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


@pytest.fixture
def clocked(app):
    app.dependency_overrides[event_routes.request_now] = lambda: NOW
    yield app
    app.dependency_overrides.clear()


@pytest.fixture
def offer(session, club):
    return offers.offer(session, club, status="published", type="exclusive")


@pytest.fixture
def member(session, club):
    return members.member(session, club)


def send(client, club, headers, member, *occurred, type="app_opened", data=None, **extra_headers):
    events = [
        {"type": type, "client_event_id": str(uuid.uuid4()), "occurred_at": at, **({"data": data} if data else {})}
        for at in occurred
    ]
    response = client.post(
        f"/v3/{club.slug}/members/{member.id}/events", json={"events": events}, headers={**headers, **extra_headers}
    )
    assert response.status_code == 200, response.text
    return response.json()


def grants_of(session, offer, member) -> int:
    return len(
        session.execute(
            select(OfferGrant.id).where(OfferGrant.offer_id == offer.id, OfferGrant.member_id == member.id)
        ).all()
    )


def log(session, rule) -> list[tuple[str, str | None]]:
    rows = session.execute(
        select(TriggerExecution.status, TriggerExecution.reason)
        .where(TriggerExecution.rule_id == rule.id)
        .order_by(TriggerExecution.occurred_at, TriggerExecution.id)
    ).all()
    return [tuple(r) for r in rows]


def run(sessions, now=NOW) -> int:
    total = 0
    while (judged := process_due(sessions.write, now=now + timedelta(seconds=1))) > 0:
        total += judged
    return total


def grant_rule(session, club, offer, **values):
    return factories.rule(session, club, options={"grant_offer": {"offer_id": offer.id}}, **values)


def test_limit_one_grants_once(client, clocked, session, sessions, club, headers, offer, member):
    rule = grant_rule(session, club, offer, limit=1)
    send(client, club, headers, member, *["2026-03-30T10:00:00+02:00"] * 3)
    assert run(sessions) == 3
    assert grants_of(session, offer, member) == 1
    assert log(session, rule) == [("fired", None), ("skipped", "limit"), ("skipped", "limit")]
    assert run(sessions) == 0  # each pair is judged once


@pytest.mark.parametrize(
    ("timespan", "occurred", "grants"),
    [
        # Saturday late, Sunday just after midnight (before the 02:00 DST jump), Sunday late (after it),
        # Monday just after midnight: three Oslo days (Saturday, Sunday, Monday)
        (
            "day",
            [
                "2026-03-28T23:30:00+01:00",
                "2026-03-29T00:30:00+01:00",
                "2026-03-29T23:30:00+02:00",
                "2026-03-30T00:10:00+02:00",
            ],
            3,
        ),
        # the same four events: Saturday and Sunday are one ISO week, Monday starts the next
        (
            "week",
            [
                "2026-03-28T23:30:00+01:00",
                "2026-03-29T00:30:00+01:00",
                "2026-03-29T23:30:00+02:00",
                "2026-03-30T00:10:00+02:00",
            ],
            2,
        ),
        # in UTC these two are one day (2026-03-29); in Oslo they are two
        ("day", ["2026-03-29T00:30:00+01:00", "2026-03-28T22:59:00+00:00"], 2),
    ],
)
def test_frequency_in_the_clubs_calendar(
    client, clocked, session, sessions, club, headers, offer, member, timespan, occurred, grants
):
    grant_rule(session, club, offer, frequency={"limit": 1, "timespan": timespan})
    send(client, club, headers, member, *occurred)
    run(sessions)
    assert grants_of(session, offer, member) == grants


def test_minimum_and_rate(client, clocked, session, sessions, club, headers, offer, member):
    rule = grant_rule(session, club, offer, minimum=1, rate=2)
    send(client, club, headers, member, *[f"2026-03-30T10:0{i}:00+02:00" for i in range(5)])
    run(sessions)
    assert [s for s, _ in log(session, rule)] == ["skipped", "skipped", "fired", "skipped", "fired"]
    assert grants_of(session, offer, member) == 2


def test_the_hook_waits_for_its_delay(client, clocked, session, sessions, club, headers, offer, member):
    grant_rule(session, club, offer, hook_delayed_by_seconds=60)
    send(client, club, headers, member, "2026-03-30T10:00:00+02:00")
    assert process_due(sessions.write, now=NOW + timedelta(seconds=59)) == 0
    assert process_due(sessions.write, now=NOW + timedelta(seconds=60)) == 1
    assert grants_of(session, offer, member) == 1


def test_paused_rules_queue_nothing_and_pausing_later_skips(
    client, clocked, session, sessions, club, headers, offer, member
):
    rule = grant_rule(session, club, offer, paused=True)
    send(client, club, headers, member, "2026-03-30T10:00:00+02:00")
    assert session.execute(select(TriggerQueueItem).where(TriggerQueueItem.rule_id == rule.id)).first() is None
    rule.paused = False
    session.flush()
    send(client, club, headers, member, "2026-03-30T10:01:00+02:00")
    rule.paused = True
    session.flush()
    run(sessions)
    assert log(session, rule) == [("skipped", "paused")]
    assert grants_of(session, offer, member) == 0


def test_excluded_sources_audience_and_conditions(client, clocked, session, sessions, club, headers, offer, member):
    group = members.group(session, club)
    rule = grant_rule(
        session,
        club,
        offer,
        event_type="link_clicked",
        excluded_sources=["webforms"],
        audience_id=group.id,
        data_conditions={"type": "equal", "field": "data.url", "value": "https://club.example/win"},
    )
    url = {"url": "https://club.example/win"}
    send(
        client,
        club,
        headers,
        member,
        "2026-03-30T10:00:00+02:00",
        type="link_clicked",
        data=url,
        **{"X-Product-Name": "webforms"},
    )
    send(client, club, headers, member, "2026-03-30T10:01:00+02:00", type="link_clicked", data=url)
    run(sessions)  # the member is not in the audience yet (the audience is read when a pair is judged)
    groups.add_members(session, club, group, [member.id])
    send(
        client,
        club,
        headers,
        member,
        "2026-03-30T10:02:00+02:00",
        type="link_clicked",
        data={"url": "https://x.example"},
    )
    send(client, club, headers, member, "2026-03-30T10:03:00+02:00", type="link_clicked", data=url)
    run(sessions)
    assert log(session, rule) == [("skipped", "not_in_audience"), ("skipped", "data_conditions"), ("fired", None)]
    assert grants_of(session, offer, member) == 1


def test_a_hook_that_cannot_run_is_logged_as_failed(client, clocked, session, sessions, club, headers, offer, member):
    rule = grant_rule(session, club, offer)
    send(client, club, headers, member, "2026-03-30T10:00:00+02:00")
    offer.archived_at = NOW
    session.flush()
    run(sessions)
    assert log(session, rule) == [("failed", "Offer is archived")]


def test_the_webhook_hook(client, clocked, session, sessions, club, headers, member):
    webhooks.subscription(session, club, event_types=["trigger_rule.fired"])
    rule = factories.rule(session, club, hook_type="webhook", options={})
    send(client, club, headers, member, "2026-03-30T10:00:00+02:00")
    run(sessions)
    (event,) = session.execute(select(WebhookEvent).where(WebhookEvent.type == "trigger_rule.fired")).scalars()
    assert event.data["rule_id"] == rule.id and event.data["member_id"] == member.id
    assert event.data["event"]["type"] == "app_opened"


def test_the_rewards_api_hook_grants_points(client, clocked, session, sessions, club, headers, member):
    # the vendor's Rule example: options {"rewards_api": {"grant_points": 3}}
    rewards.program(session, club)
    rewards_program.join(session, club.id, member.id, NOW - timedelta(days=1))
    outsider = members.member(session, club)  # not in the rewards program: 480, logged as failed
    rule = factories.rule(session, club, hook_type="rewards_api", options={"rewards_api": {"grant_points": 3}}, limit=2)
    send(client, club, headers, member, *["2026-03-30T10:00:00+02:00"] * 3)
    send(client, club, headers, outsider, "2026-03-30T10:00:00+02:00")
    run(sessions)
    granted = session.execute(
        select(PointsTransaction.amount, PointsTransaction.details).where(
            PointsTransaction.member_id == member.id, PointsTransaction.type == "grant"
        )
    ).all()
    assert [amount for amount, _ in granted] == [3, 3]
    assert all(d["grant_type"] == "triggerer" and d["grant_properties"]["rule_id"] == rule.id for _, d in granted)
    assert rewards_program.account_of(session, club.id, member.id).balance == 6
    assert sorted(log(session, rule)) == sorted(
        [
            ("fired", None),
            ("fired", None),
            ("skipped", "limit"),
            ("failed", "Member is not participating in Rewards Program"),
        ]
    )


def test_a_duplicate_event_is_not_judged_again(client, clocked, session, sessions, club, headers, offer, member):
    rule = grant_rule(session, club, offer)
    payload = {
        "events": [{"type": "app_opened", "client_event_id": "once", "occurred_at": "2026-03-30T10:00:00+02:00"}]
    }
    for _ in range(2):
        client.post(f"/v3/{club.slug}/members/{member.id}/events", json=payload, headers=headers)
    run(sessions)
    assert log(session, rule) == [("fired", None)]


def test_execution_log_and_dry_run_over_http(client, clocked, session, sessions, club, headers, offer, member):
    rule = grant_rule(session, club, offer, limit=1)
    send(client, club, headers, member, "2026-03-30T10:00:00+02:00", "2026-03-30T10:01:00+02:00")
    run(sessions)
    base = f"/v3/{club.slug}/triggerer/rules/{rule.id}"
    executions = client.get(f"{base}/executions", headers=headers).json()
    assert [e["status"] for e in executions["executions"]] == ["skipped", "fired"]
    fired = client.get(f"{base}/executions", params={"status": "fired"}, headers=headers).json()["executions"]
    assert fired[0]["result"]["offer_id"] == offer.id
    dry = client.post(f"{base}/dry_run", json={"last": 10}, headers=headers).json()
    assert [e["would_fire"] for e in dry["events"]] == [True, False] and dry["would_fire"] == 1
    assert dry["events"][1]["reason"] == "limit"
    assert client.post(f"{base}/dry_run", json={"last": 0}, headers=headers).status_code == 422


def test_judging_in_batches_decides_as_judging_pair_by_pair(client, clocked, session, sessions, factory):
    """The same rules and events in two clubs, one judged pair by pair, the other in batches (small ones, so
    a member's pairs span batches): the same log, the same grants."""
    import random

    shuffled = random.Random(18)
    days = ["2026-03-28T23:30:00+01:00", "2026-03-29T00:30:00+01:00", "2026-03-29T23:30:00+02:00"]
    plan = [(m, shuffled.choice(days), shuffled.choice(["ios", "android"])) for m in range(4) for _ in range(6)]
    outcomes = []
    for pairwise in (True, False):
        club = factory.club(timezone="Europe/Oslo")
        headers = factory.headers(factory.client_token([club]))
        offer = offers.offer(session, club, status="published", type="exclusive")
        on_ios = {"type": "equal", "field": "data.platform", "value": "ios"}
        made = [
            grant_rule(session, club, offer, limit=2),
            grant_rule(session, club, offer, frequency={"limit": 1, "timespan": "day"}),
            grant_rule(session, club, offer, minimum=1, rate=2, data_conditions=on_ios),
            grant_rule(session, club, offer, frequency={"limit": 2, "timespan": "week"}, limit=3),
        ]
        people = [members.member(session, club) for _ in range(4)]
        for m, at, platform in plan:
            send(client, club, headers, people[m], at, data={"platform": platform})
        while process_due(sessions.write, now=NOW + timedelta(seconds=1), batch=7, pairwise=pairwise) > 0:
            pass
        logs = [log(session, rule) for rule in made]
        counts = [grants_of(session, offer, person) for person in people]
        outcomes.append((logs, counts))
    assert outcomes[0] == outcomes[1]
    assert any(status == "fired" for rule_log in outcomes[0][0] for status, _ in rule_log)
    assert any(reason == "frequency" for rule_log in outcomes[0][0] for _, reason in rule_log)


def test_the_hooks_of_a_batch_run_together_and_each_result_is_its_pairs(
    client, clocked, session, sessions, club, headers
):
    """Grants of one offer go in one call and webhook events in one write: each fired execution's result still
    names its own member's grant and a webhook event of its own event."""
    webhooks.subscription(session, club, event_types=["trigger_rule.fired"])
    offer = offers.offer(session, club, status="published", type="exclusive")
    granting = grant_rule(session, club, offer, limit=1)
    calling = factories.rule(session, club, hook_type="webhook", options={})
    people = [members.member(session, club) for _ in range(5)]
    for person in people:
        send(client, club, headers, person, "2026-03-30T10:00:00+02:00", "2026-03-30T10:05:00+02:00")
    assert process_due(sessions.write, now=NOW + timedelta(seconds=1), batch=200) == 20
    fired = session.execute(
        select(TriggerExecution)
        .where(TriggerExecution.status == "fired", TriggerExecution.rule_id.in_([granting.id, calling.id]))
        .order_by(TriggerExecution.id)
    ).scalars()
    grant_owner = dict(session.execute(select(OfferGrant.id, OfferGrant.member_id)).all())
    webhook_event_of = {
        e.id: e.data["event"]["id"]
        for e in session.execute(select(WebhookEvent).where(WebhookEvent.type == "trigger_rule.fired")).scalars()
    }
    by_rule: dict[int, int] = {}
    for execution in fired:
        by_rule[execution.rule_id] = by_rule.get(execution.rule_id, 0) + 1
        if execution.rule_id == granting.id:
            assert grant_owner[execution.result["grant_id"]] == execution.member_id
        else:
            assert webhook_event_of[execution.result["webhook_event_id"]] == execution.event_id, execution.result
    assert by_rule == {granting.id: 5, calling.id: 10}


def test_a_refused_hook_in_a_batch_fails_alone(client, clocked, session, sessions, club, headers):
    """One member's grant refused (the offer's limit per member) while the batch's other hooks run: that
    pair is logged failed and not counted (the member's next event is tried again), the rest fire."""
    offer = offers.offer(session, club, status="published", type="exclusive", maximum_grants_per_user=1)
    rule = grant_rule(session, club, offer, limit=2)
    holder, newcomer = members.member(session, club), members.member(session, club)
    grants.grant_offer(session, club.id, offer.id, [holder.id])
    for person in (holder, newcomer):
        send(client, club, headers, person, "2026-03-30T10:00:00+02:00", "2026-03-30T10:05:00+02:00")
    assert process_due(sessions.write, now=NOW + timedelta(seconds=1), batch=200) == 4
    outcome = {
        (member_id, str(occurred_at)): (status, reason)
        for member_id, occurred_at, status, reason in session.execute(
            select(
                TriggerExecution.member_id,
                TriggerExecution.occurred_at,
                TriggerExecution.status,
                TriggerExecution.reason,
            ).where(TriggerExecution.rule_id == rule.id)
        ).all()
    }
    statuses = {
        member_id: sorted(status for (m, _), (status, _) in outcome.items() if m == member_id)
        for member_id in (holder.id, newcomer.id)
    }
    assert statuses == {holder.id: ["failed", "failed"], newcomer.id: ["failed", "fired"]}, outcome
    assert grants_of(session, offer, holder) == 1 and grants_of(session, offer, newcomer) == 1
