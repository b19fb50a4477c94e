"""Uploads in parts and file records.

An upload is started with its kind, type and size (refused at once when the type or size is not
accepted), its parts are streamed to the storage one request each (never held in memory), and finishing
joins them into one object, checks what the bytes really are (the first bytes and the image header read by
Pillow, never the whole image) and creates an inactive :class:`FileRecord`. Activating it makes it the
fileable's file of that kind and refreshes the fileable's ``files``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, UnprocessableEntity, ValidationFailed, details_tree
from loyaltyhub.files import rules
from loyaltyhub.files.models import FileRecord, FileUpload
from loyaltyhub.files.schemas import UploadStart
from loyaltyhub.offers.models import Collection, ImageTemplate, Offer
from loyaltyhub.storage import CHUNK_BYTES, Storage

FILEABLE_MODELS: dict[str, Any] = {"offers": Offer, "collections": Collection, "image_templates": ImageTemplate}


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_part_bytes: int


def _fileable(session: Session, club_id: int, fileable_type: str, fileable_id: int) -> Any:
    model = FILEABLE_MODELS[fileable_type]
    return session.execute(select(model).where(in_club(model, club_id), model.id == fileable_id)).scalar_one_or_none()


def start_upload(
    session: Session, club: LoyaltyClub, body: UploadStart, limits: Limits, actor: str | None
) -> FileUpload:
    """422 naming the reason (kind, content_type, size) before a byte is sent; 404 for no such fileable."""
    problems: list[tuple[tuple[str, ...], str, dict[str, Any]]] = []
    kind = rules.KINDS.get(body.kind)
    if kind is None:
        problems.append((("kind",), "inclusion", {"in": list(rules.KINDS)}))
    elif body.fileable_type not in kind.fileable_types:
        problems.append(
            (
                ("kind",),
                "inclusion",
                {"in": [k for k, v in rules.KINDS.items() if body.fileable_type in v.fileable_types]},
            )
        )
    if body.content_type not in rules.IMAGE_TYPES:
        problems.append((("content_type",), "inclusion", {"in": list(rules.IMAGE_TYPES)}))
    if body.size > limits.max_file_bytes:
        problems.append((("size",), "less_or_equal_to", {"count": limits.max_file_bytes}))
    if problems:
        raise ValidationFailed(details_tree(problems))
    if _fileable(session, club.id, body.fileable_type, body.fileable_id) is None:
        raise NotFound("The Fileable does not exist")
    upload = FileUpload(loyalty_club_id=club.id, status="started", parts={}, uploaded_by=actor, **body.model_dump())
    session.add(upload)
    session.flush()
    return upload


def upload_or_404(session: Session, club_id: int, upload_id: int) -> FileUpload:
    upload = session.execute(
        select(FileUpload).where(in_club(FileUpload, club_id), FileUpload.id == upload_id)
    ).scalar_one_or_none()
    if upload is None:
        raise NotFound(f"Upload#{upload_id} not found")
    return upload


def part_key(upload: FileUpload, number: int) -> str:
    return f"club-{upload.loyalty_club_id}/uploads/{upload.id}/part-{number:05d}"


def file_key(upload: FileUpload) -> str:
    return f"club-{upload.loyalty_club_id}/files/upload-{upload.id}"


def _require_started(upload: FileUpload) -> None:
    if upload.status != "started":
        raise UnprocessableEntity(f"Upload#{upload.id} is {upload.status}")


def part_allowance(upload: FileUpload, number: int, limits: Limits) -> int:
    """How many bytes part ``number`` may hold: the part limit, and what is left of the declared size."""
    _require_started(upload)
    if not 1 <= number <= rules.MAX_PARTS:
        raise ValidationFailed.at(("part_number",), "less_or_equal_to", count=rules.MAX_PARTS)
    others = sum(size for key, size in (upload.parts or {}).items() if int(key) != number)
    return min(limits.max_part_bytes, upload.size - others)


def refuse_part(upload: FileUpload, limits: Limits, number: int) -> ValidationFailed:
    left = upload.size - sum(size for key, size in (upload.parts or {}).items() if int(key) != number)
    if left < limits.max_part_bytes:
        return ValidationFailed.at(("size",), "less_or_equal_to", count=upload.size)
    return ValidationFailed.at(("part",), "less_or_equal_to", count=limits.max_part_bytes)


def refuse_type(upload: FileUpload, found: str | None) -> ValidationFailed:
    return ValidationFailed.at(
        ("content_type",), "does_not_match_file", declared=upload.content_type, found=found or "unknown"
    )


def record_part(session: Session, upload: FileUpload, number: int, size: int) -> FileUpload:
    """Note a stored part (a part sent again replaces the earlier one), under the upload's row lock."""
    session.refresh(upload, with_for_update=True)
    _require_started(upload)
    upload.parts = {**(upload.parts or {}), str(number): size}
    upload.updated_at = utcnow()
    session.flush()
    return upload


def _inspect(storage: Storage, key: str) -> tuple[str, str | None, int | None, int | None]:
    """sha256, the sniffed type and the image's dimensions, reading the object in chunks."""
    digest = hashlib.sha256()
    with storage.open(key) as stream:
        head = stream.read(rules.SNIFF_BYTES)
        digest.update(head)
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    sniffed = rules.sniff(head)
    if sniffed is None:
        return digest.hexdigest(), None, None, None
    from PIL import Image, UnidentifiedImageError  # loaded by the first image checked

    try:
        with storage.open(key) as stream, Image.open(stream) as image:  # reads the header only
            width, height = image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return digest.hexdigest(), None, None, None
    return digest.hexdigest(), sniffed, width, height


def finish_upload(session: Session, storage: Storage, upload: FileUpload) -> FileRecord:
    """Join the parts (1..n, adding up to the declared size), check the file, create its (inactive) record."""
    session.refresh(upload, with_for_update=True)
    _require_started(upload)
    numbers = sorted(int(n) for n in (upload.parts or {}))
    missing = sorted(set(range(1, (numbers[-1] if numbers else 0) + 1)) - set(numbers))
    if not numbers or missing:
        raise ValidationFailed.at(("parts",), "missing", numbers=missing or [1])
    received = sum(upload.parts.values())
    if received != upload.size:
        raise ValidationFailed.at(("size",), "does_not_match_received", size=upload.size, received=received)
    key = file_key(upload)
    storage.compose(key, [part_key(upload, n) for n in numbers])
    sha256, sniffed, width, height = _inspect(storage, key)
    problems: list[tuple[tuple[str, ...], str, dict[str, Any]]] = []
    if sniffed != upload.content_type:
        problems.append(
            (("content_type",), "does_not_match_file", {"declared": upload.content_type, "found": sniffed or "unknown"})
        )
    elif width is not None and height is not None:
        problems += [
            ((field,), symbol, options)
            for field, symbol, options in rules.dimension_problems(rules.KINDS[upload.kind], width, height)
        ]
    if problems:
        storage.delete(key)
        raise ValidationFailed(details_tree(problems))
    record = FileRecord(
        loyalty_club_id=upload.loyalty_club_id,
        fileable_type=upload.fileable_type,
        fileable_id=upload.fileable_id,
        kind=upload.kind,
        filename=upload.filename,
        mime_type=upload.content_type,
        size=upload.size,
        width=width,
        height=height,
        sha256=sha256,
        storage_key=key,
        active=False,
        uploaded_by=upload.uploaded_by,
    )
    session.add(record)
    session.flush()
    upload.status = "finished"
    upload.file_id = record.id
    upload.updated_at = utcnow()
    session.flush()
    for number in numbers:
        storage.delete(part_key(upload, number))
    return record


def store_bytes(
    session: Session,
    storage: Storage,
    club: LoyaltyClub,
    *,
    fileable_type: str,
    fileable_id: int,
    kind: str,
    filename: str,
    mime_type: str,
    data: bytes,
    width: int | None,
    height: int | None,
) -> FileRecord:
    """A file the platform made itself (a rendered offer image): stored and recorded, not yet active."""
    record = FileRecord(
        loyalty_club_id=club.id,
        fileable_type=fileable_type,
        fileable_id=fileable_id,
        kind=kind,
        filename=filename,
        mime_type=mime_type,
        size=len(data),
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key="",
        active=False,
    )
    session.add(record)
    session.flush()
    record.storage_key = f"club-{club.id}/files/{fileable_type}-{fileable_id}-{kind}-{record.id}"
    writer = storage.writer(record.storage_key)
    try:
        writer.write(data)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    session.flush()
    return record


_CONTENT_URL = re.compile(r"^(?:https?://[^/]+)?/v3/(?P<slug>[^/]+)/files/(?P<id>\d{1,18})/content$")


def file_of_url(session: Session, club: LoyaltyClub, url: str | None) -> FileRecord | None:
    """The club's file a ``/v3/:slug/files/:id/content`` URL names (a template's background), else None."""
    found = _CONTENT_URL.match((url or "").strip())
    if found is None or found["slug"] != club.slug:
        return None
    return session.execute(files_in_club(club.id).where(FileRecord.id == int(found["id"]))).scalar_one_or_none()


def files_in_club(club_id: int) -> Select[tuple[FileRecord]]:
    return select(FileRecord).where(in_club(FileRecord, club_id))


def file_or_404(session: Session, club_id: int, file_id: int) -> FileRecord:
    record = session.execute(files_in_club(club_id).where(FileRecord.id == file_id)).scalar_one_or_none()
    if record is None:
        raise NotFound(f"File#{file_id} not found")
    return record


def list_statement(
    club_id: int,
    *,
    fileable_type: str | None,
    fileable_id: int | None,
    ids: Sequence[int] | None,
    with_inactive: bool,
    identifiers: Sequence[tuple[str, int]] | None = None,
) -> Select[tuple[FileRecord]]:
    statement = files_in_club(club_id)
    if identifiers:
        statement = statement.where(
            or_(*(and_(FileRecord.fileable_type == t, FileRecord.fileable_id == i) for t, i in identifiers))
        )
    if fileable_type is not None:
        statement = statement.where(FileRecord.fileable_type == fileable_type)
    if fileable_id is not None:
        statement = statement.where(FileRecord.fileable_id == fileable_id)
    if ids:
        statement = statement.where(FileRecord.id.in_(ids))
    if not with_inactive:
        statement = statement.where(FileRecord.active.is_(True))
    return statement.order_by(FileRecord.id)


def active_file(session: Session, club_id: int, fileable_type: str, fileable_id: int, kind: str) -> FileRecord | None:
    return (
        session.execute(
            files_in_club(club_id)
            .where(
                FileRecord.fileable_type == fileable_type,
                FileRecord.fileable_id == fileable_id,
                FileRecord.kind == kind,
                FileRecord.active.is_(True),
            )
            .order_by(FileRecord.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def content_url(club: LoyaltyClub, record: FileRecord) -> str:
    return f"/v3/{club.slug}/files/{record.id}/content"


def _refresh_fileable_files(session: Session, club: LoyaltyClub, fileable_type: str, fileable_id: int) -> None:
    """The fileable's ``files`` (offers, collections): its active files, as File models."""
    fileable = _fileable(session, club.id, fileable_type, fileable_id)
    if fileable is None or not hasattr(fileable, "files"):
        return
    active = session.execute(
        files_in_club(club.id)
        .where(
            FileRecord.fileable_type == fileable_type,
            FileRecord.fileable_id == fileable_id,
            FileRecord.active.is_(True),
        )
        .order_by(FileRecord.kind, FileRecord.id)
    ).scalars()
    fileable.files = [
        {"url": content_url(club, r), "width": r.width, "height": r.height, "kind": r.kind, "size_type": "original"}
        for r in active
    ]
    session.flush()


def activate(session: Session, club: LoyaltyClub, record: FileRecord) -> FileRecord:
    """Make ``record`` the fileable's file of its kind; the previous one is deactivated."""
    now = utcnow()
    session.execute(
        update(FileRecord)
        .where(
            in_club(FileRecord, club.id),
            FileRecord.fileable_type == record.fileable_type,
            FileRecord.fileable_id == record.fileable_id,
            FileRecord.kind == record.kind,
            FileRecord.active.is_(True),
            FileRecord.id != record.id,
        )
        .values(active=False, last_active_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    record.active = True
    record.updated_at = now
    session.flush()
    _refresh_fileable_files(session, club, record.fileable_type, record.fileable_id)
    return record


def deactivate(session: Session, club: LoyaltyClub, record: FileRecord) -> FileRecord:
    """Destroy File Records (reference (g).7) "by deactivating them"; the fileable's ``files`` follow."""
    if record.active:
        record.active = False
        record.last_active_at = utcnow()
        session.flush()
        _refresh_fileable_files(session, club, record.fileable_type, record.fileable_id)
    return record
