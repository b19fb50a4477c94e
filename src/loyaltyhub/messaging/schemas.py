"""Request and response models of messaging (vendor-docs-platform §1: MessagePayload, ChannelPayload,
SendingPayload, SendingSchedulePayload, Recipient; Message, Channel, Template, Sending, Dispatch)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from loyaltyhub.schemas import PaginationInfo, StrictModel

ChannelType = Literal["sms", "email", "push"]
TemplateType = Literal["plain", "email", "bee_email", "push", "generic"]
Name = Field(default=None, max_length=200)


# --- payloads ----------------------------------------------------------------------------------------


class TemplateDefinition(StrictModel):
    """MessageTemplatePayload: a template's type and content (``bee_email`` is read-only)."""

    type: TemplateType
    content: dict[str, Any]
    wrapper_id: StrictInt | None = Field(default=None, ge=1)
    name: str | None = Name


class TemplateBody(StrictModel):
    template: TemplateDefinition


class TemplateUpdate(StrictModel):
    content: dict[str, Any] | None = None
    wrapper_id: StrictInt | None = Field(default=None, ge=1)
    name: str | None = Name


class TemplateUpdateBody(StrictModel):
    template: TemplateUpdate


class ChannelTemplatePayload(StrictModel):
    type: Literal["inline", "reference"]
    id: StrictInt | None = Field(default=None, ge=1)
    definition: TemplateDefinition | None = None
    data: TemplateDefinition | None = Field(default=None, description="The docs' examples' name for `definition`")


class SenderPayload(StrictModel):
    type: Literal["alphanumeric", "international"] | None = None
    value: str | None = Field(default=None, max_length=20)
    from_email: str | None = Field(default=None, max_length=320)
    from_name: str | None = Field(default=None, max_length=200)
    identity_id: StrictInt | None = Field(default=None, ge=1, description="A sender identity of the club to use")


class ChannelPayload(StrictModel):
    type: ChannelType
    sender: SenderPayload | None = None
    template: ChannelTemplatePayload


class SchedulePayload(StrictModel):
    type: Literal["immediate", "absolute", "relative"]
    at: datetime | None = None
    in_: str | None = Field(default=None, alias="in", max_length=40)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Condition(StrictModel):
    condition_group: Literal["member_properties"] = "member_properties"
    field: str = Field(max_length=100)
    operator: str = Field(max_length=40)
    value: Any = None


class AudiencePayload(StrictModel):
    type: Literal["reference", "inline"]
    id: StrictInt | None = Field(default=None, ge=1, description="A member group (reference audience)")
    conditions: list[Condition] | None = Field(default=None, max_length=50)
    filter: dict[str, Any] | None = Field(default=None, description="The reporting filter grammar over member fields")


class RecipientPayload(StrictModel):
    member_id: StrictInt | None = Field(default=None, ge=1)
    msisdn: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=320)
    app_token: str | None = Field(default=None, max_length=512)
    properties: dict[str, Any] = Field(default_factory=dict)


class SendingPayload(StrictModel):
    draft: StrictBool | None = None
    priority: StrictInt | None = Field(default=None, ge=1, le=10)
    channels_preference: list[ChannelType] | None = Field(default=None, max_length=3)
    schedule: SchedulePayload | None = None
    audience: AudiencePayload | None = None
    recipients: list[RecipientPayload] | None = Field(default=None, max_length=1000)
    properties: dict[str, Any] | None = None


class SendingBody(StrictModel):
    sending: SendingPayload


class MessagePayload(StrictModel):
    name: str | None = Name
    shorten_urls: StrictBool | None = None
    track_in_shortener: StrictBool | None = None
    campaign_id: StrictInt | None = Field(default=None, ge=1)
    marketing: StrictBool | None = None
    channels: list[ChannelPayload] | None = Field(default=None, min_length=1, max_length=3)
    sending: SendingPayload | None = None


class MessageBody(StrictModel):
    message: MessagePayload


class SenderIdentityPayload(StrictModel):
    type: Literal["email", "sms"] | None = None
    name: str | None = Name
    from_email: str | None = Field(default=None, max_length=320)
    from_name: str | None = Field(default=None, max_length=200)
    sender_type: Literal["alphanumeric", "international"] | None = None
    value: str | None = Field(default=None, max_length=20)


class SenderIdentityBody(StrictModel):
    sender_identity: SenderIdentityPayload


class SmtpTransport(StrictModel):
    kind: Literal["smtp"] = "smtp"
    host: str = Field(max_length=255)
    port: StrictInt = Field(ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=255)
    timeout_seconds: float = Field(default=30, gt=0, le=300)


class SmsProviderTransport(StrictModel):
    """An SMS provider with a Twilio-style REST API: ``POST {base_url}/2010-04-01/Accounts/{account_sid}/
    Messages.json`` (form ``To``, ``From``, ``Body``; HTTP basic auth)."""

    kind: Literal["sms_provider"] = "sms_provider"
    base_url: str = Field(max_length=500, pattern=r"^https?://")
    account_sid: str = Field(max_length=100)
    auth_token: str = Field(max_length=200)
    timeout_seconds: float = Field(default=10, gt=0, le=120)


class WebhookTransport(StrictModel):
    """A generic JSON webhook: ``POST url`` with the rendered message, signed with HMAC-SHA256 of the body."""

    kind: Literal["webhook"] = "webhook"
    url: str = Field(max_length=500, pattern=r"^https?://")
    secret: str = Field(min_length=16, max_length=200)
    timeout_seconds: float = Field(default=10, gt=0, le=120)


class FcmTransport(StrictModel):
    """Push through Firebase Cloud Messaging's HTTP v1 API (``POST {base_url}/v1/projects/{project_id}/
    messages:send``). The OAuth 2 token is ``access_token``, or fetched from ``token_url`` (a metadata
    server or token service answering ``{"access_token": ...}``)."""

    kind: Literal["fcm"] = "fcm"
    project_id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9-]+$")
    base_url: str = Field(default="https://fcm.googleapis.com", max_length=500, pattern=r"^https?://")
    access_token: str | None = Field(default=None, min_length=1, max_length=4000)
    token_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    timeout_seconds: float = Field(default=10, gt=0, le=120)


HttpTransport = Annotated[SmsProviderTransport | WebhookTransport, Field(discriminator="kind")]
PushTransport = Annotated[FcmTransport | WebhookTransport, Field(discriminator="kind")]


class SettingsChannels(StrictModel):
    sms: dict[str, Any] | None = None
    email: dict[str, Any] | None = None
    push: dict[str, Any] | None = None


class SettingsPayload(StrictModel):
    channels: SettingsChannels | None = None
    email_transport: SmtpTransport | None = None
    sms_transport: HttpTransport | None = None
    push_transport: PushTransport | None = None


class SettingsBody(StrictModel):
    settings: SettingsPayload


# --- responses ---------------------------------------------------------------------------------------


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TemplateOut(Out):
    id: int
    name: str | None = None
    wrapper_id: int | None
    type: str
    content: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class TemplateResponse(BaseModel):
    template: TemplateOut


class TemplateList(BaseModel):
    templates: list[TemplateOut]
    pagination_info: PaginationInfo


class ChannelOut(BaseModel):
    id: int
    type: str
    sender: dict[str, Any]
    template: TemplateOut
    created_at: datetime
    updated_at: datetime


class MessageSendingOut(BaseModel):
    id: int
    status: str
    audience_id: int | None
    recipients_count: int
    dispatches_count: int
    members_count: int
    scheduled_at: datetime | None
    transmitted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    id: int
    name: str | None
    shorten_urls: bool
    track_in_shortener: bool
    service: str
    campaign_id: int | None
    marketing: bool
    channels: list[ChannelOut]
    sendings_status: str | None
    sendings_count: int
    latest_sending: MessageSendingOut | None
    created_at: datetime
    updated_at: datetime


class MessageResponse(BaseModel):
    message: MessageOut


class MessageList(BaseModel):
    messages: list[MessageOut]
    pagination_info: PaginationInfo


class RecipientOut(BaseModel):
    member_id: int | None = None
    msisdn: str | None = None
    email: str | None = None
    app_token: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)


class SendingOut(BaseModel):
    id: int
    message_id: int
    status: str
    status_type: str
    draft: bool
    priority: int
    channels_preference: list[str] | None
    audience_id: int | None
    audience: dict[str, Any] | None
    scheduled_at: datetime | None
    scheduled_with: dict[str, Any] | None
    recipients: list[RecipientOut]
    properties: dict[str, Any]
    recipients_count: int
    members_count: int
    dispatches_count: int
    skipped_count: int
    editable: bool
    cancellable: bool
    transmitted_at: datetime | None
    created_by: str | None = Field(
        default=None,
        description="Who made the sending: client:<id>, user:<id>, rule:<id> (a Triggerer rule) or job:<name>",
    )
    created_at: datetime
    updated_at: datetime


class SendingResponse(BaseModel):
    sending: SendingOut


class DispatchOut(Out):
    id: int
    sending_id: int
    member_id: int | None
    channel: str | None
    msisdn: str | None = None
    email: str | None = None
    app_token: str | None = None
    transmission_status: str
    delivery_status: str
    skip_reason: str | None
    provider_message_id: str | None
    attempts: int
    error: str | None
    transmitted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class DispatchList(BaseModel):
    dispatches: list[DispatchOut]
    pagination_info: PaginationInfo


class DispatchMember(BaseModel):
    member_id: int
    dispatches_count: int
    transmission_status: str
    delivery_status: str


class DispatchMembers(BaseModel):
    dispatch_members: list[DispatchMember]
    pagination_info: PaginationInfo


class SenderIdentityOut(Out):
    id: int
    type: str
    name: str | None
    from_email: str | None
    from_name: str | None
    sender_type: str | None
    value: str | None
    created_at: datetime
    updated_at: datetime


class SenderIdentityResponse(BaseModel):
    sender_identity: SenderIdentityOut


class SenderIdentityList(BaseModel):
    sender_identities: list[SenderIdentityOut]
    pagination_info: PaginationInfo


class SettingsOut(BaseModel):
    channels: dict[str, dict[str, Any] | None]
    email_transport: dict[str, Any] | None = Field(default=None, description="Without its password")
    sms_transport: dict[str, Any] | None = Field(default=None, description="Without its secrets")
    push_transport: dict[str, Any] | None = Field(default=None, description="Without its secret")


class SettingsResponse(BaseModel):
    settings: SettingsOut


class MergeProperty(BaseModel):
    name: str
    description: str


class MergeProperties(BaseModel):
    merge_properties: list[MergeProperty]


# --- messages history (vendor-docs-platform 1.10) and links --------------------------------------------


class HistoryMessage(BaseModel):
    """One message sent to a recipient: the Message (history) model of 1.10. ``content`` is what was sent
    (merge properties applied, links shortened), e-mail with its HTML stripped."""

    id: str
    type: ChannelType
    created_at: datetime
    content: str
    subject: str | None = None
    sender: str | None = None
    msisdn: str | None = None
    from_name: str | None = None
    from_address: str | None = None
    email: str | None = None
    url: str | None = None
    image: str | None = None
    data: dict[str, Any] | None = None
    app_token: str | None = None
    message_id: int
    sending_id: str
    campaign_id: str | None = None
    loyalty_club_id: int
    customer_id: int | None = None
    member_id: int | None = None
    transmitted_at: datetime | None = None


class MessagesHistory(BaseModel):
    messages: list[HistoryMessage]
    pagination_info: PaginationInfo


class MemberMessage(BaseModel):
    """Get Member Message (the older docs): one message of the history."""

    message: HistoryMessage


class GenerateLinkParams(StrictModel):
    url: str = Field(min_length=1, max_length=4000)


class GenerateLinkBody(StrictModel):
    """``Generate Link`` without a link slug: a short link to any http(s) URL."""

    link_params: GenerateLinkParams


class GeneratedLink(BaseModel):
    url: str
