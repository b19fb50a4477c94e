"""HTTP routes of the vendor's deprecated Files API (reference (g).1): a fileable's file of a kind sent whole as
``multipart/form-data`` (``file``, ``crop_to``), reprocessed from a new ``crop_to``, or deleted. The operations
are the parts API's (:mod:`loyaltyhub.files.whole_files`); the form is parsed by Starlette (python-multipart),
which keeps a file over 1 MiB in a temporary file rather than in memory, and the body limit for these paths is
the upload part's (``LOYALTYHUB_FILE_PART_MAX_BYTES``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import BadRequest, ValidationFailed
from loyaltyhub.files import rules, service, whole_files
from loyaltyhub.files.dependencies import limits_of, storage_of
from loyaltyhub.files.models import FileRecord
from loyaltyhub.files.schemas import ReprocessBody, WholeFileOut
from loyaltyhub.http import input_guard
from loyaltyhub.http.errors import validation_details
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter, streamed_body
from loyaltyhub.http.session import SessionDep

router = LoyaltyRouter(
    prefix="/v3/{loyalty_club_slug}/files/{fileable_type}/{fileable_id:int}/{kind}",
    tags=["Management API: files (deprecated, one request per file)"],
)

FilesCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_CREATE))]
FilesUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_UPDATE))]
FilesReprocess = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_REPROCESS))]
FilesDelete = Annotated[ClubAccess, Depends(ClubAuth(permits.FILES_DELETE))]
FileableType = Annotated[Literal["offers", "collections"], Path(description="The fileable: offers or collections")]
FileableId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Kind = Annotated[str, Path(max_length=64, description="A file kind of the file schema, e.g. offer_default")]
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
FORM_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "File to upload"},
                        "crop_to": {"type": "string", "description": service.CROP_TO_FORMAT},
                    },
                }
            }
        },
    }
}


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _json_body(request: Request) -> Any:
    """A JSON body, read as every route reads one: malformed or nested too deeply is a 400, answered before
    the fileable is looked up (as FastAPI does for a declared body); None when the body is not JSON."""
    if _content_type(request) != "application/json":
        return None
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return input_guard.loads(raw)
    except ValueError:
        raise BadRequest("Malformed JSON body")


async def _form(request: Request) -> Any:
    if _content_type(request) not in FORM_TYPES:
        raise BadRequest("Send the file as multipart/form-data (fields file and crop_to)")
    try:
        return await request.form(max_files=1, max_fields=10)
    except HTTPException as exc:  # malformed multipart, too many parts
        raise BadRequest(f"Malformed form: {exc.detail}")


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed.at((name,), "invalid_type", expected="string")
    return value


def _printable(name: str | None) -> str:
    """A file name as the client sent it, without the characters no text column stores (NUL, controls)."""
    return "".join(ch for ch in (name or "") if ch.isprintable())


async def _store(
    request: Request, access: ClubAccess, session: Any, fileable_type: str, fileable_id: int, kind: str
) -> FileRecord:
    form = await _form(request)
    try:
        upload = form.get("file")
        if upload is None or upload == "":
            raise ValidationFailed.at(("file",), "blank")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed.at(("file",), "invalid_type", expected="file")
        crop_to = _text(form, "crop_to") or None
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if content_type not in rules.IMAGE_TYPES:  # a client that names no type (or a generic one): the bytes say
            head = await upload.read(rules.SNIFF_BYTES)
            await upload.seek(0)
            content_type = rules.sniff(head) or content_type or "application/octet-stream"
        return await run_in_threadpool(
            whole_files.store_whole_file,
            session,
            storage_of(request),
            access.club,
            fileable_type=fileable_type,
            fileable_id=fileable_id,
            kind=kind,
            filename=_printable(upload.filename),
            content_type=content_type,
            source=upload.file,
            size=upload.size or 0,
            crop_to=crop_to,
            limits=limits_of(request),
            actor=access.principal.actor_key,
        )
    finally:
        await form.close()


def _answer(access: ClubAccess, record: FileRecord) -> WholeFileOut:
    return WholeFileOut.of(record, lambda size_type: service.content_url(access.club, record, size_type))


@router.post(
    "",
    status_code=201,
    response_model=WholeFileOut,
    responses=errors(400, 401, 403, 404, 413, 422),
    openapi_extra=FORM_BODY,
)
@streamed_body
async def create_whole_file(
    request: Request,
    access: FilesCreate,
    session: SessionDep,
    fileable_type: FileableType,
    fileable_id: FileableId,
    kind: Kind,
) -> WholeFileOut:
    """Create file (deprecated Files API): the form's ``file`` becomes the fileable's file of ``kind`` (the one
    before is deactivated), resized to the kind's sizes from ``crop_to`` (else centred). The same checks as a
    finished upload: a type other than PNG, JPEG or GIF, bytes not of that type, an image under the kind's
    size or a ``crop_to`` outside it are 422s naming the field."""
    await _json_body(request)
    await run_in_threadpool(whole_files.fileable_or_404, session, access.club, fileable_type, fileable_id)
    record = await _store(request, access, session, fileable_type, fileable_id, kind)
    return _answer(access, record)


@router.put("", response_model=WholeFileOut, responses=errors(400, 401, 403, 404, 413, 422), openapi_extra=FORM_BODY)
@streamed_body
async def update_whole_file(
    request: Request,
    access: FilesUpdate,
    session: SessionDep,
    fileable_type: FileableType,
    fileable_id: FileableId,
    kind: Kind,
) -> WholeFileOut:
    """Update file (deprecated Files API): replaces the fileable's file of ``kind`` (404 ``File not found``
    when it has none)."""
    await _json_body(request)
    await run_in_threadpool(whole_files.active_or_404, session, access.club, fileable_type, fileable_id, kind)
    record = await _store(request, access, session, fileable_type, fileable_id, kind)
    return _answer(access, record)


async def _reprocess_body(request: Request, payload: Any) -> str | None:
    """``crop_to`` from the JSON ``payload`` (already read) or from a form."""
    if payload is not None:
        try:
            return ReprocessBody.model_validate(payload).crop_to
        except ValidationError as exc:
            raise ValidationFailed(validation_details([dict(e) for e in exc.errors()]))
    if _content_type(request) not in FORM_TYPES:
        if (await request.body()).strip():
            raise BadRequest("Send crop_to as a form field or as JSON")
        return None  # no body: crop_to is missing (422)
    form = await _form(request)
    try:
        return _text(form, "crop_to")
    finally:
        await form.close()


@router.put(
    "/reprocess",
    response_model=WholeFileOut,
    responses=errors(400, 401, 403, 404, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media_type: {
                    "schema": {
                        "type": "object",
                        "required": ["crop_to"],
                        "properties": {"crop_to": {"type": "string", "description": service.CROP_TO_FORMAT}},
                    }
                }
                for media_type in ("multipart/form-data", "application/json")
            },
        }
    },
)
@streamed_body
async def reprocess_whole_file(
    request: Request,
    access: FilesReprocess,
    session: SessionDep,
    fileable_type: FileableType,
    fileable_id: FileableId,
    kind: Kind,
) -> WholeFileOut:
    """Reprocess file (deprecated Files API): "no file needs to be uploaded, instead the original file will be
    reprocessed" — the resized versions made again from ``crop_to`` (a form field or JSON), inside the
    original (422 otherwise)."""
    payload = await _json_body(request)
    record = await run_in_threadpool(
        whole_files.active_or_404, session, access.club, fileable_type, fileable_id, kind
    )  # before the form: another club's ids are not found, whatever is sent
    crop_to = await _reprocess_body(request, payload)
    reprocessed = await run_in_threadpool(
        whole_files.reprocess, session, storage_of(request), access.club, record, crop_to
    )
    return _answer(access, reprocessed)


@router.delete("", responses=errors(401, 403, 404))
def delete_whole_file(
    access: FilesDelete, session: SessionDep, fileable_type: FileableType, fileable_id: FileableId, kind: Kind
) -> dict[str, Any]:
    """Delete file (deprecated Files API): the fileable's file of ``kind`` is deactivated (as Destroy File
    Records does) and leaves its ``files``; answers ``{}``."""
    record = whole_files.active_or_404(session, access.club, fileable_type, fileable_id, kind)
    service.deactivate(session, access.club, record)
    return {}
