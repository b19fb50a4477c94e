"""The vendor's deprecated Files API (reference (g).1): a fileable's file of a kind, sent whole in one
request (``POST``/``PUT …/files/:fileable_type/:fileable_id/:kind``), made again from a new ``crop_to``
(``…/reprocess``) or deleted.

Every operation is the parts API's own, in one step: a whole file is an upload of one part, finished
(type from the bytes, dimensions for the kind, ``crop_to`` inside the image) and activated (resized versions,
the fileable's ``files``), so both APIs accept and refuse the same files and leave the same records.
"""

from __future__ import annotations

import secrets
from typing import BinaryIO

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.errors import NotFound, ValidationFailed
from loyaltyhub.files import rules, service
from loyaltyhub.files.models import FileRecord
from loyaltyhub.files.schemas import UploadStart
from loyaltyhub.storage import CHUNK_BYTES, Storage

FILE_NOT_FOUND = "File not found"


def fileable_or_404(session: Session, club: LoyaltyClub, fileable_type: str, fileable_id: int) -> None:
    """404 for a fileable the club does not have (checked before the body is read: another club's ids are
    not found, whatever is sent)."""
    if service.fileable_or_none(session, club.id, fileable_type, fileable_id) is None:
        raise NotFound("The Fileable does not exist")


def active_or_404(session: Session, club: LoyaltyClub, fileable_type: str, fileable_id: int, kind: str) -> FileRecord:
    """The fileable's active file of ``kind``: 404 for no such fileable, then for no such file."""
    fileable_or_404(session, club, fileable_type, fileable_id)
    record = service.active_file(session, club.id, fileable_type, fileable_id, kind)
    if record is None:
        raise NotFound(FILE_NOT_FOUND)
    return record


def store_whole_file(
    session: Session,
    storage: Storage,
    club: LoyaltyClub,
    *,
    fileable_type: str,
    fileable_id: int,
    kind: str,
    filename: str,
    content_type: str,
    source: BinaryIO,
    size: int,
    crop_to: str | None,
    limits: service.Limits,
    actor: str | None,
) -> FileRecord:
    """Upload ``source`` (``size`` bytes) as the fileable's file of ``kind`` and make it the active one."""
    if size < 1:
        raise ValidationFailed.at(("file",), "blank")
    if crop_to is not None and len(crop_to) > 64:
        raise ValidationFailed.at(("crop_to",), "too_long", max_length=64)
    start = UploadStart(
        fileable_type=fileable_type,  # type: ignore[arg-type]  # the route's path allows the fileables only
        fileable_id=fileable_id,
        kind=kind[:64],
        filename=(filename or kind)[-255:],
        content_type=content_type[:100],
        size=size,
        crop_to=crop_to,
    )
    upload = service.start_upload(session, club, start, limits, actor)  # 422 naming the field, 404
    key = service.part_key(upload, 1)
    writer = storage.writer(key)
    try:
        while chunk := source.read(CHUNK_BYTES):
            writer.write(chunk)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    service.delete_unless_committed(session, storage, key)
    service.record_part(session, upload, 1, size)
    record = service.finish_upload(session, storage, upload)
    return service.activate(session, storage, club, record)


def reprocess(
    session: Session, storage: Storage, club: LoyaltyClub, record: FileRecord, crop_to: str | None
) -> FileRecord:
    """The record's resized versions made again from ``crop_to`` ("no file needs to be uploaded, instead the
    original file will be reprocessed"). The new versions are stored under new keys and the old ones deleted
    once this transaction commits, so a rollback leaves the record's versions as they were."""
    if crop_to is None or not crop_to.strip():
        raise ValidationFailed.at(("crop_to",), "blank")
    box = rules.parse_crop_to(crop_to)
    if box is None:
        raise ValidationFailed.at(("crop_to",), "invalid_format", format=service.CROP_TO_FORMAT)
    if record.width is not None and record.height is not None:
        problem = rules.crop_problem(box, record.width, record.height)
        if problem is not None:
            raise ValidationFailed.at(("crop_to",), problem[0], **problem[1])
    previous = dict(record.versions or {})
    record.crop_to = ",".join(str(coordinate) for coordinate in box)
    record.versions = service.make_versions(session, storage, record, revision=secrets.token_hex(4))
    for version in previous.values():
        service.delete_when_committed(session, storage, version["storage_key"])
    record.updated_at = utcnow()
    session.flush()
    if record.active:
        service.refresh_fileable_files(session, club, record.fileable_type, record.fileable_id)
    return record
