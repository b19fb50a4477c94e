"""Bodies of the receipts routes: submissions (member and staff) and the club's configuration.

Amounts (``total``, ``min_total``, ``max_total``, ``unit_amount``) are integers in the currency's minor
unit (øre, cents), as payment APIs send them: exact, and strict JSON integers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictBool, StrictInt, StringConstraints

from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

STATES = ("OCR_COMPLETED", "MANUAL_VERIFICARION", "ACCEPTED", "REJECTED")
"""The documented states (``MANUAL_VERIFICARION`` spelled as the vendor spells it)."""
Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
Amount = Annotated[StrictInt, Field(ge=0, le=10**12)]
Limit = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
ReceiptNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# base64 of MAX_PHOTO_BYTES
Base64Photo = Annotated[str, StringConstraints(min_length=4, max_length=(MAX_PHOTO_BYTES + 2) // 3 * 4)]


class ReceiptInlinePhoto(StrictModel):
    """A photo sent in the body (base64, up to 5 MB) instead of through the Files API."""

    content_type: Literal["image/jpeg", "image/png"]
    data: Base64Photo


class ReceiptForm(StrictModel):
    """What the receipt says (filled by the member or staff: OCR is not part of this service)."""

    store_id: Id | None = None
    total: Amount | None = None
    """In minor units (24990 is 249.90)."""
    purchased_at: AwareDatetime | None = None
    receipt_number: ReceiptNumber | None = None


class ReceiptSubmissionCreate(StrictModel):
    file_id: Id | None = None
    """A file uploaded through the Files API (``/v3/{slug}/files``)."""
    photo: ReceiptInlinePhoto | None = None
    form: ReceiptForm | None = None
    ocr_scan_results: dict[str, Any] | None = None


class ReceiptSubmissionUpdate(UpdateModel):
    """The member completes or corrects the form of a submission in ``OCR_COMPLETED``."""

    read_only_keys = ReadOnlyKeys(
        fixed=("id", "member_id", "file_id", "photo_url", "created_at", "submitted_at"),
        live=("state", "points", "transaction_id", "rejection_reason", "decided_at", "updated_at"),
    )
    form: ReceiptForm | None = None
    ocr_scan_results: dict[str, Any] | None = None


class ReceiptSubmissionDecision(UpdateModel):
    """Staff: correct the form, and accept or reject (a reason is required to reject)."""

    read_only_keys = ReadOnlyKeys(
        fixed=("id", "member_id", "file_id", "photo_url", "created_at", "submitted_at"),
        live=("points", "transaction_id", "decided_at", "updated_at"),
    )
    state: Literal["ACCEPTED", "REJECTED", "MANUAL_VERIFICARION"] | None = None
    rejection_reason: Reason | None = None
    form: ReceiptForm | None = None


class ReceiptsConfigurationBody(StrictModel):
    """The keys given are set; the others keep their value (their default for a new configuration)."""

    enabled: StrictBool = True
    auto_accept: StrictBool = False
    """Accept a complete submission within the rules at once (else staff verify it)."""
    points_per_unit: Limit = 1
    unit_amount: Annotated[StrictInt, Field(ge=1, le=10**9)] = 100
    daily_limit: Limit | None = None
    weekly_limit: Limit | None = None
    monthly_limit: Limit | None = None
    min_total: Amount | None = None
    max_total: Amount | None = None
    accepted_store_ids: Annotated[list[Id], Field(max_length=10_000)] | None = None
    max_age_days: Annotated[StrictInt, Field(ge=0, le=3650)] | None = None

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ReceiptFormOut(BaseModel):
    store_id: int | None
    total: int | None
    purchased_at: str | None
    receipt_number: str | None


class ReceiptSubmissionOut(BaseModel):
    id: int
    member_id: int
    state: str
    file_id: int | None
    photo_url: str | None
    form: ReceiptFormOut
    ocr_scan_results: dict[str, Any] | None
    rejection_reason: str | None
    points: int | None
    transaction_id: int | None
    submitted_at: str
    decided_at: str | None
    created_at: str
    updated_at: str


class ReceiptSubmissionBody(BaseModel):
    receipt_submission: ReceiptSubmissionOut


class ReceiptSubmissionsPage(BaseModel):
    receipt_submissions: list[ReceiptSubmissionOut]
    pagination_info: PaginationInfo


class ReceiptLimitUse(BaseModel):
    timespan: str
    limit: int
    used: int
    exceeded: bool
    resets_at: str


class ReceiptLimitsOut(BaseModel):
    limits_exceeded: bool
    limits: list[ReceiptLimitUse]


class ReceiptsConfigurationOut(BaseModel):
    enabled: bool
    auto_accept: bool
    points_per_unit: int
    unit_amount: int
    daily_limit: int | None
    weekly_limit: int | None
    monthly_limit: int | None
    min_total: int | None
    max_total: int | None
    accepted_store_ids: list[int] | None
    max_age_days: int | None


class ReceiptsConfigurationBodyOut(BaseModel):
    receipts_configuration: ReceiptsConfigurationOut
