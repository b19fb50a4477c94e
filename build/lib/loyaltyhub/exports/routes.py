"""HTTP routes of the exports domain (thin handlers over the service).

``POST /v1/reporting/query/export`` and ``POST /v1/reporting/tenants/query/export`` queue a job and
answer 202; ``GET /v1/reporting/exports/{export_id}`` shows it, ``.../download`` streams the file when
done, ``DELETE`` cancels it. Customer context; permits ``Reporting:Api:Query``, ``Reporting:Api:Export``
and the report's own permit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from fastapi.responses import FileResponse

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.auth.dependencies import CustomerAuth
from loyaltyhub.exports import service
from loyaltyhub.exports.formats import MEDIA_TYPES
from loyaltyhub.exports.models import ExportJob
from loyaltyhub.exports.ratelimit import charge_request, remember_owner
from loyaltyhub.exports.schemas import ExportList, ExportOut, ExportRequest
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep

router = LoyaltyRouter(prefix="/v1/reporting", tags=["Reporting exports"])

_export_context = CustomerAuth(permits.REPORTING_QUERY, permits.REPORTING_EXPORT)


def export_access(request: Request, access: Annotated[CustomerAccess, Depends(_export_context)]) -> CustomerAccess:
    """The Customer context, with its rate-limit bucket owner noted while the clubs are loaded."""
    remember_owner(request, access)
    return access


ExportAccess = Annotated[CustomerAccess, Depends(export_access)]


def export_in_context(export_id: int, access: ExportAccess, session: SessionDep) -> ExportJob:
    return service.export_for_caller(session, access, export_id)


ExportInContext = Annotated[ExportJob, Depends(export_in_context)]


def _queue(
    request: Request, session: SessionDep, access: CustomerAccess, body: ExportRequest, per_club: bool
) -> ExportOut:
    query = body.query()
    info = service.validate_query(session, access, query)
    charge_request(request, info.cost)  # the query's cost, up front; the worker charges per further 1,000 rows
    job = service.create_export(session, access, query, body.format, info=info, per_club=per_club)
    return ExportOut.of(job)


@router.post(
    "/query/export",
    status_code=202,
    response_model=ExportOut,
    responses=errors(401, 403, 409, 422, 429, 470, 471),
    summary="Export a query (records, timeseries or statistics) to CSV or NDJSON",
)
def export_query(
    request: Request, body: ExportRequest, access: ExportAccess, _: Idempotent, session: SessionDep
) -> ExportOut:
    return _queue(request, session, access, body, per_club=False)


@router.post(
    "/tenants/query/export",
    status_code=202,
    response_model=ExportOut,
    responses=errors(401, 403, 409, 422, 429, 470, 471),
    summary="Export a query once per club of the X-Customer selection, into one file with the club id per row",
)
def export_tenants_query(
    request: Request, body: ExportRequest, access: ExportAccess, _: Idempotent, session: SessionDep
) -> ExportOut:
    return _queue(request, session, access, body, per_club=True)


@router.get(
    "/exports",
    response_model=ExportList,
    responses=errors(401, 403, 470, 471),
    summary="The caller's latest exports (up to 100) within the selected clubs",
)
def list_exports(access: ExportAccess, session: SessionDep) -> ExportList:
    return ExportList(exports=[ExportOut.of(job) for job in service.list_exports(session, access)])


@router.get(
    "/exports/{export_id}",
    response_model=ExportOut,
    responses=errors(401, 403, 404, 470, 471),
    summary="Show an export job",
)
def show_export(job: ExportInContext) -> ExportOut:
    return ExportOut.of(job)


@router.get(
    "/exports/{export_id}/download",
    response_class=FileResponse,
    responses={
        **errors(401, 403, 404, 409, 410, 470, 471),
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}, "description": "The export file"},
    },
    summary="Download a finished export (409 while it runs, 410 once expired)",
)
def download_export(request: Request, access: ExportAccess, job: ExportInContext) -> FileResponse:
    path = service.downloadable(request.app.state.settings.export_dir, job, access)
    return FileResponse(path, media_type=MEDIA_TYPES[job.format], filename=service.download_name(job))


@router.delete(
    "/exports/{export_id}",
    response_model=ExportOut,
    responses=errors(401, 403, 404, 470, 471),
    summary="Cancel an export (a finished one's file is deleted)",
)
def cancel_export(request: Request, job: ExportInContext, session: SessionDep, tasks: BackgroundTasks) -> ExportOut:
    job, file_name = service.cancel_export(session, job)
    if file_name:
        # After the response, i.e. after the transaction committed; the cleanup job catches any miss.
        tasks.add_task(service.remove_file, request.app.state.settings.export_dir, file_name)
    return ExportOut.of(job)
