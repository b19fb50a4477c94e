"""Transmitting dispatches: claim a batch with a lease, render, hand to the club's transport, record the
batch's results in one transaction.

A batch is claimed by a conditional UPDATE (``pending``, ``retrying`` and due, or ``transmitting`` with an
expired lease: its worker died), highest sending priority first; its results are recorded together (one
UPDATE per shape of result) once the transport reports them, so a worker killed mid-batch leaves its batches
in flight to be sent again under the same idempotency keys (the e-mail's ``Message-ID``, the HTTP
``Idempotency-Key``, FCM's collapse key). Transient errors are retried with exponential backoff; permanent
ones fail the dispatch with the provider's reason. A cancelled sending stops before the next item.
See docs/decisions/messaging.md (Transmission).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.dialect import among, update_rows
from loyaltyhub.db.tenancy import across_clubs, in_club, same_club
from loyaltyhub.members.models import Member
from loyaltyhub.messaging import catalog, repository, tracking
from loyaltyhub.messaging.delivery import lanes
from loyaltyhub.messaging.delivery.transports import (
    NotConfigured,
    Outgoing,
    Result,
    SmtpConfig,
    SmtpTransport,
    Transport,
)
from loyaltyhub.messaging.links import PublicUrls, find_urls, is_html, rewrite, with_open_pixel
from loyaltyhub.messaging.models import Dispatch, Message, Sending
from loyaltyhub.messaging.rules import SERVICES
from loyaltyhub.messaging.templating import render_content, wrap
from loyaltyhub.services import ResourceChange, notify_changes

Units = Callable[..., AbstractContextManager[Session]]
LEASE = timedelta(seconds=120)
BATCH = 200
MAX_ATTEMPTS = 5
ACTIVE = ("prepared", "transmitting")


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** max(attempts, 1)))


def _claimable(now: datetime) -> Any:
    return or_(
        Dispatch.transmission_status == "pending",
        and_(Dispatch.transmission_status == "retrying", Dispatch.next_attempt_at <= now),
        and_(Dispatch.transmission_status == "transmitting", Dispatch.lease_until < now),
    )


def claim_batch(session: Session, worker: str, now: datetime, size: int = BATCH) -> str | None:
    """Claim up to ``size`` dispatches of active sendings (highest priority first); the claim's token, or
    None when there was nothing to claim."""
    candidates = (
        select(Dispatch.id)
        .join(Sending, and_(Sending.id == Dispatch.sending_id, same_club(Sending, Dispatch)))
        .where(Sending.status.in_(ACTIVE), _claimable(now))
        .order_by(Sending.priority.desc(), Dispatch.id)
        .limit(size)
        .with_for_update(skip_locked=True, of=Dispatch)
    )
    token = f"{worker}:{uuid.uuid4().hex}"
    result = session.execute(
        across_clubs(
            update(Dispatch)
            .where(Dispatch.id.in_(across_clubs(candidates).scalar_subquery()), _claimable(now))
            .values(
                transmission_status="transmitting",
                claimed_by=token,
                lease_until=now + LEASE,
                attempts=Dispatch.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    return token if result.rowcount else None  # type: ignore[attr-defined]


class _Renderer:
    """Everything a batch's dispatches need to be rendered: sendings, channels, templates, members."""

    def __init__(self, session: Session, dispatches: list[Dispatch]) -> None:
        self.session = session
        self.sendings: dict[int, Sending] = {}
        self.channels: dict[tuple[int, str], Any] = {}
        self.templates: dict[int, Any] = {}
        self.members: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, Message] = {}
        by_club: dict[int, set[int]] = defaultdict(set)
        members: dict[int, set[int]] = defaultdict(set)
        for d in dispatches:
            by_club[d.loyalty_club_id].add(d.sending_id)
            if d.member_id is not None:
                members[d.loyalty_club_id].add(d.member_id)
        for club_id, sending_ids in by_club.items():
            rows = list(
                session.execute(select(Sending).where(in_club(Sending, club_id), Sending.id.in_(sending_ids))).scalars()
            )
            for sending in rows:
                self.sendings[sending.id] = sending
            message_ids = [s.message_id for s in rows]
            for message in session.execute(
                select(Message).where(in_club(Message, club_id), Message.id.in_(message_ids))
            ).scalars():
                self.messages[message.id] = message
            for message_id, channels in repository.channels_of(session, club_id, message_ids).items():
                for channel in channels:
                    self.channels[(message_id, channel.type)] = channel
            template_ids = [c.template_id for (m, _), c in self.channels.items() if m in message_ids]
            templates = repository.templates_by_id(session, club_id, template_ids)
            wrappers = repository.templates_by_id(
                session, club_id, [t.wrapper_id for t in templates.values() if t.wrapper_id]
            )
            self.templates.update(templates)
            self.templates.update(wrappers)
            # Columns, not entities; the ids as one array parameter (a statement of 200 placeholders is
            # longer than psycopg caches its parsing for, so it was parsed again for every batch).
            for member in session.execute(
                select(Member.id, Member.properties, Member.msisdn, Member.email).where(
                    in_club(Member, club_id), among(session, Member.id, list(members[club_id]))
                )
            ):
                self.members[member.id] = {
                    **(member.properties or {}),
                    "id": member.id,
                    "msisdn": member.msisdn,
                    "email": member.email,
                    "properties": member.properties or {},
                }
        self.settings: dict[int, dict[str, Any] | None] = {}

    def outgoing(self, dispatch: Dispatch) -> Outgoing:
        sending = self.sendings[dispatch.sending_id]
        channel = self.channels[(sending.message_id, dispatch.channel)]
        template = self.templates[channel.template_id]
        wrapper = self.templates.get(template.wrapper_id) if template.wrapper_id else None
        content = wrap(template.content, wrapper.content if wrapper is not None else None)
        keys = {"sms": "msisdn", "email": "email", "push": "app_token"}
        data: dict[str, Any] = {**(dispatch.properties or {}), keys[dispatch.channel or "sms"]: dispatch.address}
        if dispatch.member_id is not None:
            member = dict(self.members.get(dispatch.member_id, {}))
            if dispatch.channel == "push":
                member["app_token"] = dispatch.address
            data["member"] = member
            data["member_id"] = dispatch.member_id
        return Outgoing(
            key=f"dispatch-{dispatch.id}.club-{dispatch.loyalty_club_id}@loyaltyhub",
            channel=dispatch.channel or "",
            address=dispatch.address or "",
            content=render_content(content, data),
            sender=channel.sender,
        )


def _marketing(message: Message) -> bool:
    return message.marketing if message.marketing is not None else SERVICES[message.service].marketing


def _shortener(urls: PublicUrls, club_id: int, known: dict[str, str], recipient: int | None) -> Any:
    def short(url: str) -> str | None:
        return urls.short(club_id, known[url], recipient) if url in known else None

    return short


def track(
    units: Units, renderer: _Renderer, pairs: list[tuple[Dispatch, Outgoing]], urls: PublicUrls
) -> list[tuple[Dispatch, Outgoing]]:
    """The items with their links shortened (``shorten_urls``) and tracked to their recipient
    (``track_in_shortener``), the open pixel in tracked HTML e-mail, and the RFC 8058 one-click
    unsubscribe headers in e-mail of marketing messages. The links of a sending are made on first use."""
    wanted: dict[tuple[int, int], set[str]] = defaultdict(set)
    for dispatch, item in pairs:
        message = renderer.messages[renderer.sendings[dispatch.sending_id].message_id]
        if message.shorten_urls or message.track_in_shortener:
            wanted[(dispatch.loyalty_club_id, dispatch.sending_id)].update(find_urls(item.content))
    codes: dict[tuple[int, int], dict[str, str]] = {}
    if wanted:
        with units(write=True) as session:
            for (club_id, sending_id), found in wanted.items():
                tracked = renderer.messages[renderer.sendings[sending_id].message_id].track_in_shortener
                codes[(club_id, sending_id)] = tracking.sending_links(session, club_id, sending_id, found, tracked)
    result = []
    for dispatch, item in pairs:
        message = renderer.messages[renderer.sendings[dispatch.sending_id].message_id]
        club_id = dispatch.loyalty_club_id
        content, headers = item.content, dict(item.headers)
        known = codes.get((club_id, dispatch.sending_id), {})
        if known:
            recipient = dispatch.id if message.track_in_shortener else None
            content = rewrite(content, _shortener(urls, club_id, known, recipient))
        if dispatch.channel == "email":
            body = content.get("body")
            if message.track_in_shortener and isinstance(body, str) and is_html(body):
                content = {**content, "body": with_open_pixel(body, urls.open_pixel(club_id, dispatch.id))}
            if _marketing(message):
                headers["List-Unsubscribe"] = f"<{urls.unsubscribe(club_id, dispatch.id)}>"
                headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        result.append((dispatch, replace(item, content=content, headers=headers)))
    return result


def sent_content(item: Outgoing) -> dict[str, Any]:
    """What the recipient got, as the history shows it: the rendered content and the sender."""
    return {**item.content, "sender": item.sender}


def transport_for(session: Session, club_id: int, channel: str, urls: PublicUrls | None = None) -> Transport:
    """The club's transport for ``channel``, its connections kept open between batches. With ``urls``, the
    HTTP transports ask their provider for delivery receipts at loyaltyhub's callback of the club."""
    config = catalog.transport_config(session, club_id, channel)
    if not config:
        return NotConfigured(channel)
    from loyaltyhub.messaging.delivery.http_transports import FcmPush, SmsProvider, Webhook  # httpx, on first use

    if config.get("kind") in ("sms_provider", "webhook") and urls is not None:
        config = {**config, "status_callback": urls.delivery_callback(club_id, channel, config["kind"])}
    if config.get("kind") == "sms_provider":
        return SmsProvider(config, pooled=True)
    if config.get("kind") == "webhook":
        return Webhook(config, pooled=True)
    if config.get("kind") == "fcm":
        return FcmPush(config)
    return SmtpTransport(SmtpConfig.of(config), pooled=True)


CANCEL_CHECK_SECONDS = 1.0
"""How often a batch being sent looks whether its sendings were cancelled meanwhile."""


def _values(result: Result, attempts: int, now: datetime, active: bool) -> dict[str, Any]:
    values: dict[str, Any] = {"claimed_by": None, "lease_until": None, "updated_at": now, "error": result.error}
    if result.outcome == "transmitted":
        values.update(
            transmission_status="transmitted", provider_message_id=result.provider_message_id, transmitted_at=now
        )
    elif result.outcome == "retry" and not active:
        values.update(transmission_status="cancelled")
    elif result.outcome == "retry" and attempts < MAX_ATTEMPTS:
        values.update(transmission_status="retrying", next_attempt_at=now + backoff(attempts))
    else:
        values.update(transmission_status="failed")
    return values


def _active(session: Session, sendings: set[tuple[int, int]]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for club_id in {c for c, _ in sendings}:
        ids = [s for c, s in sendings if c == club_id]
        found.update(
            (club_id, sending_id)
            for sending_id in session.execute(
                select(Sending.id).where(in_club(Sending, club_id), Sending.id.in_(ids), Sending.status.in_(ACTIVE))
            ).scalars()
        )
    return found


def record_results(
    units: Units,
    token: str,
    outcomes: list[tuple[Dispatch, Result, dict[str, Any] | None]],
    batch_sendings: Iterable[tuple[int, int]] = (),
) -> set[tuple[int, int]]:
    """Store a batch's results in one transaction: only the dispatches still claimed by ``token`` (a claim
    taken over after its lease expired is not ours any more); the member event of each member dispatch
    transmitted. A dispatch of a sending cancelled meanwhile keeps what happened to it when it was sent, and
    becomes ``cancelled`` when it was to be retried; the claimed dispatches not sent because their sending
    was cancelled become ``cancelled``; a sending of the batch (``batch_sendings``) with nothing left to send
    becomes ``transmitted``. The sendings still active."""
    now = utcnow()
    sendings = {(d.loyalty_club_id, d.sending_id) for d, _, _ in outcomes}
    with units(write=True) as session:
        if not outcomes:
            _release_cancelled(session, token)
            finish_sendings(session, set(batch_sendings))
            return set()
        active = _active(session, sendings)
        ours: set[int] = set()
        ids_by_club: dict[int, list[int]] = {}
        for d, _, _ in outcomes:
            ids_by_club.setdefault(d.loyalty_club_id, []).append(d.id)
        for club_id, ids in ids_by_club.items():
            ours.update(
                session.execute(
                    select(Dispatch.id)
                    .where(
                        in_club(Dispatch, club_id),
                        among(session, Dispatch.id, ids),
                        Dispatch.claimed_by == token,
                        Dispatch.transmission_status == "transmitting",
                    )
                    .with_for_update()
                ).scalars()
            )
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        recorded: list[tuple[Dispatch, dict[str, Any]]] = []
        for dispatch, result, content in outcomes:
            if dispatch.id not in ours:
                continue
            values = _values(result, dispatch.attempts, now, (dispatch.loyalty_club_id, dispatch.sending_id) in active)
            if values["transmission_status"] == "transmitted":
                values["content"] = content
            by_shape[tuple(sorted(values))].append(
                {"loyalty_club_id": dispatch.loyalty_club_id, "id": dispatch.id, **values}
            )
            recorded.append((dispatch, values))
        for rows in by_shape.values():
            # One statement per shape of results (usually one a batch): one firing of the totals' triggers.
            update_rows(session, Dispatch.__table__, rows, ("loyalty_club_id", "id"), Dispatch.claimed_by == token)
        notify_changes(session, [c for d, v in recorded if (c := _dispatched(d, v)) is not None])
        _release_cancelled(session, token)
        finish_sendings(session, sendings | set(batch_sendings))
    return active


def _cancelled(units: Units, sendings: set[tuple[int, int]]) -> bool:
    """Whether every one of ``sendings`` has stopped (cancelled meanwhile)."""
    with units(write=False) as session:
        return not _active(session, sendings)


def _dispatched(dispatch: Dispatch, values: dict[str, Any]) -> ResourceChange | None:
    """A dispatch to a member that left is a change other domains hear of (the member event
    ``sending_dispatched``), in the transaction that records it."""
    if values.get("transmission_status") != "transmitted" or dispatch.member_id is None:
        return None
    data = {"id": dispatch.id, "sending_id": dispatch.sending_id, "channel": dispatch.channel}
    change = ResourceChange(
        "dispatch", "transmitted", dispatch.loyalty_club_id, dispatch.id, values["transmitted_at"], data
    )
    return replace(change, member_id=dispatch.member_id)


def _release_cancelled(session: Session, token: str) -> None:
    """Claimed dispatches of sendings cancelled meanwhile are cancelled, not sent."""
    session.execute(
        across_clubs(
            update(Dispatch)
            .where(
                Dispatch.claimed_by == token,
                Dispatch.transmission_status == "transmitting",
                ~exists(
                    select(Sending.id).where(
                        Sending.id == Dispatch.sending_id, same_club(Sending, Dispatch), Sending.status.in_(ACTIVE)
                    )
                ),
            )
            .values(transmission_status="cancelled", claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
    )


@dataclass
class Batch:
    """A claimed batch being sent: its claim's token, its dispatches, the results reported so far, and the
    future of its sends on the delivery loop."""

    token: str
    dispatches: list[Dispatch]
    sendings: set[tuple[int, int]]
    outcomes: list[tuple[Dispatch, Result, dict[str, Any] | None]]
    stop: threading.Event
    future: concurrent.futures.Future[Any] | None = None
    leased_at: float = field(default_factory=time.monotonic)
    """When its lease was last set (claimed or renewed), on this process's monotonic clock."""


async def _together(coroutines: list[Any]) -> None:
    await asyncio.gather(*coroutines)


def begin_batch(units: Units, worker: str, size: int = BATCH, urls: PublicUrls | None = None) -> Batch | None:
    """Claim and render a batch and start sending it (on the delivery loop, concurrently); ``None`` when
    there was nothing to claim. With ``urls`` (how public links are spelled), links are shortened and
    tracked as the messages ask.

    One transaction claims the batch (the dispatches record the claim: ``transmitting``, ``claimed_by`` this
    attempt, the attempt counted); :func:`end_batch` records every result in one more."""
    from liquid.exceptions import LiquidError  # loaded by the job that renders, not by every process

    with units(write=True) as session:
        leased_at = time.monotonic()  # no later than the lease the claim sets
        token = claim_batch(session, worker, utcnow(), size)
        if token is None:
            return None
        dispatches = list(
            session.execute(
                across_clubs(select(Dispatch).where(Dispatch.claimed_by == token).order_by(Dispatch.id))
            ).scalars()
        )
        for club_id, sending_id in {(d.loyalty_club_id, d.sending_id) for d in dispatches}:
            session.execute(
                update(Sending)
                .where(in_club(Sending, club_id), Sending.id == sending_id, Sending.status == "prepared")
                .values(status="transmitting", updated_at=utcnow())
            )
        session.expunge_all()
    sendings = {(d.loyalty_club_id, d.sending_id) for d in dispatches}
    batch = Batch(token, dispatches, sendings, [], threading.Event(), leased_at=leased_at)
    groups: dict[tuple[int, str], list[tuple[Dispatch, Outgoing]]] = defaultdict(list)
    transports: dict[tuple[int, str], Transport] = {}
    with units(write=False) as session:
        renderer = _Renderer(session, dispatches)
        for dispatch in dispatches:
            try:
                item = renderer.outgoing(dispatch)
            except (LiquidError, KeyError) as exc:
                batch.outcomes.append((dispatch, Result("failed", error=f"rendering failed: {exc}"), None))
                continue
            key = (dispatch.loyalty_club_id, dispatch.channel or "")
            groups[key].append((dispatch, item))
            if key not in transports:
                transports[key] = transport_for(session, *key, urls=urls)
    if urls is not None:
        for key in list(groups):
            groups[key] = track(units, renderer, groups[key], urls)
    coroutines = []
    for key, pairs in groups.items():

        def report(index: int, result: Result, pairs: list[tuple[Dispatch, Outgoing]] = pairs) -> bool:
            batch.outcomes.append((pairs[index][0], result, sent_content(pairs[index][1])))
            return not batch.stop.is_set()

        items = [item for _, item in pairs]
        send_async = getattr(transports[key], "send_async", None)
        if send_async is not None:
            coroutines.append(send_async(items, report))
        else:  # a transport without connections to keep (FCM, none configured): sent here and now
            transports[key].send(items, report)
    if coroutines:
        batch.future = lanes.submit(_together(coroutines))
    return batch


def renew(units: Units, tokens: list[str]) -> None:
    """Extend the lease of the dispatches still claimed by ``tokens`` (batches this worker is sending): a
    batch slower than the lease (a slow server, a loaded machine) is not taken over while it is alive."""
    now = utcnow()
    with units(write=True) as session:
        session.execute(
            across_clubs(
                update(Dispatch)
                .where(Dispatch.claimed_by.in_(tokens), Dispatch.transmission_status == "transmitting")
                .values(lease_until=now + LEASE)
                .execution_options(synchronize_session=False)
            )
        )


def end_batch(units: Units, batch: Batch, others: tuple[Batch, ...] = ()) -> int:
    """Wait for a batch's sends, checking every second whether its sendings were cancelled (its lanes then
    stop before their next item) and keeping the lease of this batch and of ``others`` (the worker's other
    batch in flight) at least three quarters full; then record every result in one transaction. How many it
    handled."""
    batches = (batch, *others)
    _renew_stale(units, batches)
    while batch.future is not None:
        try:
            batch.future.result(timeout=CANCEL_CHECK_SECONDS)
            break
        except concurrent.futures.TimeoutError:
            if not batch.stop.is_set() and _cancelled(units, batch.sendings):
                batch.stop.set()
            _renew_stale(units, batches)
    record_results(units, batch.token, batch.outcomes, batch.sendings)
    return len(batch.dispatches)


def _renew_stale(units: Units, batches: tuple[Batch, ...]) -> None:
    """Renew the leases set more than a quarter lease ago (a lease just set by the claim needs no UPDATE)."""
    now = time.monotonic()
    stale = [b for b in batches if now - b.leased_at > LEASE.total_seconds() / 4]
    if stale:
        renew(units, [b.token for b in stale])
        for b in stale:
            b.leased_at = now


def transmit_batch(units: Units, worker: str, size: int = BATCH, urls: PublicUrls | None = None) -> int:
    """Claim, render, send and record one batch; how many dispatches it handled."""
    batch = begin_batch(units, worker, size, urls)
    return 0 if batch is None else end_batch(units, batch)


def finish_sendings(session: Session, sendings: set[tuple[int, int]]) -> None:
    """A transmitting sending without dispatches left to send is ``transmitted``."""
    now = utcnow()
    for club_id, sending_id in sendings:
        left = exists(
            select(Dispatch.id).where(
                in_club(Dispatch, club_id),
                Dispatch.sending_id == sending_id,
                Dispatch.transmission_status.in_(("pending", "retrying", "transmitting")),
            )
        )
        session.execute(
            update(Sending)
            .where(in_club(Sending, club_id), Sending.id == sending_id, Sending.status.in_(ACTIVE), ~left)
            .values(status="transmitted", transmitted_at=now, updated_at=now)
        )
