"""HTTP routes of the Files API (Management API, reference (g).1, (g).7): the file schema, uploads in parts
(start, upload part, finish, status), file records (list, show, content, activate, destroy)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import BadRequest, NotFound
from loyaltyhub.files import rules, service
from loyaltyhub.files.dependencies import limits_of, storage_of
from loyaltyhub.files.models import FileRecord, FileUpload
from loyaltyhub.files.schemas import (
    FileRecordOut,
    FileRecordsPage,
    FileSchemaOut,
    UploadOut,
    UploadStart,
    file_schema,
)
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter, streamed_body
from loyaltyhub.http.session import SessionDep
from loyaltyhub.storage import read_chunks

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/files", tags=["Management API: files"])

FilesSchema = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_GET_SCHEMA))]
FilesCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_CREATE))]
FilesUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_UPDATE))]
FilesList = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_LIST))]
FilesDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_DESTROY))]
PartNumber = Annotated[int, Path(ge=1, le=rules.MAX_PARTS)]


def upload_to_write(upload_id: int, access: FilesCreate, session: SessionDep) -> FileUpload:
    return service.upload_or_404(session, access.club_id, upload_id)


def file_to_show(file_id: int, access: FilesList, session: SessionDep) -> FileRecord:
    return service.file_or_404(session, access.club_id, file_id)


def file_to_update(file_id: int, access: FilesUpdate, session: SessionDep) -> FileRecord:
    return service.file_or_404(session, access.club_id, file_id)


def file_to_destroy(file_id: int, access: FilesDestroy, session: SessionDep) -> FileRecord:
    return service.file_or_404(session, access.club_id, file_id)


UploadToWrite = Annotated[FileUpload, Depends(upload_to_write)]
FileToShow = Annotated[FileRecord, Depends(file_to_show)]


@router.get("/schema", response_model=FileSchemaOut, responses=errors(401, 403, 404))
def show_file_schema(request: Request, _access: FilesSchema) -> FileSchemaOut:
    """Show File Schema: the file kinds of the club, each with its sizes, and what may be uploaded."""
    limits = limits_of(request)
    return file_schema(limits.max_file_bytes, limits.max_part_bytes)


@router.post("/uploads", status_code=201, response_model=UploadOut, responses=errors(401, 403, 404, 409, 422))
def start_upload(
    request: Request, access: FilesCreate, _: Idempotent, body: UploadStart, session: SessionDep
) -> UploadOut:
    """Start an upload: a file of a kind for a fileable, with its content type and size in bytes. A type
    that is not accepted or a size over the limit is refused here with a 422 naming the field."""
    limits = limits_of(request)
    upload = service.start_upload(session, access.club, body, limits, access.principal.actor_key)
    return UploadOut.of(upload, limits.max_part_bytes)


@router.get("/uploads/{upload_id:int}", response_model=UploadOut, responses=errors(401, 403, 404))
def show_upload(request: Request, upload: UploadToWrite) -> UploadOut:
    """Upload status: the parts received so far, and the file once finished."""
    return UploadOut.of(upload, limits_of(request).max_part_bytes)


@router.put(
    "/uploads/{upload_id:int}/parts/{part_number:int}",
    response_model=UploadOut,
    responses=errors(401, 403, 404, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
@streamed_body
async def upload_part(
    request: Request, upload: UploadToWrite, part_number: PartNumber, session: SessionDep
) -> UploadOut:
    """Upload a part (the raw bytes as the body, ``application/octet-stream``, up to ``max_part_bytes``):
    streamed to the storage as it arrives; another content type (JSON) is a 400. Sending a part again
    replaces it. A first part whose bytes are not of the declared type, or parts over the declared size,
    are refused with a 422."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in rules.PART_CONTENT_TYPES:
        raise BadRequest("An upload part is raw bytes: send it as application/octet-stream")
    limits = limits_of(request)
    allowance = service.part_allowance(upload, part_number, limits)
    storage = storage_of(request)
    writer = await run_in_threadpool(storage.writer, service.part_key(upload, part_number))
    size = 0
    head = b""
    try:
        async for chunk in request.stream():
            if not chunk:
                continue
            size += len(chunk)
            if size > allowance:
                raise service.refuse_part(upload, limits, part_number)
            if part_number == 1 and len(head) < rules.SNIFF_BYTES:
                head += chunk[: rules.SNIFF_BYTES - len(head)]
                if len(head) >= rules.SNIFF_BYTES and rules.sniff(head) != upload.content_type:
                    raise service.refuse_type(upload, rules.sniff(head))
            writer.write(chunk)
        await run_in_threadpool(writer.commit)
    except BaseException:
        writer.abort()
        raise
    recorded = await run_in_threadpool(service.record_part, session, upload, part_number, size)
    return UploadOut.of(recorded, limits.max_part_bytes)


@router.post("/uploads/{upload_id:int}/finish", response_model=FileRecordOut, responses=errors(401, 403, 404, 422))
def finish_upload(request: Request, access: FilesCreate, upload: UploadToWrite, session: SessionDep) -> FileRecordOut:
    """Finish an upload: the parts are joined and checked (type from the bytes, image dimensions for the
    kind); the file record is created, not yet active."""
    record = service.finish_upload(session, storage_of(request), upload)
    return FileRecordOut.of(record, service.content_url(access.club, record))


@router.get("", response_model=FileRecordsPage, responses=errors(401, 403, 404, 422))
def list_files(
    access: FilesList,
    session: SessionDep,
    page: PageDep,
    type: Annotated[str | None, Query(max_length=32, description="Fileable type: offers, collections...")] = None,
    identifier: Annotated[int | None, Query(ge=1, description="Fileable id")] = None,
    ids: Annotated[list[int] | None, Query()] = None,
    with_inactive: bool = False,
) -> FileRecordsPage:
    """List File Records (active ones unless ``with_inactive``)."""
    statement = service.list_statement(
        access.club_id, fileable_type=type, fileable_id=identifier, ids=ids, with_inactive=with_inactive
    )
    records, info = paginate(session, statement, page)
    return FileRecordsPage(
        file_records=[FileRecordOut.of(r, service.content_url(access.club, r)) for r in records], pagination_info=info
    )


@router.get("/{file_id:int}", response_model=FileRecordOut, responses=errors(401, 403, 404))
def show_file(access: FilesList, record: FileToShow) -> FileRecordOut:
    return FileRecordOut.of(record, service.content_url(access.club, record))


@router.get(
    "/{file_id:int}/content",
    response_class=StreamingResponse,
    responses={
        **errors(401, 403, 404),
        200: {
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The file's bytes (sent with the file's mime_type)",
        },
    },
)
def file_content(
    request: Request,
    record: FileToShow,
    size_type: Annotated[
        Literal["original", "base", "thumbnail"], Query(description="The original or one of its resized versions")
    ] = "original",
) -> StreamingResponse:
    """The file's bytes (the original, or a resized version made when the file was activated), streamed
    from the storage."""
    found = service.version_of(record, size_type)
    if found is None:
        raise NotFound(f"File#{record.id} has no {size_type} version")
    key, mime_type, size = found
    etag = record.sha256 if size_type == "original" else f"{record.sha256}-{size_type}"
    return StreamingResponse(
        read_chunks(storage_of(request), key),
        media_type=mime_type,
        headers={"Content-Length": str(size), "ETag": f'"{etag}"'},
    )


@router.post("/{file_id:int}/activate", response_model=FileRecordOut, responses=errors(401, 403, 404))
def activate_file(
    request: Request, access: FilesUpdate, record: Annotated[FileRecord, Depends(file_to_update)], session: SessionDep
) -> FileRecordOut:
    """Make the file its fileable's file of its kind (the previous one is deactivated); the offer's or
    collection's ``files`` show it, with its resized versions (``base``, ``thumbnail``: made from the
    ``crop_to`` area of the upload, else centred to the kind's ratio, the first time the file is activated)."""
    service.activate(session, storage_of(request), access.club, record)
    return FileRecordOut.of(record, service.content_url(access.club, record))


@router.delete("/{file_id:int}", response_model=FileRecordOut, responses=errors(401, 403, 404))
def destroy_file(
    access: FilesDestroy, record: Annotated[FileRecord, Depends(file_to_destroy)], session: SessionDep
) -> FileRecordOut:
    """Destroy a File Record by deactivating it; the fileable's ``files`` no longer show it."""
    service.deactivate(session, access.club, record)
    return FileRecordOut.of(record, service.content_url(access.club, record))
