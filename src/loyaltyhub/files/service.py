"""Uploads in parts and file records.

An upload is started with its kind, type and size (refused at once when the type or size is not
accepted), its parts are streamed to the storage one request each (never held in memory), and finishing
joins them into one object, checks what the bytes really are (the first bytes and the image header read by
Pillow, never the whole image) and creates an inactive :class:`FileRecord`. Activating it makes it the
fileable's file of that kind and refreshes the fileable's ``files``.

**Storage follows the transaction.** An object is written before the record that names it is committed (so
a committed record never points at nothing), and deleted again when that transaction ends without a commit
(:func:`delete_unless_committed`); objects made useless by a change (the parts of a finished upload) are
deleted only once the change is committed (:func:`delete_when_committed`), so a rolled-back finish can be
finished again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, event, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

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
_STORAGE_HOOKS = "loyaltyhub_storage_hooks"
CROP_TO_FORMAT = "x_top_left,y_top_left,x_bottom_right,y_bottom_right"
log = logging.getLogger(__name__)


def _hooks(session: Session) -> dict[str, list[Callable[[], None]]]:
    """The session's pending storage actions; the session's listeners are installed with the first one."""
    hooks = session.info.get(_STORAGE_HOOKS)
    if hooks is None:
        hooks = session.info[_STORAGE_HOOKS] = {"commit": [], "rollback": []}
        event.listen(session, "after_commit", _committed)
        event.listen(session, "after_transaction_end", _ended)
    return hooks


def _run(actions: list[Callable[[], None]]) -> None:
    pending, actions[:] = list(actions), []
    for action in pending:
        try:
            action()
        except Exception:  # a storage that fails here leaves an unreferenced object, never a failed request
            log.exception("storage clean-up failed")


def _committed(session: Session) -> None:
    hooks = session.info[_STORAGE_HOOKS]
    hooks["rollback"].clear()
    _run(hooks["commit"])


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    hooks = session.info[_STORAGE_HOOKS]
    hooks["commit"].clear()
    _run(hooks["rollback"])  # left only when the transaction ended without a commit


def delete_unless_committed(session: Session, storage: Storage, key: str) -> None:
    """Delete the object ``key`` (just written) if the session's transaction ends without a commit."""
    _hooks(session)["rollback"].append(lambda: storage.delete(key))


def delete_when_committed(session: Session, storage: Storage, key: str) -> None:
    """Delete the object ``key`` once the session's transaction is committed (kept on a rollback)."""
    _hooks(session)["commit"].append(lambda: storage.delete(key))


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_part_bytes: int


def fileable_or_none(session: Session, club_id: int, fileable_type: str, fileable_id: int) -> Any:
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
    if body.crop_to is not None and rules.parse_crop_to(body.crop_to) is None:
        problems.append((("crop_to",), "invalid_format", {"format": CROP_TO_FORMAT}))
    if problems:
        raise ValidationFailed(details_tree(problems))
    if fileable_or_none(session, club.id, body.fileable_type, body.fileable_id) is None:
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
    delete_unless_committed(session, storage, key)
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
        box = rules.parse_crop_to(upload.crop_to) if upload.crop_to else None
        crop = rules.crop_problem(box, width, height) if box is not None else None
        if crop is not None:
            problems.append((("crop_to",), crop[0], crop[1]))
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
        crop_to=upload.crop_to,
    )
    session.add(record)
    session.flush()
    upload.status = "finished"
    upload.file_id = record.id
    upload.updated_at = utcnow()
    session.flush()
    for number in numbers:
        delete_when_committed(session, storage, part_key(upload, number))
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
        versions={},  # drawn at its template's size: no resized versions
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
    delete_unless_committed(session, storage, record.storage_key)
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


def content_url(club: LoyaltyClub, record: FileRecord, size_type: str = "original") -> str:
    url = f"/v3/{club.slug}/files/{record.id}/content"
    return url if size_type == "original" else f"{url}?size_type={size_type}"


def file_entries(club: LoyaltyClub, record: FileRecord) -> list[dict[str, Any]]:
    """The File models of a record (reference (g).1): the original, then each resized version."""
    entries = [
        {"url": content_url(club, record), "width": record.width, "height": record.height, "kind": record.kind}
        | {"size_type": "original"}
    ]
    for size_type, version in (record.versions or {}).items():
        entries.append(
            {
                "url": content_url(club, record, size_type),
                "width": version["width"],
                "height": version["height"],
                "kind": record.kind,
                "size_type": size_type,
            }
        )
    return entries


def make_versions(session: Session, storage: Storage, record: FileRecord, revision: str = "") -> dict[str, Any]:
    """The record's resized versions (``base``, ``thumbnail``), made once from the original: the crop area
    (``crop_to``, else the whole image) centred to the kind's ratio, resized to the ``base`` size; the
    thumbnail from the base. Stored beside the original (deleted again if the transaction is rolled back);
    ``revision`` names a new making of them (reprocessing), whose keys must not be the earlier ones'."""
    kind = rules.KINDS.get(record.kind)
    if kind is None or record.width is None or record.height is None:
        return {}
    crop_to = rules.parse_crop_to(record.crop_to) if record.crop_to else None
    plan = rules.version_plan(kind, record.width, record.height, crop_to)
    if plan is None:
        return {}
    from PIL import Image  # loaded by the first file activated

    made: dict[str, Any] = {}
    with storage.open(record.storage_key) as stream, Image.open(stream) as image:
        (left, top, right, bottom), (base_width, base_height) = plan.box, plan.sizes[0][1]
        wanted = (
            -(-base_width * record.width // (right - left)),
            -(-base_height * record.height // (bottom - top)),
        )
        image.draft("RGB", wanted)  # JPEG: decoded at a reduced scale keeping the crop area >= base; others: no-op
        scale = image.size[0] / record.width
        if image.size[0] * image.size[1] > rules.MAX_RESIZE_PIXELS:
            raise ValidationFailed.at(("file",), "too_large_to_resize", max_pixels=rules.MAX_RESIZE_PIXELS)
        box = tuple(coordinate * scale for coordinate in plan.box)
        mode = "RGBA" if image.mode in ("RGBA", "LA", "P") and record.mime_type != "image/jpeg" else "RGB"
        source = image if image.mode == mode else image.convert(mode)  # no second copy of a large image
        jpeg = record.mime_type == "image/jpeg"
        previous = None
        for size_type, size in plan.sizes:
            if previous is None:
                version = source.resize(size, Image.Resampling.LANCZOS, box=box)
            else:
                version = previous.resize(size, Image.Resampling.LANCZOS)
            previous = version
            key = f"{record.storage_key}-{size_type}{'-' + revision if revision else ''}.{'jpg' if jpeg else 'png'}"
            writer = storage.writer(key)
            try:
                size_bytes = _save(version, writer, jpeg)
                writer.commit()
            except BaseException:
                writer.abort()
                raise
            delete_unless_committed(session, storage, key)
            made[size_type] = {
                "storage_key": key,
                "width": size[0],
                "height": size[1],
                "size": size_bytes,
                "mime_type": "image/jpeg" if jpeg else "image/png",
            }
    return made


def _save(image: Any, writer: Any, jpeg: bool) -> int:
    import io

    buffer = io.BytesIO()
    if jpeg:
        image.save(buffer, format="JPEG", quality=88, optimize=True)
    else:
        image.save(buffer, format="PNG", optimize=True)
    writer.write(buffer.getvalue())
    return buffer.tell()


def version_of(record: FileRecord, size_type: str) -> tuple[str, str, int] | None:
    """``(storage key, mime type, size)`` of the original or a version; None when there is no such version."""
    if size_type == "original":
        return record.storage_key, record.mime_type, record.size
    version = (record.versions or {}).get(size_type)
    if version is None:
        return None
    return version["storage_key"], version["mime_type"], version["size"]


def refresh_fileable_files(session: Session, club: LoyaltyClub, fileable_type: str, fileable_id: int) -> None:
    """The fileable's ``files`` (offers, collections): its active files, as File models."""
    fileable = fileable_or_none(session, club.id, fileable_type, fileable_id)
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
    fileable.files = [entry for record in active for entry in file_entries(club, record)]
    session.flush()


def activate(session: Session, storage: Storage, club: LoyaltyClub, record: FileRecord) -> FileRecord:
    """Make ``record`` the fileable's file of its kind; the previous one is deactivated. Its resized versions
    are made the first time (and kept for a later activation)."""
    if record.versions is None:
        record.versions = make_versions(session, storage, record)
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
    refresh_fileable_files(session, club, record.fileable_type, record.fileable_id)
    return record


def deactivate(session: Session, club: LoyaltyClub, record: FileRecord) -> FileRecord:
    """Destroy File Records (reference (g).7) "by deactivating them"; the fileable's ``files`` follow."""
    if record.active:
        record.active = False
        record.last_active_at = utcnow()
        session.flush()
        refresh_fileable_files(session, club, record.fileable_type, record.fileable_id)
    return record
