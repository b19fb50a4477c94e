"""Sending the outbox: claim due deliveries with a lease, POST each (signed), record the outcome.

* 2xx: delivered. 4xx: dropped (the vendor's rule: "the delivery will be ignored"). 5xx, a timeout, a
  refused connection or a refused target: retried after a backoff (×4 per attempt, at most 12 h) until the
  retry window (20 days) has passed since the event, then expired.
* A subscription whose deliveries have failed for the whole window (no success since ``failing_since``)
  is disabled with a reason, and its pending deliveries are cancelled.
* Every transition is a conditional UPDATE on the worker's claim token, so a worker that lost its lease
  (it was too slow, or presumed dead) can record nothing; a killed worker's deliveries are claimed again
  when its lease runs out and sent with the same ``webhook-id`` (receivers deduplicate by it).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from loyaltyhub.clubs import config_cache
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import across_clubs, in_club, same_club
from loyaltyhub.settings import Settings

if TYPE_CHECKING:
    import httpx
from loyaltyhub.webhooks import payloads, signing
from loyaltyhub.webhooks.models import (
    CANCELLED,
    DELIVERED,
    DROPPED,
    EXPIRED,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from loyaltyhub.webhooks.targets import TargetRefused, check_url

log = logging.getLogger(__name__)

SessionMaker = Callable[[], Any]
BATCH = 10
MAX_BACKOFF_SECONDS = 12 * 3600.0
BODY_LOG_LIMIT = 2000


@dataclass(frozen=True)
class Claimed:
    """One delivery this worker owns, with all it needs to send it (no ORM object crosses sessions)."""

    id: int
    club_id: int
    claim_token: str
    attempts: int
    created_at: datetime
    subscription_id: int
    url: str
    secret: str
    secret_token: str
    message_id: str
    body: str


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """The wait before attempt ``attempts + 1``: the base, ×4 per attempt, at most 12 hours."""
    return timedelta(seconds=min(base_seconds * 4 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _due(now: datetime) -> Any:
    return and_(
        WebhookDelivery.status == PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
    )


def claim(factory: SessionMaker, lease_seconds: float, now: datetime | None = None) -> list[Claimed]:
    """Take up to ``BATCH`` due deliveries (of any club: the queue is one for the cluster). PostgreSQL skips
    rows other workers hold; on both backends the conditional UPDATE decides who owns each."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    with factory() as session, session.begin():
        ids = list(
            session.execute(
                across_clubs(
                    select(WebhookDelivery.id)
                    .where(_due(now))
                    .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).scalars()
        )
        if not ids:
            return []
        session.execute(
            across_clubs(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(ids), _due(now))
                .values(claim_token=token, leased_until=now + timedelta(seconds=lease_seconds))
                .execution_options(synchronize_session=False)
            )
        )
        rows = session.execute(
            across_clubs(
                select(WebhookDelivery, WebhookSubscription, WebhookEvent, LoyaltyClub.slug)
                .join(
                    WebhookSubscription,
                    and_(
                        WebhookSubscription.id == WebhookDelivery.subscription_id,
                        same_club(WebhookSubscription, WebhookDelivery),
                    ),
                )
                .join(
                    WebhookEvent,
                    and_(WebhookEvent.id == WebhookDelivery.event_id, same_club(WebhookEvent, WebhookDelivery)),
                )
                .join(LoyaltyClub, in_club(WebhookDelivery, LoyaltyClub.id))
                .where(WebhookDelivery.claim_token == token)
                .order_by(WebhookDelivery.id)
            )
        ).all()
        return [
            Claimed(
                id=delivery.id,
                club_id=delivery.loyalty_club_id,
                claim_token=token,
                attempts=delivery.attempts,
                created_at=delivery.created_at,
                subscription_id=subscription.id,
                url=subscription.url,
                secret=subscription.secret,
                secret_token=subscription.secret_token,
                message_id=payloads.message_id(event.id),
                body=payloads.render(
                    subscription.payload_version,
                    event_id=event.id,
                    event_type=event.type,
                    created_at=event.created_at,
                    club_id=event.loyalty_club_id,
                    club_slug=slug,
                    data=event.data,
                    changes=event.changes,
                ),
            )
            for delivery, subscription, event, slug in rows
        ]


@dataclass(frozen=True)
class Outcome:
    status: int | None
    body: str | None
    error: str | None
    duration_ms: int
    headers: dict[str, str]


def send(client: httpx.Client, claimed: Claimed, settings: Settings) -> Outcome:
    import httpx  # the job's import: a serving process does not load httpx until it sends

    timestamp = int(time.time())
    headers = signing.headers(claimed.secret, claimed.secret_token, claimed.message_id, timestamp, claimed.body)
    started = time.monotonic()
    try:
        check_url(claimed.url, allow_private=settings.webhook_allow_private_targets)
        response = client.post(claimed.url, content=claimed.body.encode(), headers=headers)
        status, body, error = response.status_code, response.text[:BODY_LOG_LIMIT], None
    except TargetRefused as refused:
        status, body, error = None, None, f"Target refused: {refused}"
    except httpx.HTTPError as failure:
        status, body, error = None, None, f"{type(failure).__name__}: {failure}"[:BODY_LOG_LIMIT]
    duration = int((time.monotonic() - started) * 1000)
    logged = {k: v for k, v in headers.items() if k != "x-secret-token"}
    return Outcome(status, body, error, duration, logged)


def record(factory: SessionMaker, claimed: Claimed, outcome: Outcome, settings: Settings) -> str:
    """Store the attempt and move the delivery on; returns its new status ("lost" when no longer ours)."""
    return record_all(factory, [(claimed, outcome)], settings)[0]


def _transition(claimed: Claimed, outcome: Outcome, settings: Settings, now: datetime) -> dict[str, Any]:
    """The delivery's new values after this attempt."""
    values: dict[str, Any] = {
        "attempts": claimed.attempts + 1,
        "claim_token": None,
        "leased_until": None,
        "last_status_code": outcome.status,
        "last_error": outcome.error,
    }
    status = outcome.status
    if status is not None and 200 <= status < 300:
        values.update(status=DELIVERED, finished_at=now)
    elif status is not None and 400 <= status < 500:
        values.update(status=DROPPED, finished_at=now)
    elif now - claimed.created_at >= timedelta(seconds=settings.webhook_retry_window_seconds):
        values.update(status=EXPIRED, finished_at=now)
    else:
        values.update(next_attempt_at=now + backoff(claimed.attempts + 1, settings.webhook_backoff_seconds))
    return values


def record_all(factory: SessionMaker, sent: list[tuple[Claimed, Outcome]], settings: Settings) -> list[str]:
    """Store a batch's attempts in one transaction, in the order given; each delivery's new status ("lost"
    when no longer ours). Each move is still a conditional UPDATE on this worker's claim token; the attempts
    are inserted together; a subscription's health is touched only where its outcomes change from success
    to failure or back (a run of successes clears ``failing_since`` once, as each of them would)."""
    now = utcnow()
    window = timedelta(seconds=settings.webhook_retry_window_seconds)
    statuses: list[str] = []
    attempts: list[dict[str, Any]] = []
    last_outcome: dict[tuple[int, int], bool] = {}
    with factory() as session, session.begin():
        for claimed, outcome in sent:
            values = _transition(claimed, outcome, settings, now)
            result = session.execute(
                update(WebhookDelivery)
                .where(
                    in_club(WebhookDelivery, claimed.club_id),
                    WebhookDelivery.id == claimed.id,
                    WebhookDelivery.status == PENDING,
                    WebhookDelivery.claim_token == claimed.claim_token,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if (getattr(result, "rowcount", 0) or 0) != 1:
                statuses.append("lost")
                continue
            statuses.append(str(values.get("status", PENDING)))
            attempts.append(
                {
                    "loyalty_club_id": claimed.club_id,
                    "delivery_id": claimed.id,
                    "attempted_at": now,
                    "request_headers": outcome.headers,
                    "request_body": claimed.body,
                    "response_status": outcome.status,
                    "response_body": outcome.body,
                    "duration_ms": outcome.duration_ms,
                    "error": outcome.error,
                }
            )
            delivered = values.get("status") == DELIVERED
            subscription = (claimed.club_id, claimed.subscription_id)
            if last_outcome.get(subscription) != delivered:
                _track_health(session, claimed, delivered=delivered, now=now, window=window)
                last_outcome[subscription] = delivered
        if attempts:
            session.execute(insert(WebhookAttempt), attempts)
    return statuses


def _track_health(session: Session, claimed: Claimed, *, delivered: bool, now: datetime, window: timedelta) -> None:
    """A success clears ``failing_since``; a failure sets it once; failing for the whole window disables."""
    subscription = (in_club(WebhookSubscription, claimed.club_id), WebhookSubscription.id == claimed.subscription_id)
    if delivered:
        session.execute(
            update(WebhookSubscription)
            .where(*subscription, WebhookSubscription.failing_since.is_not(None))
            .values(failing_since=None)
            .execution_options(synchronize_session=False)
        )
        return
    session.execute(
        update(WebhookSubscription)
        .where(*subscription, WebhookSubscription.failing_since.is_(None))
        .values(failing_since=now)
        .execution_options(synchronize_session=False)
    )
    disabled = session.execute(
        update(WebhookSubscription)
        .where(*subscription, WebhookSubscription.active.is_(True), WebhookSubscription.failing_since <= now - window)
        .values(
            active=False,
            disabled_at=now,
            disabled_reason=f"Every delivery failed for {window.days} days",
        )
        .execution_options(synchronize_session=False)
    )
    if (getattr(disabled, "rowcount", 0) or 0) == 1:
        config_cache.changed(session, claimed.club_id)  # the outbox stops enqueueing for it
        log.warning("webhook subscription %s of club %s disabled", claimed.subscription_id, claimed.club_id)
        cancel_pending(session, claimed.club_id, claimed.subscription_id, now)


def cancel_pending(session: Session, club_id: int, subscription_id: int, now: datetime) -> None:
    session.execute(
        update(WebhookDelivery)
        .where(
            in_club(WebhookDelivery, club_id),
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == PENDING,
        )
        .values(status=CANCELLED, finished_at=now, claim_token=None, leased_until=None)
        .execution_options(synchronize_session=False)
    )


def run_once(factory: SessionMaker, settings: Settings, client: httpx.Client | None = None) -> int:
    """Claim and send one batch; the number of deliveries attempted."""
    # The lease outlasts a batch of attempts that all time out, so a live worker never loses its deliveries.
    lease = max(settings.webhook_lease_seconds, BATCH * settings.webhook_timeout_seconds + 5)
    claimed = claim(factory, lease)
    if not claimed:
        return 0
    import httpx

    own = client is None
    client = client or httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
    try:
        # Each subscription's deliveries go out in order, one after another (a receiver sees a member
        # created before it is updated); different subscriptions' at the same time, so one slow receiver
        # does not hold the others back by its timeout. The outcomes are recorded together, in one
        # transaction (one round trip per delivery, not a transaction of four statements each).
        by_subscription: dict[int, list[Claimed]] = {}
        for item in claimed:
            by_subscription.setdefault(item.subscription_id, []).append(item)

        def send_in_order(items: list[Claimed]) -> list[tuple[Claimed, Outcome]]:
            return [(item, send(client, item, settings)) for item in items]

        lanes = list(by_subscription.values())
        if len(lanes) == 1:
            sent = send_in_order(lanes[0])
        else:
            with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="webhook-send") as pool:
                sent = [pair for lane in pool.map(send_in_order, lanes) for pair in lane]
        record_all(factory, sent, settings)
    finally:
        if own:
            client.close()
    return len(claimed)


_CLIENTS: dict[float, httpx.Client] = {}
_CLIENTS_LOCK = threading.Lock()


def _process_client(timeout: float) -> httpx.Client:
    """One HTTP client per process (and timeout), kept between the worker's ticks: making one builds a TLS
    context (~8 % of a core when the idle worker made one every second), and a kept one reuses its
    connections to receivers."""
    import httpx

    with _CLIENTS_LOCK:
        client = _CLIENTS.get(timeout)
        if client is None or client.is_closed:
            client = _CLIENTS[timeout] = httpx.Client(timeout=timeout, follow_redirects=False)
        return client


def drain(factory: SessionMaker, settings: Settings, *, max_batches: int = 50) -> int:
    """Send batches until none is due (or ``max_batches``): the worker job's body."""
    total = 0
    client = _process_client(settings.webhook_timeout_seconds)
    for _ in range(max_batches):
        sent = run_once(factory, settings, client)
        total += sent
        if sent == 0:
            break
    return total
