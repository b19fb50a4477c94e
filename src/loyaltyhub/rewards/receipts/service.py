"""Receipts: the club's configuration, members' submissions, staff decisions.

A submission starts in ``OCR_COMPLETED`` (the vendor's state after the scan; here the form is filled by
the member or staff, OCR is not part of this service). A complete form is judged at once
(:func:`judge`): refused by the club's rules → ``REJECTED`` with the reason; else ``ACCEPTED`` when the club
accepts automatically, ``MANUAL_VERIFICARION`` (the vendor's spelling) for staff otherwise.

**Points once.** :func:`accept` locks the member's rewards account (the lock every change of the member's
points takes), then the submission row, and only a submission not yet accepted earns: a ``grant`` of
``grant_type`` ``receipt`` (the vendor's own example) whose ``external_id`` (unique per club) is the
submission's. Two staff accepting together, or a retried request, earn once.

**Limits** (per member and calendar day, week, month of the club) count every submission the member
created in the period, deleted and rejected ones included (deleting one does not give a new try).
Creating one locks the member's account first, so two parallel submissions cannot both take the last one.

**Duplicates** (the same store, receipt number and total in another live submission) are judged under the
lock of the club's configuration row, so the same receipt sent by two members at once is accepted once.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db import dialect
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, UnprocessableEntity, ValidationFailed, details_tree
from loyaltyhub.events import service as events
from loyaltyhub.files import rules as file_rules
from loyaltyhub.files import service as files
from loyaltyhub.files.models import FileRecord
from loyaltyhub.members.models import Member
from loyaltyhub.rewards import rules as rewards_rules
from loyaltyhub.rewards.errors import NotParticipating, ProgramDisabled
from loyaltyhub.rewards.models import PointsTransaction, ReceiptConfiguration, ReceiptSubmission
from loyaltyhub.rewards.points import ledger, multipliers
from loyaltyhub.rewards.program import service as program_service
from loyaltyhub.rewards.receipts import rules
from loyaltyhub.rewards.receipts.schemas import ReceiptForm, ReceiptInlinePhoto, ReceiptSubmissionCreate
from loyaltyhub.storage import Storage
from loyaltyhub.stores.models import Store

FILEABLE_TYPE = "receipt_submissions"
PHOTO_KIND = "receipt_photo"
DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "auto_accept": False,
    "points_per_unit": 1,
    "unit_amount": 100,
}


class LimitsExceeded(UnprocessableEntity):
    default_message = "Receipt submissions limit exceeded"


class AlreadyAccepted(UnprocessableEntity):
    default_message = "Receipt submission is already accepted"


def submission_not_found(submission_id: int) -> NotFound:
    return NotFound(f"ReceiptSubmission#{submission_id} not found")


# --- Configuration --------------------------------------------------------------------------------


def configuration_of(session: Session, club_id: int) -> ReceiptConfiguration | None:
    return session.execute(
        select(ReceiptConfiguration).where(in_club(ReceiptConfiguration, club_id))
    ).scalar_one_or_none()


def enabled_configuration(session: Session, club_id: int) -> ReceiptConfiguration:
    """402 (the vendor's ``Feature is not enabled for the Loyalty Club``) without an enabled one."""
    config = configuration_of(session, club_id)
    if config is None or not config.enabled:
        raise ProgramDisabled()
    return config


def save_configuration(session: Session, club_id: int, values: dict[str, Any]) -> ReceiptConfiguration:
    now = utcnow()
    dialect.insert_ignore(
        session,
        ReceiptConfiguration.__table__,
        {"loyalty_club_id": club_id, **DEFAULTS, "created_at": now, "updated_at": now},
        ["loyalty_club_id"],
    )
    config = configuration_of(session, club_id)
    assert config is not None
    for key, value in values.items():
        setattr(config, key, value)
    errors = []
    if config.min_total is not None and config.max_total is not None and config.min_total > config.max_total:
        errors.append((("max_total",), "greater_than_or_equal_to", {"count": config.min_total}))
    if config.accepted_store_ids:
        found = set(
            session.scalars(select(Store.id).where(in_club(Store, club_id), Store.id.in_(config.accepted_store_ids)))
        )
        errors += [
            (("accepted_store_ids", i), "does_not_exist", {})
            for i, store_id in enumerate(config.accepted_store_ids)
            if store_id not in found
        ]
    if errors:
        raise ValidationFailed(details_tree(errors))
    session.flush()
    return config


CONFIGURATION_KEYS = (
    "enabled",
    "auto_accept",
    "points_per_unit",
    "unit_amount",
    "daily_limit",
    "weekly_limit",
    "monthly_limit",
    "min_total",
    "max_total",
    "accepted_store_ids",
    "max_age_days",
)


def render_configuration(config: ReceiptConfiguration | None) -> dict[str, Any]:
    if config is None:
        return {key: DEFAULTS.get(key) for key in CONFIGURATION_KEYS} | {"enabled": False}
    return {key: getattr(config, key) for key in CONFIGURATION_KEYS}


# --- Limits ---------------------------------------------------------------------------------------


def limits_use(
    session: Session, club: LoyaltyClub, config: ReceiptConfiguration, member_id: int, now: datetime
) -> list[dict[str, Any]]:
    """Each limit the club sets, with the member's submissions in the current period."""
    limits = {key: getattr(config, key) for key in ("daily_limit", "weekly_limit", "monthly_limit")}
    windows = rules.limit_windows(limits, now, ZoneInfo(club.timezone))
    if not windows:
        return []
    earliest = min(start for _, _, start, _ in windows)
    created = list(
        session.scalars(
            select(ReceiptSubmission.created_at).where(
                in_club(ReceiptSubmission, club.id),
                ReceiptSubmission.member_id == member_id,
                ReceiptSubmission.created_at >= earliest,
            )
        )
    )
    result = []
    for timespan, limit, start, end in windows:
        used = sum(1 for at in created if start <= at < end)
        result.append(
            {
                "timespan": timespan,
                "limit": limit,
                "used": used,
                "exceeded": used >= limit,
                "resets_at": rewards_rules.iso(end),
            }
        )
    return result


# --- Submissions ----------------------------------------------------------------------------------


def submissions_statement(club_id: int, member_id: int | None = None, state: str | None = None) -> Any:
    statement = select(ReceiptSubmission).where(
        in_club(ReceiptSubmission, club_id), ReceiptSubmission.deleted_at.is_(None)
    )
    if member_id is not None:
        statement = statement.where(ReceiptSubmission.member_id == member_id)
    if state is not None:
        statement = statement.where(ReceiptSubmission.state == state)
    return statement.order_by(ReceiptSubmission.id.desc())


def submission_or_404(
    session: Session, club_id: int, submission_id: int, member_id: int | None = None, lock: bool = False
) -> ReceiptSubmission:
    statement = submissions_statement(club_id, member_id).where(ReceiptSubmission.id == submission_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    row = session.execute(statement).scalar_one_or_none()
    if row is None:
        raise submission_not_found(submission_id)
    return row


def render_submission(club: LoyaltyClub, row: ReceiptSubmission) -> dict[str, Any]:
    return {
        "id": row.id,
        "member_id": row.member_id,
        "state": row.state,
        "file_id": row.file_id,
        "photo_url": None if row.file_id is None else f"/v3/{club.slug}/files/{row.file_id}/content",
        "form": {
            "store_id": row.store_id,
            "total": row.total,
            "purchased_at": rewards_rules.iso(row.purchased_at),
            "receipt_number": row.receipt_number,
        },
        "ocr_scan_results": row.ocr_scan_results,
        "rejection_reason": row.rejection_reason,
        "points": row.points,
        "transaction_id": row.transaction_id,
        "submitted_at": rewards_rules.iso(row.created_at),
        "decided_at": rewards_rules.iso(row.decided_at),
        "created_at": rewards_rules.iso(row.created_at),
        "updated_at": rewards_rules.iso(row.updated_at),
    }


def _check_form(session: Session, club_id: int, form: ReceiptForm | None, prefix: tuple[str, ...]) -> None:
    if form is None or form.store_id is None:
        return
    found = session.execute(select(Store.id).where(in_club(Store, club_id), Store.id == form.store_id)).first()
    if found is None:
        raise ValidationFailed(details_tree([((*prefix, "form", "store_id"), "does_not_exist", {})]))


def _apply_form(row: ReceiptSubmission, form: ReceiptForm | None) -> None:
    if form is None:
        return
    for key, value in form.model_dump(exclude_unset=True).items():
        setattr(row, key, value)


def _photo_bytes(photo: ReceiptInlinePhoto) -> bytes:
    try:
        data = base64.b64decode(photo.data, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        raise ValidationFailed(details_tree([(("photo", "data"), "invalid", {})]))
    if file_rules.sniff(data[:16]) != photo.content_type:  # the bytes must be the image announced
        raise ValidationFailed(details_tree([(("photo", "content_type"), "mismatch", {})]))
    return data


def create_submission(
    session: Session,
    storage: Storage,
    club: LoyaltyClub,
    member: Member,
    body: ReceiptSubmissionCreate,
    now: datetime,
    actor: str | None,
) -> ReceiptSubmission:
    """The member's new submission, judged at once when its form is complete. 402 without receipts or a
    program, 480 not participating, 422 limits exceeded or no photo."""
    config = enabled_configuration(session, club.id)
    program_service.enabled_program(session, club.id)
    account = program_service.participating_account(session, club.id, member.id)  # the member's lock
    if (body.file_id is None) == (body.photo is None):
        raise ValidationFailed(details_tree([(("file_id",), "exactly_one_of", {"keys": ["file_id", "photo"]})]))
    record: FileRecord | None = None
    if body.file_id is not None:
        record = session.execute(files.files_in_club(club.id).where(FileRecord.id == body.file_id)).scalar_one_or_none()
        if record is None:
            raise ValidationFailed(details_tree([(("file_id",), "does_not_exist", {})]))
    data = _photo_bytes(body.photo) if body.photo is not None else None
    _check_form(session, club.id, body.form, ())
    if any(use["exceeded"] for use in limits_use(session, club, config, member.id, now)):
        raise LimitsExceeded()
    row = ReceiptSubmission(
        loyalty_club_id=club.id,
        member_id=member.id,
        state="OCR_COMPLETED",
        file_id=record.id if record else None,
        ocr_scan_results=body.ocr_scan_results,
        created_at=now,
        updated_at=now,
    )
    _apply_form(row, body.form)
    session.add(row)
    session.flush()
    if data is not None and body.photo is not None:
        stored = files.store_bytes(
            session,
            storage,
            club,
            fileable_type=FILEABLE_TYPE,
            fileable_id=row.id,
            kind=PHOTO_KIND,
            filename=f"receipt-{row.id}",
            mime_type=body.photo.content_type,
            data=data,
            width=None,
            height=None,
        )
        row.file_id = stored.id
    judge(session, club, config, row, account, now, actor)
    return row


def _form(row: ReceiptSubmission) -> rules.Form:
    return rules.Form(store_id=row.store_id, total=row.total, purchased_at=row.purchased_at)


def _duplicate(session: Session, row: ReceiptSubmission) -> bool:
    """Another live submission of the club with the same store, receipt number and total.

    Two members may send the same receipt at once (each holding only their own account's lock), so the
    check first locks the club's receipts configuration row: the checks of one club run one at a time,
    and the second sees the first once it commits."""
    if row.receipt_number is None:
        return False
    session.execute(
        select(ReceiptConfiguration.id).where(in_club(ReceiptConfiguration, row.loyalty_club_id)).with_for_update()
    )
    found = session.execute(
        select(ReceiptSubmission.id)
        .where(
            in_club(ReceiptSubmission, row.loyalty_club_id),
            ReceiptSubmission.id != row.id,
            ReceiptSubmission.deleted_at.is_(None),
            ReceiptSubmission.state != "REJECTED",
            ReceiptSubmission.store_id == row.store_id,
            ReceiptSubmission.receipt_number == row.receipt_number,
            ReceiptSubmission.total == row.total,
        )
        .limit(1)
    ).first()
    return found is not None


def judge(
    session: Session,
    club: LoyaltyClub,
    config: ReceiptConfiguration,
    row: ReceiptSubmission,
    account: Any,
    now: datetime,
    actor: str | None,
) -> None:
    """Judge a complete form by the club's rules (an incomplete one stays ``OCR_COMPLETED``)."""
    form = _form(row)
    if not form.complete:
        row.state = "OCR_COMPLETED"
        session.flush()
        return
    club_rules = rules.Rules(
        min_total=config.min_total,
        max_total=config.max_total,
        accepted_store_ids=config.accepted_store_ids,
        max_age_days=config.max_age_days,
    )
    reason = rules.rejection(form, club_rules, now, _duplicate(session, row))
    if reason is not None:
        row.state, row.rejection_reason, row.decided_at, row.decided_by = "REJECTED", reason, now, "rules"
    elif config.auto_accept:
        _earn(session, club, config, row, account, now, "rules")
    else:
        row.state = "MANUAL_VERIFICARION"
    session.flush()


def update_submission(
    session: Session, club: LoyaltyClub, member: Member, row: ReceiptSubmission, values: dict[str, Any], now: datetime
) -> ReceiptSubmission:
    """The member completes the form of a submission in ``OCR_COMPLETED`` (as documented); it is judged."""
    config = enabled_configuration(session, club.id)
    account = program_service.participating_account(session, club.id, member.id)  # 480 for one who left
    row = submission_or_404(session, club.id, row.id, member.id, lock=True)
    if row.state != "OCR_COMPLETED":
        raise UnprocessableEntity(f"Receipt submission in state {row.state} cannot be updated")
    form = values.get("form")
    _check_form(session, club.id, ReceiptForm(**form) if form else None, ())
    if form:
        for key, value in form.items():
            setattr(row, key, value)
    if "ocr_scan_results" in values:
        row.ocr_scan_results = values["ocr_scan_results"]
    row.updated_at = now
    judge(session, club, config, row, account, now, None)
    return row


def delete_submission(
    session: Session, club: LoyaltyClub, member: Member, row: ReceiptSubmission, now: datetime
) -> None:
    """The member withdraws a submission that has not been accepted (it still counts for the limits)."""
    ledger.lock_account(session, club.id, member.id)
    row = submission_or_404(session, club.id, row.id, member.id, lock=True)
    if row.state == "ACCEPTED":
        raise AlreadyAccepted()
    row.deleted_at = now
    session.flush()


def decide(
    session: Session, club: LoyaltyClub, row: ReceiptSubmission, values: dict[str, Any], now: datetime, actor: str
) -> ReceiptSubmission:
    """Staff correct the form and accept (points once), reject (with a reason) or send back to manual
    verification. An accepted submission is final (422)."""
    config = configuration_of(session, club.id)
    account = ledger.lock_account(session, club.id, row.member_id)
    row = submission_or_404(session, club.id, row.id, lock=True)
    if row.state == "ACCEPTED":
        raise AlreadyAccepted()
    form = values.get("form")
    _check_form(session, club.id, ReceiptForm(**form) if form else None, ())
    state = values.get("state")
    reason = values.get("rejection_reason")
    if state == "REJECTED" and not reason:
        raise ValidationFailed(details_tree([(("rejection_reason",), "required", {})]))
    if state == "ACCEPTED" and not _form_after(row, form).complete:
        raise ValidationFailed(
            details_tree([(("form",), "incomplete", {"keys": ["store_id", "total", "purchased_at"]})])
        )
    if form:
        for key, value in form.items():
            setattr(row, key, value)
    row.updated_at = now
    if state == "ACCEPTED":
        program_service.enabled_program(session, club.id)
        _earn(session, club, config, row, account, now, actor)
    elif state == "REJECTED":
        row.state, row.rejection_reason, row.decided_at, row.decided_by = "REJECTED", reason, now, actor
    elif state == "MANUAL_VERIFICARION":
        row.state, row.rejection_reason, row.decided_at, row.decided_by = "MANUAL_VERIFICARION", None, None, None
    session.flush()
    return row


def _form_after(row: ReceiptSubmission, form: dict[str, Any] | None) -> rules.Form:
    merged = {"store_id": row.store_id, "total": row.total, "purchased_at": row.purchased_at, **(form or {})}
    return rules.Form(merged["store_id"], merged["total"], merged["purchased_at"])


def _earn(
    session: Session,
    club: LoyaltyClub,
    config: ReceiptConfiguration | None,
    row: ReceiptSubmission,
    account: Any,
    now: datetime,
    actor: str | None,
) -> None:
    """Accept: the receipt's points (after multipliers) as one ``grant`` keyed by the submission. 480 for a
    member who does not take part in the program (never joined, or left)."""
    if account is None or not account.active:
        raise NotParticipating()
    assert row.total is not None
    base = rewards_rules.receipt_points(
        row.total, config.points_per_unit if config else 1, config.unit_amount if config else 100
    )
    points, applied = multipliers.apply(
        session, club.id, row.member_id, base, source="receipt", store_id=row.store_id, at=now
    )
    if points > 0:  # before anything is written: a total worth past the cap must not reach the database
        ledger.expire_due(session, account, now)
        ledger.refuse_past_cap(account, points)
    row.state, row.rejection_reason, row.decided_at, row.decided_by = "ACCEPTED", None, now, actor
    row.points = points
    data = {"receipt_id": row.id, "amount": row.total / 100}
    events.record(
        session, club.id, row.member_id, "receipt_accepted", data, key=f"receipt_accepted:{row.id}", occurred_at=now
    )
    if points <= 0:
        return
    external_id = f"receipt-submission-{row.id}"
    if ledger.by_external_id(session, club.id, external_id) is not None:  # earned before: never twice
        return
    program = program_service.enabled_program(session, club.id)
    properties: dict[str, Any] = {"store_id": row.store_id, "receipt_submission_id": row.id}
    if applied:
        properties["multiplier"] = applied
    earned: PointsTransaction = ledger.earn(
        session,
        account,
        type="grant",
        points=points,
        now=now,
        policy=program_service.policy_of(club, program),
        details={"grant_type": "receipt", "grant_properties": properties},
        external_id=external_id,
    )
    row.transaction_id = earned.id
