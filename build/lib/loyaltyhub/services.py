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
    outbox_sender: Callable[[OutboxMessage], None]
    """Delivers a message written to the outbox (one-time passwords, welcome messages)."""
    export_rows: RowSource
    """Where an export's rows come from (the reporting engine)."""


SESSION_KEY = "services"


def services_of(session: Session) -> AppServices:
    """The services bound to ``session`` by whoever opened it (the app, the worker, the CLI, a test)."""
    services = session.info.get(SESSION_KEY)
    if services is None:
        raise RuntimeError("this session was opened without the app's services (see loyaltyhub.services)")
    return services  # type: ignore[no-any-return]
