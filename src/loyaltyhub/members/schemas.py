"""Request and response bodies of the members API (reference B.10, D.1, D.2, D.4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, StringConstraints

from loyaltyhub.instants import WallTimeOrInstant
from loyaltyhub.members.models import EMAIL_STATUSES, PUSH_STATUSES, SMS_STATUSES, Member
from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

ConsentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
# A member's favourite stores: at most this many, in one body and after any number of assigns.
MAX_FAVORITE_STORES = 1000
StoreIds = Annotated[list[Annotated[StrictInt, Field(ge=1)]], Field(max_length=MAX_FAVORITE_STORES)]
SmsStatus = Literal["disabled", "enabled", "verified", "barred"]
EmailStatus = Literal["disabled", "enabled", "verified", "complained", "hard_bounced", "unsubscribed"]
PushStatus = Literal["disabled", "enabled"]

assert set(SmsStatus.__args__) == set(SMS_STATUSES)  # type: ignore[attr-defined]
assert set(EmailStatus.__args__) == set(EMAIL_STATUSES)  # type: ignore[attr-defined]
assert set(PushStatus.__args__) == set(PUSH_STATUSES)  # type: ignore[attr-defined]


class ConsentIn(StrictModel):
    status: StrictBool


Consents = dict[ConsentName, ConsentIn]
Password = Annotated[str, Field(min_length=8, max_length=200)]

# Every change of a member moves its updated_at (members.service.save_change), derived fields included,
# so all of its read-only keys are fixed: a stale body is refused rather than undoing another change.
_MEMBER_READ_ONLY = (
    "id",
    "consents.*.updated_at",
    "optin_channel",
    "optin_subchannel",
    "optin_platform",
    "created_at",
    "updated_at",
    "has_password",
    "group_ids",
    "has_push_token",
    "social_logins",
)
_MANAGED_MEMBER_DERIVED = (
    "gender",
    "age",
    "birth_year_group",
    "marketing_via_sms",
    "marketing_via_email",
    "marketing_via_push",
    "marketing_via_anything",
    "push_devices",
    "msisdn_country",
    "location_country",
    "city_place_id",
    "place_id",
)


class MemberCreate(StrictModel):
    """Create Member (reference D.4). ``properties`` are checked against the club in the service."""

    properties: dict[str, Any]
    consents: Consents = Field(default_factory=dict)
    send_sms_welcome_message: StrictBool = True
    send_email_welcome_message: StrictBool = True
    password: Password | None = None
    registration_password: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    ignore_required_properties: StrictBool = False
    favorite_stores: StoreIds = Field(default_factory=list)
    sms_channel_enabled: StrictBool = True
    email_channel_enabled: StrictBool = True


class MemberSelfUpdate(UpdateModel):
    """``PATCH /members/me``: properties and consents merge key by key (``null`` removes a property)."""

    read_only_keys = ReadOnlyKeys(
        fixed=(*_MEMBER_READ_ONLY, "sms_status", "email_status", "push_status", "banned_until", "subunit_ids")
    )

    properties: dict[str, Any] | None = None
    consents: Consents | None = None
    favorite_stores: StoreIds | None = None
    password: Password | None = None


class MemberUpdate(UpdateModel):
    """Management ``PATCH /members/{member_id}``; banning is ``banned_until`` (``null`` unbans)."""

    read_only_keys = ReadOnlyKeys(fixed=(*_MEMBER_READ_ONLY, *_MANAGED_MEMBER_DERIVED))

    properties: dict[str, Any] | None = None
    consents: Consents | None = None
    favorite_stores: StoreIds | None = None
    subunit_ids: Annotated[list[Annotated[StrictInt, Field(ge=1)]], Field(max_length=1000)] | None = None
    sms_status: SmsStatus | None = None
    email_status: EmailStatus | None = None
    push_status: PushStatus | None = None
    banned_until: WallTimeOrInstant | None = None


class ConsentOut(BaseModel):
    status: bool
    updated_at: datetime | None = None


class MemberOut(BaseModel):
    """The member model of reference B.10 (plus ``group_ids`` and ``optin_platform``)."""

    id: int
    properties: dict[str, Any]
    consents: dict[str, ConsentOut]
    sms_status: str
    email_status: str
    push_status: str
    optin_channel: str | None
    optin_subchannel: str | None
    optin_platform: str
    created_at: datetime
    updated_at: datetime
    banned_until: datetime | None
    has_password: bool
    subunit_ids: list[int]
    group_ids: list[int]
    has_push_token: bool
    social_logins: list[Any]
    favorite_stores: list[int]

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(
            id=member.id,
            properties=member.properties or {},
            consents={name: ConsentOut(**value) for name, value in (member.consents or {}).items()},
            sms_status=member.sms_status,
            email_status=member.email_status,
            push_status=member.push_status,
            optin_channel=member.optin_channel,
            optin_subchannel=member.optin_subchannel,
            optin_platform=member.optin_platform,
            created_at=member.created_at,
            updated_at=member.updated_at,
            banned_until=member.banned_until,
            has_password=member.has_password,
            subunit_ids=member.subunit_ids or [],
            group_ids=member.group_ids or [],
            has_push_token=member.push_devices > 0,
            social_logins=[],
            favorite_stores=member.favorite_stores or [],
        )


class ManagedMemberOut(MemberOut):
    """Management view: the member plus its derived reporting fields."""

    gender: str | None
    age: str | None
    birth_year_group: int | None
    marketing_via_sms: bool
    marketing_via_email: bool
    marketing_via_push: bool
    marketing_via_anything: bool
    push_devices: int
    msisdn_country: str | None
    location_country: str | None
    city_place_id: str | None
    place_id: str | None

    @classmethod
    def of(cls, member: Member) -> ManagedMemberOut:
        base = MemberOut.of(member).model_dump()
        extra = {name: getattr(member, name) for name in cls.model_fields if name not in base}
        return cls(**base, **extra)


class MemberStoresChange(StrictModel):
    """Assign / remove member stores (the older docs, reference (f).9)."""

    stores_ids: Annotated[StoreIds, Field(min_length=1)]


class MemberStores(BaseModel):
    stores_ids: list[int]


class MemberList(BaseModel):
    members: list[ManagedMemberOut]
    pagination_info: PaginationInfo


# --- OAuth ------------------------------------------------------------------------------------------
