"""The older docs' Messaging API paths, without the ``{service}`` segment (reference 1.11: ``/v1/messages``,
``/v1/messages/:id``, ``/v1/messages/:message_id/sendings``, ``/v1/messages/sendings/:id``...): the same
handlers' work on the ``generic`` service, the one the newer docs' examples use and the only one that needs
no service permit (docs/decisions/compatibility.md). Listed before the service routes, which take names only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.messaging import repository, service, views
from loyaltyhub.messaging.models import Message, Sending
from loyaltyhub.messaging.routes import (
    DispatchesList,
    DispatchesMembers,
    DispatchFilters,
    MessagesCreate,
    MessagesDestroy,
    MessagesGet,
    MessagesIndex,
    MessagesUpdate,
    SendingsCreate,
    SendingsGet,
    SendingsUpdate,
)
from loyaltyhub.messaging.schemas import (
    DispatchList,
    DispatchMember,
    DispatchMembers,
    MessageBody,
    MessageList,
    MessageResponse,
    SendingBody,
    SendingResponse,
)

GENERIC = "generic"
router = LoyaltyRouter(prefix="/v1/messages", tags=["Messaging API (older paths)"])


def _message(session: Session, club_id: int, message_id: int) -> Message:
    return repository.message(session, club_id, GENERIC, message_id)


def message_to_show(message_id: int, access: MessagesGet, session: SessionDep) -> Message:
    return _message(session, access.club_id, message_id)


def message_to_update(message_id: int, access: MessagesUpdate, session: SessionDep) -> Message:
    return _message(session, access.club_id, message_id)


def message_to_destroy(message_id: int, access: MessagesDestroy, session: SessionDep) -> Message:
    return _message(session, access.club_id, message_id)


def message_to_send(message_id: int, access: SendingsCreate, session: SessionDep) -> Message:
    return _message(session, access.club_id, message_id)


def sending_to_show(sending_id: int, access: SendingsGet, session: SessionDep) -> Sending:
    return repository.sending(session, access.club_id, GENERIC, sending_id)


def sending_to_update(sending_id: int, access: SendingsUpdate, session: SessionDep) -> Sending:
    return repository.sending(session, access.club_id, GENERIC, sending_id, lock=True)


def sending_to_dispatch(sending_id: int, access: DispatchesList, session: SessionDep) -> Sending:
    return repository.sending(session, access.club_id, GENERIC, sending_id)


def sending_to_members(sending_id: int, access: DispatchesMembers, session: SessionDep) -> Sending:
    return repository.sending(session, access.club_id, GENERIC, sending_id)


@router.get("", response_model=MessageList, responses=errors(401, 403, 404, 422, 470))
def list_messages_generic(access: MessagesIndex, session: SessionDep, page: PageDep) -> MessageList:
    """List Messages (the older docs' path): the ``generic`` service's messages, newest first."""
    items, info = paginate(session, repository.messages(access.club_id, GENERIC), page)
    return MessageList(messages=views.messages_out(session, access.club_id, items), pagination_info=info)


@router.post("", status_code=201, response_model=MessageResponse, responses=errors(401, 403, 404, 409, 422))
def create_message_generic(
    body: MessageBody, access: MessagesCreate, _: Idempotent, session: SessionDep
) -> MessageResponse:
    """Create Message (the older docs' path) in the ``generic`` service, optionally with its first sending."""
    message = service.create_message(
        session, access, GENERIC, body.message.model_dump(exclude_unset=True, by_alias=True)
    )
    return MessageResponse(message=views.message_out(session, message))


@router.get("/{message_id:int}", response_model=MessageResponse, responses=errors(401, 403, 404))
def show_message_generic(message: Annotated[Message, Depends(message_to_show)], session: SessionDep) -> MessageResponse:
    """Show Message (the older docs' path), of the ``generic`` service."""
    return MessageResponse(message=views.message_out(session, message))


@router.put("/{message_id:int}", response_model=MessageResponse, responses=errors(401, 403, 404, 405, 422))
def update_message_generic(
    body: MessageBody,
    access: MessagesUpdate,
    message: Annotated[Message, Depends(message_to_update)],
    session: SessionDep,
) -> MessageResponse:
    """Update Message (the older docs' path): partial; ``channels``, when given, replace the message's."""
    changed = service.update_message(session, access, message, body.message.model_dump(exclude_unset=True))
    return MessageResponse(message=views.message_out(session, changed))


@router.delete("/{message_id:int}", response_model=MessageResponse, responses=errors(401, 403, 404, 405))
def delete_message_generic(
    message: Annotated[Message, Depends(message_to_destroy)], session: SessionDep
) -> MessageResponse:
    """Delete Message (the older docs' path); answers the deleted message."""
    shown = views.message_out(session, message)
    service.delete_message(session, message)
    return MessageResponse(message=shown)


@router.post(
    "/{message_id:int}/sendings",
    status_code=201,
    response_model=SendingResponse,
    responses=errors(401, 403, 404, 409, 422),
)
def create_sending_generic(
    body: SendingBody,
    access: SendingsCreate,
    message: Annotated[Message, Depends(message_to_send)],
    _: Idempotent,
    session: SessionDep,
) -> SendingResponse:
    """Create Sending (the older docs' path) of a ``generic`` message."""
    sending = service.create_sending(
        session, access, message, body.sending.model_dump(exclude_unset=True, by_alias=True)
    )
    return SendingResponse(sending=views.sending_out(sending))


@router.get("/sendings/{sending_id:int}", response_model=SendingResponse, responses=errors(401, 403, 404))
def show_sending_generic(sending: Annotated[Sending, Depends(sending_to_show)]) -> SendingResponse:
    """Get Sending (the older docs' path), of a ``generic`` message."""
    return SendingResponse(sending=views.sending_out(sending))


@router.put("/sendings/{sending_id:int}", response_model=SendingResponse, responses=errors(401, 403, 404, 405, 422))
def update_sending_generic(
    body: SendingBody,
    access: SendingsUpdate,
    sending: Annotated[Sending, Depends(sending_to_update)],
    session: SessionDep,
) -> SendingResponse:
    """Update Sending (the older docs' path): partial; 405 once processing started."""
    message = repository.message_of(session, sending)
    changes = body.sending.model_dump(exclude_unset=True, by_alias=True)
    return SendingResponse(
        sending=views.sending_out(service.update_sending(session, access, message, sending, changes))
    )


@router.put("/sendings/{sending_id:int}/cancel", response_model=SendingResponse, responses=errors(401, 403, 404, 405))
def cancel_sending_generic(
    sending: Annotated[Sending, Depends(sending_to_update)], session: SessionDep
) -> SendingResponse:
    """Cancel Sending (the older docs' path)."""
    return SendingResponse(sending=views.sending_out(service.cancel_sending(session, sending)))


@router.get("/sendings/{sending_id:int}/dispatches", response_model=DispatchList, responses=errors(401, 403, 404, 422))
def list_dispatches_generic(
    sending: Annotated[Sending, Depends(sending_to_dispatch)],
    filters: DispatchFilters,
    session: SessionDep,
    page: PageDep,
) -> DispatchList:
    """List Sending Dispatches (the older docs' path)."""
    items, info = paginate(session, repository.dispatches(sending.loyalty_club_id, sending.id, filters), page)
    return DispatchList(dispatches=[views.dispatch_out(d) for d in items], pagination_info=info)


@router.get(
    "/sendings/{sending_id:int}/dispatches/members",
    response_model=DispatchMembers,
    responses=errors(401, 403, 404, 422),
)
def list_dispatch_members_generic(
    sending: Annotated[Sending, Depends(sending_to_members)],
    filters: DispatchFilters,
    session: SessionDep,
    page: PageDep,
) -> DispatchMembers:
    """List Sending Members (the older docs' path): the distinct members of the dispatches."""
    statement = repository.dispatch_members(sending.loyalty_club_id, sending.id, filters)
    rows, info = repository.page_of_rows(session, statement, page)
    return DispatchMembers(dispatch_members=[DispatchMember(**row) for row in rows], pagination_info=info)
