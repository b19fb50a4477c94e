"""The older docs' v1 Files API (reference (g).7: ``GET /v1/files``, ``DELETE /v1/files``) on loyaltyhub's file
records: the club comes from ``X-Loyalty-Club-Slug`` or the one club ``X-Customer`` selects (as on the
Messaging API), and a file is named by ``ids`` or ``file_identifiers[]`` (``type:identifier``, e.g.
``offer:1234``; the singular type names are read as loyaltyhub's plural ones)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import HeaderClubAuth
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.files import rules, service
from loyaltyhub.files.schemas import FileRecordOut, FileRecords, FileRecordsPage
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep

router = LoyaltyRouter(prefix="/v1/files", tags=["Management API: files (older v1 paths)"])

FilesList = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.FILES_LIST))]
FilesDestroy = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.FILES_DESTROY))]
Identifiers = Annotated[
    list[str] | None,
    Query(
        alias="file_identifiers[]",
        max_length=100,
        description="Files of these fileables, each `type:identifier` (e.g. `offer:1234`)",
    ),
]
SINGULAR = {name.rstrip("s"): name for name in rules.FILEABLE_TYPES}


def _identifiers(values: list[str] | None) -> list[tuple[str, int]] | None:
    if not values:
        return None
    parsed, wrong = [], []
    for index, value in enumerate(values):
        kind, _, identifier = value.partition(":")
        kind = SINGULAR.get(kind, kind)
        if (
            kind not in rules.FILEABLE_TYPES
            or not identifier.isascii()
            or not identifier.isdigit()
            or len(identifier) > 18
        ):
            wrong.append(index)
        else:
            parsed.append((kind, int(identifier)))
    if wrong:
        raise ValidationFailed.at(("file_identifiers", wrong[0]), "invalid_format", format="type:identifier")
    return parsed


def _records(access: ClubAccess, records: list) -> list[FileRecordOut]:
    return [FileRecordOut.of(r, service.content_url(access.club, r)) for r in records]


@router.get("", response_model=FileRecordsPage, responses=errors(401, 403, 404, 422))
def list_file_records_v1(
    access: FilesList,
    session: SessionDep,
    page: PageDep,
    file_identifiers: Identifiers = None,
    ids: Annotated[list[int] | None, Query(alias="ids[]", max_length=100)] = None,
    with_inactive: bool = False,
) -> FileRecordsPage:
    """List File Records (the older docs' v1 path): the club's file records, active ones unless ``with_inactive``."""
    statement = service.list_statement(
        access.club_id,
        fileable_type=None,
        fileable_id=None,
        ids=ids,
        with_inactive=with_inactive,
        identifiers=_identifiers(file_identifiers),
    )
    records, info = paginate(session, statement, page)
    return FileRecordsPage(file_records=_records(access, records), pagination_info=info)


def _destroy(session: Session, access: ClubAccess, ids: list[int] | None, identifiers: list[str] | None) -> FileRecords:
    if bool(ids) == bool(identifiers):
        raise ValidationFailed.at(("ids",), "exactly_one_of", options=["ids", "file_identifiers"])
    statement = service.list_statement(
        access.club_id,
        fileable_type=None,
        fileable_id=None,
        ids=ids,
        with_inactive=False,
        identifiers=_identifiers(identifiers),
    )
    records = list(session.execute(statement.limit(1000)).scalars())
    for record in records:
        service.deactivate(session, access.club, record)
    return FileRecords(file_records=_records(access, records))


@router.delete("", response_model=FileRecords, responses=errors(401, 403, 404, 422))
def destroy_file_records_v1(
    access: FilesDestroy,
    session: SessionDep,
    file_identifiers: Identifiers = None,
    ids: Annotated[list[int] | None, Query(alias="ids[]", max_length=100)] = None,
) -> FileRecords:
    """Destroy File Records (the older docs' v1 path) by deactivating them: those of ``ids`` or of
    ``file_identifiers`` (exactly one of the two); answers the records deactivated."""
    return _destroy(session, access, ids, file_identifiers)
