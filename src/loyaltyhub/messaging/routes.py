"""HTTP routes of the Messaging API (``/v1/messages``, LoyaltyClub context from ``X-Loyalty-Club-Slug``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Response
from starlette.convertors import StringConvertor, register_url_convertor

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import HeaderClubAuth
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.messaging import catalog, repository, service, views
from loyaltyhub.messaging.models import Message, MessageTemplate, SenderIdentity, Sending
from loyaltyhub.messaging.schemas import (
    DispatchList,
    DispatchMember,
    DispatchMembers,
    MergeProperties,
    MergeProperty,
    MessageBody,
    MessageList,
    MessageResponse,
    SenderIdentityBody,
    SenderIdentityList,
    SenderIdentityOut,
    SenderIdentityResponse,
    SendingBody,
    SendingResponse,
    SettingsBody,
    SettingsResponse,
    TemplateBody,
    TemplateList,
    TemplateOut,
    TemplateResponse,
    TemplateUpdateBody,
)
from loyaltyhub.messaging.templating import MEMBER_MERGE_PROPERTIES, RECIPIENT_MERGE_PROPERTIES

router = LoyaltyRouter(prefix="/v1/messages", tags=["Messaging API"])


class ServiceNameConvertor(StringConvertor):
    """``{service_name:service}``: a name, not a number, so the older docs' ``/v1/messages/{id}`` paths
    (:mod:`loyaltyhub.messaging.legacy_routes`) and the services' paths never match each other's URLs."""

    regex = "[A-Za-z_][A-Za-z0-9_-]*"


register_url_convertor("service", ServiceNameConvertor())
# The same rule declared in the OpenAPI, so a client (or a fuzzer) is told that ``0`` names no service.
ServiceName = Annotated[str, Path(pattern=f"^{ServiceNameConvertor.regex}$", description="A messaging service")]


SettingsShow = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGING_SETTINGS_SHOW))]
SettingsUpdate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGING_SETTINGS_UPDATE))]
MergePropertiesIndex = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MERGE_PROPERTIES_INDEX))]
TemplatesIndex = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGE_TEMPLATES_INDEX))]
TemplatesGet = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGE_TEMPLATES_GET))]
TemplatesCreate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGE_TEMPLATES_CREATE))]
TemplatesUpdate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGE_TEMPLATES_UPDATE))]
TemplatesDestroy = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGE_TEMPLATES_DESTROY))]
IdentitiesIndex = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.SENDER_IDENTITIES_INDEX))]
IdentitiesCreate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.SENDER_IDENTITIES_CREATE))]
IdentitiesUpdate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.SENDER_IDENTITIES_UPDATE))]
IdentitiesDestroy = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.SENDER_IDENTITIES_DESTROY))]
MessagesIndex = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGES_INDEX))]
MessagesGet = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGES_GET))]
MessagesCreate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGES_CREATE))]
MessagesUpdate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGES_UPDATE))]
MessagesDestroy = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGES_DESTROY))]
SendingsGet = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.SENDINGS_GET))]
SendingsCreate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.SENDINGS_CREATE))]
SendingsUpdate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.SENDINGS_UPDATE))]
DispatchesList = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.DISPATCHES_LIST))]
DispatchesMembers = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.DISPATCHES_MEMBERS))]


# --- path ids, resolved in the club of the caller ----------------------------------------------------


def template_to_show(template_id: int, access: TemplatesGet, session: SessionDep) -> MessageTemplate:
    return repository.template(session, access.club_id, template_id)


def template_to_update(template_id: int, access: TemplatesUpdate, session: SessionDep) -> MessageTemplate:
    return repository.template(session, access.club_id, template_id)


def template_to_destroy(template_id: int, access: TemplatesDestroy, session: SessionDep) -> MessageTemplate:
    return repository.template(session, access.club_id, template_id)


def identity_to_show(identity_id: int, access: IdentitiesIndex, session: SessionDep) -> SenderIdentity:
    return catalog.identity_or_404(session, access.club_id, identity_id)


def identity_to_update(identity_id: int, access: IdentitiesUpdate, session: SessionDep) -> SenderIdentity:
    return catalog.identity_or_404(session, access.club_id, identity_id)


def identity_to_destroy(identity_id: int, access: IdentitiesDestroy, session: SessionDep) -> SenderIdentity:
    return catalog.identity_or_404(session, access.club_id, identity_id)


def service_to_list(service_name: ServiceName, access: MessagesIndex) -> str:
    return service.use_service(access, service_name)


def service_to_create(service_name: ServiceName, access: MessagesCreate) -> str:
    return service.use_service(access, service_name)


def message_to_show(service_name: ServiceName, message_id: int, access: MessagesGet, session: SessionDep) -> Message:
    return repository.message(session, access.club_id, service.use_service(access, service_name), message_id)


def message_to_update(
    service_name: ServiceName, message_id: int, access: MessagesUpdate, session: SessionDep
) -> Message:
    return repository.message(session, access.club_id, service.use_service(access, service_name), message_id)


def message_to_duplicate(
    service_name: ServiceName, message_id: int, access: MessagesCreate, session: SessionDep
) -> Message:
    return repository.message(session, access.club_id, service.use_service(access, service_name), message_id)


def message_to_destroy(
    service_name: ServiceName, message_id: int, access: MessagesDestroy, session: SessionDep
) -> Message:
    return repository.message(session, access.club_id, service.use_service(access, service_name), message_id)


def message_to_send(service_name: ServiceName, message_id: int, access: SendingsCreate, session: SessionDep) -> Message:
    return repository.message(session, access.club_id, service.use_service(access, service_name), message_id)


def sending_to_show(service_name: ServiceName, sending_id: int, access: SendingsGet, session: SessionDep) -> Sending:
    name = service.use_service(access, service_name)
    return repository.sending(session, access.club_id, name, sending_id)


def sending_to_update(
    service_name: ServiceName, sending_id: int, access: SendingsUpdate, session: SessionDep
) -> Sending:
    name = service.use_service(access, service_name)
    return repository.sending(session, access.club_id, name, sending_id, lock=True)


def sending_to_dispatch(
    service_name: ServiceName, sending_id: int, access: DispatchesList, session: SessionDep
) -> Sending:
    name = service.use_service(access, service_name)
    return repository.sending(session, access.club_id, name, sending_id)


def sending_to_members(
    service_name: ServiceName, sending_id: int, access: DispatchesMembers, session: SessionDep
) -> Sending:
    name = service.use_service(access, service_name)
    return repository.sending(session, access.club_id, name, sending_id)


TemplateToShow = Annotated[MessageTemplate, Depends(template_to_show)]
TemplateToUpdate = Annotated[MessageTemplate, Depends(template_to_update)]
TemplateToDestroy = Annotated[MessageTemplate, Depends(template_to_destroy)]
IdentityToShow = Annotated[SenderIdentity, Depends(identity_to_show)]
IdentityToUpdate = Annotated[SenderIdentity, Depends(identity_to_update)]
IdentityToDestroy = Annotated[SenderIdentity, Depends(identity_to_destroy)]
ServiceToList = Annotated[str, Depends(service_to_list)]
ServiceToCreate = Annotated[str, Depends(service_to_create)]
MessageToShow = Annotated[Message, Depends(message_to_show)]
MessageToUpdate = Annotated[Message, Depends(message_to_update)]
MessageToDuplicate = Annotated[Message, Depends(message_to_duplicate)]
MessageToDestroy = Annotated[Message, Depends(message_to_destroy)]
MessageToSend = Annotated[Message, Depends(message_to_send)]
SendingToShow = Annotated[Sending, Depends(sending_to_show)]
SendingToUpdate = Annotated[Sending, Depends(sending_to_update)]
SendingOfDispatches = Annotated[Sending, Depends(sending_to_dispatch)]
SendingOfMembers = Annotated[Sending, Depends(sending_to_members)]

SERVICE_PATH = "/{service_name:service}"  # a service name never starts with a digit: /v1/messages/83 is a message


# --- settings and merge properties -------------------------------------------------------------------


@router.get("/settings", response_model=SettingsResponse, responses=errors(401, 403, 404, 470))
def show_settings(access: SettingsShow, session: SessionDep) -> SettingsResponse:
    """The club's messaging settings; a channel the club has not configured is ``null``."""
    channels = catalog.channel_settings(session, access.club_id)
    return SettingsResponse(settings=views.settings_out(channels, repository.settings_of(session, access.club_id)))


@router.put("/settings", response_model=SettingsResponse, responses=errors(401, 403, 404, 422, 470))
def update_settings(body: SettingsBody, access: SettingsUpdate, session: SessionDep) -> SettingsResponse:
    """Configure the channels' default senders and the e-mail transport (partial)."""
    found = catalog.update_settings(session, access.club, body.settings.model_dump(exclude_unset=True))
    channels = catalog.channel_settings(session, access.club_id)
    return SettingsResponse(settings=views.settings_out(channels, found))


@router.get("/merge_properties", response_model=MergeProperties, responses=errors(401, 403, 404, 470))
def list_merge_properties(access: MergePropertiesIndex) -> MergeProperties:
    """The merge properties templates may use: ``member.*`` for members, the recipient's identifiers, and
    the keys of the recipient's and the sending's ``properties``."""
    items = [MergeProperty(name=f"member.{k}", description=v) for k, v in MEMBER_MERGE_PROPERTIES.items()]
    items += [MergeProperty(name=k, description=v) for k, v in RECIPIENT_MERGE_PROPERTIES.items()]
    items.append(MergeProperty(name="dmp.*", description="DMP values of audience members"))
    items.append(MergeProperty(name="<property>", description="A key of the recipient's or the sending's properties"))
    return MergeProperties(merge_properties=items)


# --- templates -----------------------------------------------------------------------------------------


@router.get("/templates", response_model=TemplateList, responses=errors(401, 403, 404, 422, 470))
def list_templates(access: TemplatesIndex, session: SessionDep, page: PageDep) -> TemplateList:
    """List the club's standalone templates (newest first)."""
    items, info = paginate(session, repository.templates(access.club_id), page)
    return TemplateList(templates=[TemplateOut.model_validate(t) for t in items], pagination_info=info)


@router.post("/templates", status_code=201, response_model=TemplateResponse, responses=errors(401, 403, 404, 409, 422))
def create_template(
    body: TemplateBody, access: TemplatesCreate, _: Idempotent, session: SessionDep
) -> TemplateResponse:
    """Create a standalone template; its Liquid is checked now (422 naming the content attribute)."""
    template = catalog.create_template(session, access.club_id, body.template.model_dump(), ("template",))
    return TemplateResponse(template=TemplateOut.model_validate(template))


@router.get("/templates/{template_id:int}", response_model=TemplateResponse, responses=errors(401, 403, 404))
def show_template(template: TemplateToShow) -> TemplateResponse:
    """Show a standalone template."""
    return TemplateResponse(template=TemplateOut.model_validate(template))


@router.put("/templates/{template_id:int}", response_model=TemplateResponse, responses=errors(401, 403, 404, 422))
def update_template(body: TemplateUpdateBody, template: TemplateToUpdate, session: SessionDep) -> TemplateResponse:
    """Update a template's content, wrapper or name (partial); ``bee_email`` is read-only."""
    changes = body.template.model_dump(exclude_unset=True)
    return TemplateResponse(template=TemplateOut.model_validate(catalog.update_template(session, template, changes)))


@router.delete("/templates/{template_id:int}", response_model=TemplateResponse, responses=errors(401, 403, 404))
def destroy_template(template: TemplateToDestroy, session: SessionDep) -> TemplateResponse:
    """Destroy a standalone template (messages keep their own copies)."""
    shown = TemplateOut.model_validate(template)
    catalog.destroy_template(session, template)
    return TemplateResponse(template=shown)


# --- sender identities ---------------------------------------------------------------------------------


@router.get("/sender_identities", response_model=SenderIdentityList, responses=errors(401, 403, 404, 422, 470))
def list_identities(access: IdentitiesIndex, session: SessionDep, page: PageDep) -> SenderIdentityList:
    """List the club's sender identities."""
    items, info = paginate(session, repository.sender_identities(access.club_id), page)
    return SenderIdentityList(
        sender_identities=[SenderIdentityOut.model_validate(i) for i in items], pagination_info=info
    )


@router.post(
    "/sender_identities",
    status_code=201,
    response_model=SenderIdentityResponse,
    responses=errors(401, 403, 404, 409, 422),
)
def create_identity(
    body: SenderIdentityBody, access: IdentitiesCreate, _: Idempotent, session: SessionDep
) -> SenderIdentityResponse:
    """Create an e-mail (from address and name) or SMS (alphanumeric or MSISDN) sender identity."""
    identity = catalog.create_identity(session, access.club_id, body.sender_identity.model_dump())
    return SenderIdentityResponse(sender_identity=SenderIdentityOut.model_validate(identity))


@router.get(
    "/sender_identities/{identity_id:int}", response_model=SenderIdentityResponse, responses=errors(401, 403, 404)
)
def show_identity(identity: IdentityToShow) -> SenderIdentityResponse:
    """Show a sender identity."""
    return SenderIdentityResponse(sender_identity=SenderIdentityOut.model_validate(identity))


@router.put(
    "/sender_identities/{identity_id:int}", response_model=SenderIdentityResponse, responses=errors(401, 403, 404, 422)
)
def update_identity(
    body: SenderIdentityBody, identity: IdentityToUpdate, session: SessionDep
) -> SenderIdentityResponse:
    """Update a sender identity (partial; its type cannot change)."""
    changes = body.sender_identity.model_dump(exclude_unset=True)
    return SenderIdentityResponse(
        sender_identity=SenderIdentityOut.model_validate(catalog.update_identity(session, identity, changes))
    )


@router.delete("/sender_identities/{identity_id:int}", status_code=204, responses=errors(401, 403, 404))
def destroy_identity(identity: IdentityToDestroy, session: SessionDep) -> Response:
    """Destroy a sender identity (channels keep the sender they copied)."""
    catalog.destroy_identity(session, identity)
    return Response(status_code=204)


# --- messages ------------------------------------------------------------------------------------------


@router.get(SERVICE_PATH, response_model=MessageList, responses=errors(401, 403, 404, 422, 470))
def list_messages(
    access: MessagesIndex, service_name: ServiceToList, session: SessionDep, page: PageDep
) -> MessageList:
    """List the service's messages (newest first), each with its channels and latest sending."""
    items, info = paginate(session, repository.messages(access.club_id, service_name), page)
    return MessageList(messages=views.messages_out(session, access.club_id, items), pagination_info=info)


@router.post(SERVICE_PATH, status_code=201, response_model=MessageResponse, responses=errors(401, 403, 404, 409, 422))
def create_message(
    body: MessageBody, access: MessagesCreate, service_name: ServiceToCreate, _: Idempotent, session: SessionDep
) -> MessageResponse:
    """Create a message, optionally with its first sending (``message.sending``)."""
    message = service.create_message(
        session, access, service_name, body.message.model_dump(exclude_unset=True, by_alias=True)
    )
    return MessageResponse(message=views.message_out(session, message))


@router.get(SERVICE_PATH + "/{message_id:int}", response_model=MessageResponse, responses=errors(401, 403, 404))
def show_message(message: MessageToShow, session: SessionDep) -> MessageResponse:
    """Show a message with its channels, templates and aggregated sendings status."""
    return MessageResponse(message=views.message_out(session, message))


@router.put(
    SERVICE_PATH + "/{message_id:int}", response_model=MessageResponse, responses=errors(401, 403, 404, 405, 422)
)
def update_message(
    body: MessageBody, access: MessagesUpdate, message: MessageToUpdate, session: SessionDep
) -> MessageResponse:
    """Partial update; ``channels``, when given, replace the message's channels."""
    changed = service.update_message(session, access, message, body.message.model_dump(exclude_unset=True))
    return MessageResponse(message=views.message_out(session, changed))


@router.put(
    SERVICE_PATH + "/{message_id:int}/duplicate",
    status_code=201,
    response_model=MessageResponse,
    responses=errors(401, 403, 404),
)
def duplicate_message(message: MessageToDuplicate, session: SessionDep) -> MessageResponse:
    """A copy of the message with its channels and templates, without sendings."""
    return MessageResponse(message=views.message_out(session, service.duplicate_message(session, message)))


@router.delete(SERVICE_PATH + "/{message_id:int}", response_model=MessageResponse, responses=errors(401, 403, 404, 405))
def delete_message(message: MessageToDestroy, session: SessionDep) -> MessageResponse:
    """Delete a message: its drafts and scheduled sendings are cancelled (405 while one is in progress)."""
    shown = views.message_out(session, message)
    service.delete_message(session, message)
    return MessageResponse(message=shown)


# --- sendings ------------------------------------------------------------------------------------------


@router.post(
    SERVICE_PATH + "/{message_id:int}/sendings",
    status_code=201,
    response_model=SendingResponse,
    responses=errors(401, 403, 404, 409, 422),
)
def create_sending(
    body: SendingBody, access: SendingsCreate, message: MessageToSend, _: Idempotent, session: SessionDep
) -> SendingResponse:
    """Create (and schedule, if demanded) a sending of the message."""
    sending = service.create_sending(
        session, access, message, body.sending.model_dump(exclude_unset=True, by_alias=True)
    )
    return SendingResponse(sending=views.sending_out(sending))


@router.get(
    SERVICE_PATH + "/sendings/{sending_id:int}", response_model=SendingResponse, responses=errors(401, 403, 404)
)
def show_sending(sending: SendingToShow) -> SendingResponse:
    """Show a sending: status, schedule, audience, inline recipients and counts."""
    return SendingResponse(sending=views.sending_out(sending))


@router.put(
    SERVICE_PATH + "/sendings/{sending_id:int}",
    response_model=SendingResponse,
    responses=errors(401, 403, 404, 405, 422),
)
def update_sending(
    body: SendingBody, access: SendingsUpdate, sending: SendingToUpdate, session: SessionDep
) -> SendingResponse:
    """Partial update (``null`` removes an attribute; ``recipients`` replace them all); 405 once processing started."""
    message = repository.message_of(session, sending)
    changes = body.sending.model_dump(exclude_unset=True, by_alias=True)
    return SendingResponse(
        sending=views.sending_out(service.update_sending(session, access, message, sending, changes))
    )


@router.put(
    SERVICE_PATH + "/sendings/{sending_id:int}/cancel",
    response_model=SendingResponse,
    responses=errors(401, 403, 404, 405),
)
def cancel_sending(sending: SendingToUpdate, session: SessionDep) -> SendingResponse:
    """Cancel a sending in progress (``preparing``, ``prepared``, ``transmitting``)."""
    return SendingResponse(sending=views.sending_out(service.cancel_sending(session, sending)))


TransmissionStatus = Literal["pending", "retrying", "transmitting", "transmitted", "failed", "skipped", "cancelled"]
DeliveryStatus = Literal["unknown", "delivered", "undelivered"]


def _dispatch_filters(
    transmission_status: TransmissionStatus | None = None,
    delivery_status: DeliveryStatus | None = None,
    member_id: Annotated[int | None, Query(ge=1)] = None,
    msisdn: Annotated[str | None, Query(max_length=20)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    app_token: Annotated[str | None, Query(max_length=512)] = None,
) -> dict[str, Any]:
    return {
        "transmission_status": transmission_status,
        "delivery_status": delivery_status,
        "member_id": member_id,
        "msisdn": msisdn,
        "email": email.strip().lower() if email else None,
        "app_token": app_token,
    }


DispatchFilters = Annotated[dict[str, Any], Depends(_dispatch_filters)]


@router.get(
    SERVICE_PATH + "/sendings/{sending_id:int}/dispatches",
    response_model=DispatchList,
    responses=errors(401, 403, 404, 422),
)
def list_dispatches(
    sending: SendingOfDispatches, filters: DispatchFilters, session: SessionDep, page: PageDep
) -> DispatchList:
    """List the sending's dispatches (one per recipient), filtered by status or recipient."""
    items, info = paginate(session, repository.dispatches(sending.loyalty_club_id, sending.id, filters), page)
    return DispatchList(dispatches=[views.dispatch_out(d) for d in items], pagination_info=info)


@router.get(
    SERVICE_PATH + "/sendings/{sending_id:int}/dispatches/members",
    response_model=DispatchMembers,
    responses=errors(401, 403, 404, 422),
)
def list_dispatch_members(
    sending: SendingOfMembers, filters: DispatchFilters, session: SessionDep, page: PageDep
) -> DispatchMembers:
    """The distinct members of the sending's dispatches."""
    statement = repository.dispatch_members(sending.loyalty_club_id, sending.id, filters)
    rows, info = repository.page_of_rows(session, statement, page)
    return DispatchMembers(dispatch_members=[DispatchMember(**row) for row in rows], pagination_info=info)
