"""The platform's pluggable parts, built once by :func:`loyaltyhub.wiring.build_services` and handed down.

``create_app`` builds them and binds them to every session its session factory opens; the worker and the
CLI bind them to the units of work they open (``unit_of_work(engine, write=..., services=services)``).
Domain code reaches them through the session it already holds, :func:`services_of`, so a member change
notifies the listeners of *that* app. What used to be module globals (member listeners, the outbox
sender, the export row source) are fields here, and a test swaps one by construction::

    services = dataclasses.replace(build_services(), outbox_sender=sent.append)
    app = create_app(settings, services=services)

A session opened without services fails loudly at the first use of one, instead of silently skipping a
listener (which would let reporting counters drift).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from loyaltyhub.exports.source import RowSource
    from loyaltyhub.members.events import MemberListener
    from loyaltyhub.members.models import OutboxMessage


@dataclass(frozen=True)
class AppServices:
    member_listeners: tuple[MemberListener, ...]
    """Called in the same transaction on every member create, update, destroy and group change."""
    store_removal_listeners: tuple[Callable[[Any, Any], None], ...]
    """``(session, store)``: called before a store is deleted (members forget it as a favourite)."""
    outbox_sender: Callable[[OutboxMessage], object]
    """Delivers a message written to the outbox (one-time passwords, welcome messages); returns
    ``members.outbox.KEPT`` when it delivered nothing (the row is then the message's only copy)."""
    export_rows: RowSource
    """Where an export's rows come from (the reporting engine)."""
    resource_listeners: tuple[Callable[[Session, ResourceChange], None], ...] = ()
    """Called in the same transaction on every change of a trackable resource other than members (offers,
    member offer uses, grants): webhooks write their outbox, member events record what loyaltyhub saw."""
    event_listeners: tuple[Callable[[Session, int, list[dict[str, Any]]], None], ...] = ()
    """``(session, club_id, events)``: called in the transaction that stored new member events (each a dict
    with ``id``, ``member_id``, ``type``, ``source``, ``received_at``, ``occurred_at`` and ``data``); the
    Triggerer queues its work and judges its built-in rules."""
    club_listeners: tuple[Callable[[Session, Any], None], ...] = ()
    """``(session, club)``: called in the transaction that created a loyalty club (the Triggerer makes its
    built-in rules)."""
    offer_listeners: tuple[Callable[[Any, Any, frozenset[str]], None], ...] = ()
    """``(session, offer, changed_fields)``: called after an offer is created, updated or cloned, in its
    transaction (the offer's image is rendered from its ``image_template``). Empty without settings (the
    CLI, the worker)."""
    system_messages: SystemMessages | None = None
    """How a domain below messaging has the platform send one of the club's messages to a member (the
    rewards' "points expire soon" notices): messaging's, wired in :mod:`loyaltyhub.wiring`."""


@dataclass(frozen=True)
class SystemMessages:
    """Messaging, as seen by a domain below it that sends the club's messages on the platform's behalf."""

    check: Callable[[Session, int, int, str], str | None]
    """``(session, club_id, message_id, service)``: why the message cannot be sent by the system for that
    service (``not_found``, ``invalid_service``), or None."""
    send: Callable[[Session, Any, str, int, int, dict[str, Any]], int]
    """``(session, club, actor, message_id, member_id, properties)``: a sending of the message to the member,
    now, made by the system actor ``actor`` (``job:<name>``); its id."""


@dataclass(frozen=True)
class ResourceChange:
    """A change of a trackable resource, as plain data: ``resource`` (``offer``, ``member_offer_use``,
    ``offer_grant``), ``action`` (``created``, ``updated``, ``archived``...), the club, the resource's id,
    the member it concerns (if any), when, and the resource as its API shows it (``data``)."""

    resource: str
    action: str
    club_id: int
    resource_id: int
    occurred_at: datetime
    data: dict[str, Any]
    member_id: int | None = None


def notify_events(session: Session, club_id: int, events: list[dict[str, Any]]) -> None:
    """Tell the app's event listeners about member events just stored (duplicates are not among them)."""
    if events:
        for listener in services_of(session).event_listeners:
            listener(session, club_id, events)


def notify_club_created(session: Session, club: Any) -> None:
    """Tell the app's club listeners about a club just created (flushed)."""
    for listener in services_of(session).club_listeners:
        listener(session, club)


def notify_change(session: Session, change: ResourceChange) -> None:
    """Tell the app's resource listeners about one change (called by domain services after flushing)."""
    for listener in services_of(session).resource_listeners:
        listener(session, change)


def notify_changes(session: Session, changes: list[ResourceChange]) -> None:
    """Tell the app's resource listeners about many changes of one transaction (a batch of dispatches): a
    listener with a ``many`` attribute gets them together, the others one by one."""
    if not changes:
        return
    for listener in services_of(session).resource_listeners:
        many = getattr(listener, "many", None)
        if many is not None:
            many(session, changes)
        else:
            for change in changes:
                listener(session, change)


SESSION_KEY = "services"


def services_of(session: Session) -> AppServices:
    """The services bound to ``session`` by whoever opened it (the app, the worker, the CLI, a test)."""
    services = session.info.get(SESSION_KEY)
    if services is None:
        raise RuntimeError("this session was opened without the app's services (see loyaltyhub.services)")
    return services  # type: ignore[no-any-return]
