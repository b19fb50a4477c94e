"""HTTP routes of the Reporting API: query, metadata, field metadata (Customer context)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Request

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.auth.dependencies import CustomerAuth
from loyaltyhub.http.responses import DataResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.ratelimit.service import charge_request, remember_owner
from loyaltyhub.reporting import engine, service
from loyaltyhub.reporting.query import QueryBody
from loyaltyhub.reporting.schemas import FieldMetadataBody, MetadataBody

router = LoyaltyRouter(prefix="/v1/reporting", tags=["Reporting API"])

METADATA_COST = 1


async def reporting_access(
    request: Request, access: Annotated[CustomerAccess, Depends(CustomerAuth(permits.REPORTING_QUERY))]
) -> CustomerAccess:
    """The Customer context, with its rate-limit bucket owner noted while the clubs are loaded
    (``async``: no I/O, so no thread hop)."""
    remember_owner(request, access.clubs, access.organization_context)
    return access


ReportingAccess = Annotated[CustomerAccess, Depends(reporting_access)]


def _charge(request: Request, access: CustomerAccess, cost: int) -> None:
    charge_request(request, "reporting", cost)


@router.post("/query", responses=errors(401, 403, 422, 429, 470, 471))
def query(request: Request, access: ReportingAccess, session: SessionDep, body: QueryBody) -> DataResponse:
    """Run a report: records (cursor-paginated), timeseries or statistics (reference A.4/A.5)."""
    checked = engine.check(access, body)
    _charge(request, access, checked.cost)
    return DataResponse(engine.run_query(session, access, checked, secret_key=request.app.state.settings.secret_key))


@router.post("/metadata", responses=errors(401, 403, 422, 429, 470, 471))
def metadata(
    request: Request, access: ReportingAccess, body: Annotated[MetadataBody | None, Body()] = None
) -> dict[str, Any]:
    """Every report you may use: fields (type, filterability), aggregations, format, intervals, permit, cost."""
    _charge(request, access, METADATA_COST)
    return service.metadata(access, body.report if body else None)


@router.post("/field_metadata", responses=errors(401, 403, 422, 429, 470, 471))
def field_metadata(
    request: Request, access: ReportingAccess, session: SessionDep, body: FieldMetadataBody
) -> dict[str, Any]:
    """One field: its type and its enum values, or the distinct values present in the time frame."""
    _charge(request, access, METADATA_COST)
    return service.field_metadata(session, access, body)
