"""HTTP routes of member events (the Data API's member events).

* ``POST /v3/{loyalty_club_slug}/members/{member_ref}/events`` — events of one member: ``me`` (member
  token) or a member id; a guest has no events (405).
* ``POST /v3/{loyalty_club_slug}/member_events/bulk`` — up to 1,000 events of any members of the club.
* ``GET /v3/{loyalty_club_slug}/member_events`` (list and filters), ``/member_events/{event_id}``.
* ``GET /v3/{loyalty_club_slug}/member_events/types`` — the event types schema.

The source of an event is the ``X-Product-Name`` header (else the client token's product).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.auth.principal import Principal
from loyaltyhub.db.base import utcnow
from loyaltyhub.events import repository, service
from loyaltyhub.events.dependencies import Filters
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.events.schemas import (
    BulkEventsBody,
    EventList,
    EventOut,
    EventTypeOut,
    EventTypesOut,
    IngestedEvent,
    IngestOut,
    MemberEventsBody,
)
from loyaltyhub.events.service import Incoming, Ingested
from loyaltyhub.events.types import EVENT_TYPES
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity.dependencies import MemberAuth

router = LoyaltyRouter(tags=["Member events"])
PREFIX = "/v3/{loyalty_club_slug}/member_events"

MemberEventsCreate = Annotated[MemberContext, Depends(MemberAuth(permits.MEMBER_EVENTS_CREATE, allow_guest=False))]
# Events of any members, by id: acting on members, as on the Public API's by-id paths (a member app cannot).
BulkEventsCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_EVENTS_CREATE, permits.MEMBERS_ACT_AS))]
EventsList = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_EVENTS_LIST))]


async def request_now() -> datetime:
    """The time ingestion judges ``occurred_at`` at (tests override it to move the clock)."""
    return utcnow()


Now = Annotated[datetime, Depends(request_now)]


def source_of(request: Request, principal: Principal) -> str | None:
    return (request.headers.get("X-Product-Name") or "").strip()[:100] or principal.product_name


def _out(results: list[Ingested]) -> IngestOut:
    created = sum(1 for r in results if r.created)
    return IngestOut(
        created=created,
        duplicates=len(results) - created,
        events=[
            IngestedEvent(id=r.id, client_event_id=r.client_event_id, status="created" if r.created else "duplicate")
            for r in results
        ],
    )


@router.post(
    "/v3/{loyalty_club_slug}/members/{member_ref}/events",
    response_model=IngestOut,
    responses=errors(401, 403, 404, 405, 409, 422, 460, 470, 471),
    summary="Register one or many events of a member (me or by id)",
)
def register_member_events(
    request: Request, body: MemberEventsBody, context: MemberEventsCreate, _: Idempotent, session: SessionDep, now: Now
) -> IngestOut:
    member = context.member
    assert member is not None  # allow_guest=False
    batch = [Incoming(member.id, event) for event in body.events]
    results = service.ingest(
        session,
        context.club_id,
        batch,
        source=source_of(request, context.access.principal),
        now=now,
        member_resolved=True,
    )
    return _out(results)


@router.post(
    PREFIX + "/bulk",
    response_model=IngestOut,
    responses=errors(401, 403, 404, 409, 422),
    summary="Register up to 1,000 events of any members of the club (all or nothing)",
)
def register_bulk_events(
    request: Request, body: BulkEventsBody, access: BulkEventsCreate, _: Idempotent, session: SessionDep, now: Now
) -> IngestOut:
    batch = [Incoming(event.member_id, event) for event in body.events]
    results = service.ingest(session, access.club_id, batch, source=source_of(request, access.principal), now=now)
    return _out(results)


@router.get(
    PREFIX + "/types",
    response_model=EventTypesOut,
    responses=errors(401, 403, 404),
    summary="The event types schema: every type, who produces it, and the JSON schema of its data",
)
def event_types(_access: EventsList) -> EventTypesOut:
    return EventTypesOut(
        event_types=[
            EventTypeOut(type=t.name, description=t.description, produced_by=t.produced_by, schema=t.schema())
            for t in EVENT_TYPES.values()
        ]
    )


@router.get(PREFIX, response_model=EventList, responses=errors(401, 403, 404, 422), summary="List member events")
def list_events(access: EventsList, session: SessionDep, page: PageDep, filters: Filters) -> EventList:
    statement = repository.list_statement(
        access.tenant,
        member_ids=filters.member_ids,
        types=filters.types,
        source=filters.source,
        occurred_from=filters.occurred_from,
        occurred_to=filters.occurred_to,
        sort_direction=filters.sort_direction,
    )
    events, info = paginate(session, statement, page)
    return EventList(events=[EventOut.model_validate(e) for e in events], pagination_info=info)


@router.get(PREFIX + "/{event_id}", response_model=EventOut, responses=errors(401, 403, 404), summary="Show an event")
def show_event(event_id: int, access: EventsList, session: SessionDep) -> EventOut:
    return EventOut.model_validate(access.tenant.get_or_404(session, MemberEvent, event_id, "MemberEvent"))
