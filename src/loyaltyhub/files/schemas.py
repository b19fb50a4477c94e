"""Bodies of the Files API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictInt

from loyaltyhub.files.models import FileRecord, FileUpload
from loyaltyhub.files.rules import KINDS, FileKind, Size
from loyaltyhub.schemas import PaginationInfo, StrictModel


class UploadStart(StrictModel):
    fileable_type: Literal["offers", "collections", "image_templates"]
    fileable_id: Annotated[StrictInt, Field(ge=1)]
    kind: Annotated[str, Field(min_length=1, max_length=64)]
    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=1, max_length=100)]
    size: Annotated[StrictInt, Field(ge=1, description="The file's size in bytes; the parts must add up to it")]
    crop_to: (
        Annotated[
            str,
            Field(
                max_length=64,
                description="x_top_left,y_top_left,x_bottom_right,y_bottom_right: the area the resized versions are"
                " made of (else the image centred to the kind's ratio)",
            ),
        ]
        | None
    ) = None


class UploadPartOut(BaseModel):
    number: int
    size: int


class UploadOut(BaseModel):
    id: int
    status: Literal["started", "finished"]
    fileable_type: str
    fileable_id: int
    kind: str
    filename: str
    content_type: str
    size: int
    received_bytes: int
    parts: list[UploadPartOut]
    file_id: int | None
    crop_to: str | None
    max_part_bytes: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, upload: FileUpload, max_part_bytes: int) -> UploadOut:
        parts = sorted((int(number), size) for number, size in (upload.parts or {}).items())
        return cls(
            id=upload.id,
            status=upload.status,  # type: ignore[arg-type]
            fileable_type=upload.fileable_type,
            fileable_id=upload.fileable_id,
            kind=upload.kind,
            filename=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            received_bytes=sum(size for _, size in parts),
            parts=[UploadPartOut(number=n, size=s) for n, s in parts],
            file_id=upload.file_id,
            crop_to=upload.crop_to,
            max_part_bytes=max_part_bytes,
            created_at=upload.created_at,
            updated_at=upload.updated_at,
        )


class FileVersionOut(BaseModel):
    """A resized version of a file (reference (g).1 "File sizes"), made when the file was first activated."""

    size_type: str
    url: str
    width: int
    height: int
    size: int


class FileRecordOut(BaseModel):
    """The FileRecord model of reference (g).7 (``type``/``identifier`` name the fileable), plus the image's
    ``width``/``height`` and ``kind``."""

    id: int
    type: str
    identifier: str
    loyalty_club_id: int
    user_id: str | None
    url: str
    filename: str
    mime_type: str
    size: int
    width: int | None
    height: int | None
    kind: str
    crop_to: str | None
    versions: list[FileVersionOut]
    active: bool
    last_active_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: FileRecord, url: str) -> FileRecordOut:
        return cls(
            id=record.id,
            type=record.fileable_type,
            identifier=str(record.fileable_id),
            loyalty_club_id=record.loyalty_club_id,
            user_id=record.uploaded_by,
            url=url,
            filename=record.filename,
            mime_type=record.mime_type,
            size=record.size,
            width=record.width,
            height=record.height,
            kind=record.kind,
            crop_to=record.crop_to,
            versions=[
                FileVersionOut(
                    size_type=size_type,
                    url=f"{url}?size_type={size_type}",
                    width=version["width"],
                    height=version["height"],
                    size=version["size"],
                )
                for size_type, version in (record.versions or {}).items()
            ],
            active=record.active,
            last_active_at=record.last_active_at,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class FileRecords(BaseModel):
    """The records Destroy File Records (the older v1 path) deactivated."""

    file_records: list[FileRecordOut]


class FileRecordsPage(BaseModel):
    file_records: list[FileRecordOut]
    pagination_info: PaginationInfo


class SizeOut(BaseModel):
    identifier: str
    min_width: int | None
    min_height: int | None
    max_width: int | None
    max_height: int | None


class FileKindOut(BaseModel):
    identifier: str
    type: str
    ratio: str | None
    sizes: list[SizeOut]
    fileable_types: list[str]

    @classmethod
    def of(cls, kind: FileKind) -> FileKindOut:
        return cls(
            identifier=kind.identifier,
            type=kind.type,
            ratio=kind.ratio,
            sizes=[SizeOut(**size.__dict__) for size in kind.sizes],
            fileable_types=list(kind.fileable_types),
        )


class FileSchemaOut(BaseModel):
    files_kinds: list[FileKindOut]
    mime_types: list[str]
    max_file_bytes: int
    max_part_bytes: int


def file_schema(max_file_bytes: int, max_part_bytes: int) -> FileSchemaOut:
    from loyaltyhub.files.rules import IMAGE_TYPES

    return FileSchemaOut(
        files_kinds=[FileKindOut.of(kind) for kind in KINDS.values()],
        mime_types=list(IMAGE_TYPES),
        max_file_bytes=max_file_bytes,
        max_part_bytes=max_part_bytes,
    )


class WholeFileOriginal(BaseModel):
    """The File model of the deprecated Files API's answer (reference (g).1): the original as uploaded."""

    size_type: Literal["original"] = "original"
    url: str
    file_type: str
    width: int | None
    height: int | None
    kind: str


class ProjectedVersion(BaseModel):
    """A resized version with its kind's size bounds. The vendor made these later ("projected"); loyaltyhub
    has made them by the time it answers, so ``url`` already serves the version."""

    size_type: str
    url: str
    min_width: int | None
    min_height: int | None
    max_width: int | None
    max_height: int | None


class WholeFileOut(BaseModel):
    original: WholeFileOriginal
    projected_versions: list[ProjectedVersion]

    @classmethod
    def of(cls, record: FileRecord, url_of: Callable[[str], str]) -> WholeFileOut:
        """The record's original and versions, each with its kind's size bounds; ``url_of(size_type)``."""
        kind = KINDS.get(record.kind)
        sizes = {size.identifier: size for size in kind.sizes} if kind is not None else {}
        unbounded = Size("", None, None, None, None)
        return cls(
            original=WholeFileOriginal(
                url=url_of("original"),
                file_type=kind.type if kind is not None else "IMAGE",
                width=record.width,
                height=record.height,
                kind=record.kind,
            ),
            projected_versions=[
                ProjectedVersion(
                    size_type=size_type,
                    url=url_of(size_type),
                    min_width=bounds.min_width,
                    min_height=bounds.min_height,
                    max_width=bounds.max_width,
                    max_height=bounds.max_height,
                )
                for size_type in (record.versions or {})
                for bounds in (sizes.get(size_type, unbounded),)
            ],
        )


class ReprocessBody(StrictModel):
    crop_to: Annotated[str, Field(max_length=64, description="x_top_left,y_top_left,x_bottom_right,y_bottom_right")]
