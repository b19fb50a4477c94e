"""The staff console's pages (``/console``): sign-in, the club dashboard and offers.

Thin handlers, like the API's: they read a form or the query, call the offers service and the reporting
engine with a :class:`~loyaltyhub.auth.context.ClubAccess` built by the same rules as the API's, and
render a template. Errors are pages (:class:`~loyaltyhub.console.pages.ConsoleRoute`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import BackgroundTasks, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, StreamingResponse

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, CustomerAccess
from loyaltyhub.auth.service import authenticate_user, issue_user_token, revoke_user_token, user_principal
from loyaltyhub.collections import service as collections_service
from loyaltyhub.console import collection_pages, dashboard, explorer, forms, i18n, images
from loyaltyhub.console import members as console_members
from loyaltyhub.console import messages as console_messages
from loyaltyhub.console.dependencies import CsrfChecked, Form, Needs, StaffDep, console_club, organization_access
from loyaltyhub.console.pages import ConsoleRouter, redirect, render
from loyaltyhub.console.sessions import (
    COOKIE_PATH,
    CSRF_FIELD,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    csrf_for,
    new_login_nonce,
    safe_next,
    same,
)
from loyaltyhub.digits import decimal
from loyaltyhub.errors import Forbidden, RateLimited, UnprocessableEntity, ValidationFailed
from loyaltyhub.exports import service as exports_service
from loyaltyhub.exports.formats import MEDIA_TYPES as EXPORT_MEDIA_TYPES
from loyaltyhub.exports.schemas import ExportOut
from loyaltyhub.http.pagination import Page
from loyaltyhub.http.session import SessionDep
from loyaltyhub.messaging import repository as messaging_repository
from loyaltyhub.messaging import service as messaging_service
from loyaltyhub.messaging import views
from loyaltyhub.offers import grants, queries, service
from loyaltyhub.offers.models import Collection, Offer
from loyaltyhub.offers.queries import SORT_FIELDS, OfferFilters, OfferSort
from loyaltyhub.offers.types import OFFER_TYPES, SCOPES, STATUSES, types_of_scope
from loyaltyhub.ratelimit.logins import client_address, login_throttle_for, staff_identifier

router = ConsoleRouter(prefix="/console", tags=["Staff console"])
ChartName = Annotated[str, Path(pattern="^(" + "|".join(dashboard.CHARTS) + ")$")]

ClubPage = Annotated[ClubAccess, Depends(console_club)]
OffersList = Annotated[ClubAccess, Depends(Needs(permits.OFFERS_LIST))]
OffersCreate = Annotated[ClubAccess, Depends(Needs(permits.OFFERS_CREATE))]
OffersUpdate = Annotated[ClubAccess, Depends(Needs(permits.OFFERS_UPDATE))]
OffersClone = Annotated[ClubAccess, Depends(Needs(permits.OFFERS_CLONE))]
OffersArchive = Annotated[ClubAccess, Depends(Needs(permits.OFFERS_ARCHIVE))]
OffersGrant = Annotated[ClubAccess, Depends(Needs(permits.OFFERS_GRANT))]
Dashboard = Annotated[ClubAccess, Depends(Needs(permits.REPORTING_QUERY))]
MembersList = Annotated[ClubAccess, Depends(Needs(permits.MEMBERS_LIST))]
MembersShow = Annotated[ClubAccess, Depends(Needs(permits.MEMBERS_SHOW))]
MembersUpdate = Annotated[ClubAccess, Depends(Needs(permits.MEMBERS_UPDATE))]
CollectionsList = Annotated[ClubAccess, Depends(Needs(permits.COLLECTIONS_LIST))]
CollectionsCreate = Annotated[ClubAccess, Depends(Needs(permits.COLLECTIONS_CREATE))]
CollectionsUpdate = Annotated[ClubAccess, Depends(Needs(permits.COLLECTIONS_UPDATE))]
CollectionsArchive = Annotated[ClubAccess, Depends(Needs(permits.COLLECTIONS_ARCHIVE))]
PER_PAGE = 20


def _can(access: ClubAccess) -> dict[str, bool]:
    held = access.permits
    return {
        "offers": permits.OFFERS_LIST in held,
        "create_offers": permits.OFFERS_CREATE in held,
        "edit_offers": permits.OFFERS_UPDATE in held,
        "clone_offers": permits.OFFERS_CLONE in held,
        "archive_offers": permits.OFFERS_ARCHIVE in held,
        "grant_offers": permits.OFFERS_GRANT in held,
        "dashboard": permits.REPORTING_QUERY in held,
        "members": permits.MEMBERS_LIST in held,
        "show_members": permits.MEMBERS_SHOW in held,
        "update_members": permits.MEMBERS_UPDATE in held,
        "messages": permits.MESSAGES_INDEX in held,
        "collections": permits.COLLECTIONS_LIST in held,
        "preview_images": permits.IMAGE_TEMPLATES_PREVIEW in held,
        "groups": permits.MEMBER_GROUPS_LIST in held,
        "create_collections": permits.COLLECTIONS_CREATE in held,
        "update_collections": permits.COLLECTIONS_UPDATE in held,
        "archive_collections": permits.COLLECTIONS_ARCHIVE in held,
    }


def _page(request: Request, access: ClubAccess, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, template, status_code, club=access.club, can=_can(access), **context)


def _secure(request: Request) -> bool:
    settings = request.app.state.settings
    return settings.console_secure_cookie if settings.console_secure_cookie is not None else settings.env == "prod"


# --- sign-in ----------------------------------------------------------------------------------------


@router.get("")
def home(staff: StaffDep) -> Response:
    if len(staff.clubs) == 1:
        return redirect(f"/console/{staff.clubs[0].slug}")
    return redirect("/console/clubs")


@router.get("/clubs")
def clubs(request: Request, staff: StaffDep) -> HTMLResponse:
    return render(request, "clubs.html", clubs=staff.clubs)


def _login_page(request: Request, next_url: str, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    nonce = new_login_nonce()
    page = render(request, "login.html", status_code, nonce=nonce, next_url=next_url, error=error)
    page.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        path="/console/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return page


@router.get("/login")
def login_form(request: Request, session: SessionDep, next: Annotated[str | None, Query(max_length=2000)] = None):
    token = request.cookies.get(SESSION_COOKIE)
    if token and user_principal(session, token) is not None:
        return redirect(safe_next(next))
    return _login_page(request, safe_next(next))


@router.post("/login")
def login(request: Request, session: SessionDep, form: Form) -> Response:
    next_url = safe_next(form.get("next"))
    if not same(request.cookies.get(LOGIN_COOKIE), form.get(CSRF_FIELD)):
        return _login_page(request, next_url, 403, "The sign-in form expired: please try again.")
    throttle, who, address = (
        login_throttle_for(request.app),
        staff_identifier(form.get("email")),
        client_address(request),
    )
    try:
        throttle.check(who, address)
    except RateLimited as limited:
        wait = limited.extra["retry_after"]
        page = _login_page(request, next_url, 429, f"Too many failed sign-in attempts: try again in {wait} s.")
        page.headers["Retry-After"] = str(wait)
        return page
    user = authenticate_user(session, form.get("email"), form.get("password"))
    if user is None:
        throttle.failed(who, address)
        return _login_page(request, next_url, 401, "Wrong e-mail or password.")
    throttle.succeeded(who)
    ttl = request.app.state.settings.console_session_ttl_seconds
    token, _record = issue_user_token(session, user, ttl)
    response = redirect(next_url)
    response.set_cookie(
        SESSION_COOKIE, token, max_age=ttl, path=COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(request)
    )
    response.delete_cookie(LOGIN_COOKIE, path="/console/login")
    return response


@router.post("/language")
def choose_language(request: Request, session: SessionDep, form: Form) -> Response:
    """The staff user's language for the console (a cookie; English or Norwegian). Signed in, the form
    carries the session's CSRF token like every other form."""
    token = request.cookies.get(SESSION_COOKIE)
    principal = user_principal(session, token) if token else None
    expected = csrf_for(request.app.state.settings.secret_key, token) if token and principal is not None else None
    if expected is not None and not same(expected, form.get(CSRF_FIELD)):
        raise Forbidden("The form has expired or did not come from this console: reload the page and try again")
    language = form.get("language")
    if language not in i18n.LANGUAGES:
        raise ValidationFailed.at(("language",), "inclusion", **{"in": sorted(i18n.LANGUAGES)})
    response = redirect(safe_next(form.get("next")), request)
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


@router.post("/logout")
def logout(request: Request, staff: StaffDep, _csrf: CsrfChecked, session: SessionDep) -> Response:
    revoke_user_token(session, staff.token)
    response = redirect("/console/login", request)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(request))
    return response


def _spec(request: Request, built: dashboard.Chart, club: Any) -> str:
    """What the chart's script draws, its series named in the page's language (an attribute: autoescaped)."""
    if built.problem:
        return ""
    spec = built.spec()
    gettext = i18n.translator(i18n.language_of(request.cookies.get(i18n.LANGUAGE_COOKIE), club))
    spec["datasets"] = [{**d, "label": gettext(d["label"])} for d in spec["datasets"]]
    return json.dumps(spec)


# --- an organization: its clubs together ------------------------------------------------------------


def _organization_dashboard(access: CustomerAccess = Depends(organization_access)) -> CustomerAccess:
    access.require(permits.REPORTING_QUERY)
    return access


OrganizationDashboard = Annotated[CustomerAccess, Depends(_organization_dashboard)]


def _organization_timezone(access: CustomerAccess) -> str:
    return access.clubs[0].timezone  # days of the first club's calendar (an organization's clubs share one)


@router.get("/organizations/{organization_id:int}/dashboard")
def organization_dashboard(request: Request, access: OrganizationDashboard, organization_id: int) -> HTMLResponse:
    """The dashboard of every club of an organization the user covers, added up (the Reporting API's
    organization context)."""
    timezone = _organization_timezone(access)
    period, picker_errors = dashboard.period_of(dict(request.query_params), timezone)
    return render(
        request,
        "dashboard.html",
        422 if picker_errors else 200,
        organization=access.clubs,
        base=f"/console/organizations/{organization_id}",
        timezone=timezone,
        period=period,
        picker=dict(request.query_params),
        picker_errors=picker_errors,
        charts=[(name, dashboard.TITLES[name]) for name in dashboard.CHARTS],
        query=dashboard.period_query(period),
    )


@router.get("/organizations/{organization_id:int}/dashboard/charts/{chart}")
def organization_chart(
    request: Request, access: OrganizationDashboard, session: SessionDep, organization_id: int, chart: ChartName
) -> HTMLResponse:
    period, _errors = dashboard.period_of(dict(request.query_params), _organization_timezone(access))
    built = dashboard.build(session, access, chart, period)
    return render(
        request,
        "_chart.html",
        chart=built,
        spec=_spec(request, built, access.clubs[0]),
        base=f"/console/organizations/{organization_id}",
        query=dashboard.period_query(period),
        fragment=request.headers.get("HX-Request") is not None,
    )


@router.get("/organizations/{organization_id:int}/dashboard/{chart}.csv")
def organization_csv(
    request: Request, access: OrganizationDashboard, session: SessionDep, organization_id: int, chart: ChartName
) -> Response:
    return _chart_csv(
        request, access, session, chart, f"organization-{organization_id}", _organization_timezone(access)
    )


# --- a club -------------------------------------------------------------------------------------------


@router.get("/{loyalty_club_slug}")
def club_home(access: ClubPage) -> Response:
    target = "dashboard" if permits.REPORTING_QUERY in access.permits else "offers"
    return redirect(f"/console/{access.club.slug}/{target}")


@router.get("/{loyalty_club_slug}/dashboard")
def dashboard_page(request: Request, access: Dashboard) -> HTMLResponse:
    """The frame of the dashboard: each chart is its own request (``dashboard/{chart}``), so the browser
    loads them side by side and draws each as soon as it arrives."""
    period, picker_errors = dashboard.period_of(dict(request.query_params), access.club.timezone)
    return _page(
        request,
        access,
        "dashboard.html",
        422 if picker_errors else 200,
        nav="dashboard",
        base=f"/console/{access.club.slug}",
        timezone=access.club.timezone,
        period=period,
        picker=dict(request.query_params),
        picker_errors=picker_errors,
        charts=[(name, dashboard.TITLES[name]) for name in dashboard.CHARTS],
        query=dashboard.period_query(period),
    )


@router.get("/{loyalty_club_slug}/dashboard/charts/{chart}")
def dashboard_chart(request: Request, access: Dashboard, session: SessionDep, chart: ChartName) -> HTMLResponse:
    """One chart of the dashboard: its canvas, table, CSV link and the data its script draws."""
    period, _errors = dashboard.period_of(dict(request.query_params), access.club.timezone)
    built = dashboard.build(session, access, chart, period)
    spec = _spec(request, built, access.club)
    return _page(
        request,
        access,
        "_chart.html",
        chart=built,
        spec=spec,
        base=f"/console/{access.club.slug}",
        query=dashboard.period_query(period),
        fragment=request.headers.get("HX-Request") is not None,
    )


@router.get("/{loyalty_club_slug}/dashboard/{chart}.csv")
def dashboard_csv(request: Request, access: Dashboard, session: SessionDep, chart: ChartName) -> Response:
    return _chart_csv(request, access, session, chart, access.club.slug, access.club.timezone)


def _chart_csv(request: Request, access: Any, session: SessionDep, chart: str, name: str, timezone: str) -> Response:
    period, picker_errors = dashboard.period_of(dict(request.query_params), timezone)
    if picker_errors:
        raise ValidationFailed(
            {field: [{"error": "invalid", "options": {"message": m}}] for field, m in picker_errors.items()}
        )
    built = dashboard.build(session, access, chart, period)
    if built.problem:
        raise ValidationFailed({"base": [{"error": "invalid", "options": {"message": built.problem}}]})
    filename = f"{name}-{chart}-{period.first}-{period.last}.csv"
    return Response(
        built.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/{loyalty_club_slug}/reports")
def reports_page(request: Request, access: Dashboard, session: SessionDep) -> HTMLResponse:
    params = dict(request.query_params)
    found = explorer.explore(session, access, params, request.app.state.settings.secret_key)
    charts = [found.result.chart] if found.result and found.result.chart else []
    return _page(
        request,
        access,
        "reports.html",
        422 if found.errors else 200,
        nav="reports",
        found=found,
        picker=params,
        other_errors=explorer.other_errors(found.errors),
        filter_fields=explorer.filter_fields(found.report),
        may_export=permits.REPORTING_EXPORT in access.permits,
        exports=[ExportOut.of(j) for j in explorer.latest_exports(session, access)]
        if permits.REPORTING_EXPORT in access.permits
        else [],
        export_fields=[(k, v) for k, v in params.items() if _export_field(k)],
        condition_rows=explorer.condition_rows(params),
        operators=explorer.OPERATORS,
        specs=json.dumps(charts).replace("<", "\\u003c"),
        query=request.url.query,
    )


Exporter = Annotated[ClubAccess, Depends(Needs(permits.REPORTING_QUERY, permits.REPORTING_EXPORT))]
ExportId = Annotated[int, Path(ge=1, le=2**63 - 1)]
EXPORT_FIELDS = ("report", "aggregate_by", "interval", "filter", "from", "to", "range")
_CONDITION = re.compile(r"^c\d{1,2}\.(field|op|value)$")


def _export_field(name: str) -> bool:
    """A field of the explorer's query (what an export of it carries)."""
    return name in EXPORT_FIELDS or bool(_CONDITION.match(name))


@router.post("/{loyalty_club_slug}/reports/export")
def export_report(request: Request, access: Exporter, _csrf: CsrfChecked, form: Form, session: SessionDep):
    """Queue an export of the explorer's query (every row, to a CSV or NDJSON file) and show its progress."""
    params = {k: v for k, v in form.items if _export_field(k)}
    fmt = form.get("format") or "csv"
    try:
        job = explorer.export(session, access, params, fmt)
    except ValidationFailed as exc:
        session.rollback()
        problems = forms.field_errors(exc.extra.get("details") or {})
        message = "; ".join(f"{k}: {e.message}" for k, errs in problems.items() for e in errs)
        raise UnprocessableEntity(f"The export was not queued: {message}")
    return redirect(f"/console/{access.club.slug}/exports/{job.id}", request)


@router.get("/{loyalty_club_slug}/exports/{export_id:int}")
def export_page(request: Request, access: Exporter, session: SessionDep, export_id: ExportId) -> HTMLResponse:
    """An export's status and progress; the page asks again every second while it runs (htmx), and links
    its file once done."""
    job = ExportOut.of(explorer.export_job(session, access, export_id))
    template = "exports/_status.html" if request.headers.get("HX-Request") else "exports/show.html"
    return _page(request, access, template, nav="reports", job=job, running=job.status in ("queued", "running"))


@router.post("/{loyalty_club_slug}/exports/{export_id:int}/cancel")
def cancel_export(
    request: Request,
    access: Exporter,
    _csrf: CsrfChecked,
    session: SessionDep,
    tasks: BackgroundTasks,
    export_id: ExportId,
) -> Response:
    """Cancel a queued or running export, or delete a finished one's file (the API's ``DELETE …/exports/{id}``)."""
    _job, file_name = exports_service.cancel_export(session, explorer.export_job(session, access, export_id))
    if file_name:  # after the response, so after the commit; the cleanup job catches any miss
        tasks.add_task(exports_service.remove_file, request.app.state.settings.export_files(), file_name)
    return redirect(f"/console/{access.club.slug}/exports/{export_id}", request)


@router.get("/{loyalty_club_slug}/exports/{export_id:int}/download")
def export_download(request: Request, access: Exporter, session: SessionDep, export_id: ExportId) -> Response:
    """The finished file, as the API's download serves it (409 while it runs, 410 once expired)."""
    job = explorer.export_job(session, access, export_id)
    customer = dashboard.customer_access(access)
    found = exports_service.downloadable(request.app.state.settings.export_files(), job, customer)
    media_type, name = EXPORT_MEDIA_TYPES[job.format], exports_service.download_name(job)
    if isinstance(found, FilePath):
        return FileResponse(found, media_type=media_type, filename=name)
    headers = {"Content-Length": str(found.size), "Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(found.chunks, media_type=media_type, headers=headers)


@router.get("/{loyalty_club_slug}/reports.csv")
def reports_csv(request: Request, access: Dashboard, session: SessionDep) -> Response:
    found = explorer.explore(session, access, dict(request.query_params), request.app.state.settings.secret_key)
    if found.result is None:
        message = found.problem or "; ".join(f"{k}: {e.message}" for k, errs in found.errors.items() for e in errs)
        raise ValidationFailed({"base": [{"error": "invalid", "options": {"message": message or "Choose a report"}}]})
    filename = f"{access.club.slug}-{found.params.get('report')}.csv"
    return Response(
        found.result.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


# --- messages (the Messaging API's services) -----------------------------------------------------------

MessagesIndex = Annotated[ClubAccess, Depends(Needs(permits.MESSAGES_INDEX))]
MessagesCompose = Annotated[ClubAccess, Depends(Needs(permits.MESSAGES_CREATE, permits.SENDINGS_CREATE))]
MessagesGet = Annotated[ClubAccess, Depends(Needs(permits.MESSAGES_GET, permits.SENDINGS_GET))]
SendingsUpdate = Annotated[ClubAccess, Depends(Needs(permits.SENDINGS_UPDATE))]
MessagesDestroy = Annotated[ClubAccess, Depends(Needs(permits.MESSAGES_DESTROY))]
ServiceName = Annotated[str, Path(max_length=40)]
MessageId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SendingId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _page_no(raw: str | None) -> int:
    return decimal(raw, max_digits=9) or 1


@router.get("/{loyalty_club_slug}/messages")
def messages_page(request: Request, access: MessagesIndex, session: SessionDep) -> HTMLResponse:
    params = request.query_params
    service_name = console_messages.service_of(access, params.get("service"))
    items, info = console_messages.listing(session, access, service_name, _page_no(params.get("page")))
    return _page(
        request,
        access,
        "messages/list.html",
        nav="messages",
        service=service_name,
        services=console_messages.usable_services(access),
        messages=items,
        info=info,
        may=console_messages.can(access),
    )


def _compose_page(
    request: Request,
    session: SessionDep,
    access: ClubAccess,
    service_name: str,
    values: dict[str, str],
    status_code: int = 200,
    errors: dict[str, list[forms.FieldError]] | None = None,
    other_errors: list[str] | None = None,
) -> HTMLResponse:
    return _page(
        request,
        access,
        "messages/compose.html",
        status_code,
        nav="messages",
        service=service_name,
        services=console_messages.usable_services(access),
        configured=console_messages.configured_channels(session, access),
        groups=console_messages.groups(session, access),
        values=values,
        errors=errors or {},
        other_errors=other_errors or [],
    )


@router.get("/{loyalty_club_slug}/messages/new")
def new_message(request: Request, access: MessagesCompose, session: SessionDep) -> HTMLResponse:
    service_name = console_messages.service_of(access, request.query_params.get("service"))
    values = {"when": "draft", "audience": "all", "channel_sms": "on"}
    return _compose_page(request, session, access, service_name, values)


@router.post("/{loyalty_club_slug}/messages")
def create_message(request: Request, access: MessagesCompose, _csrf: CsrfChecked, form: Form, session: SessionDep):
    service_name = console_messages.service_of(access, form.get("service") or None)
    try:
        message = console_messages.compose(session, access, service_name, form)
    except ValidationFailed as exc:
        session.rollback()
        errors, other = console_messages.form_errors(exc.extra.get("details") or {}, form)
        values = forms.form_values(form)
        return _compose_page(request, session, access, service_name, values, 422, errors, other)
    return redirect(f"/console/{access.club.slug}/messages/{service_name}/{message.id}?saved=1")


def _message_page(
    request: Request,
    session: SessionDep,
    access: ClubAccess,
    message: Any,
    status_code: int = 200,
    problem: str | None = None,
) -> HTMLResponse:
    return _page(
        request,
        access,
        "messages/show.html",
        status_code,
        nav="messages",
        message=views.message_out(session, message),
        sendings=console_messages.sendings(session, access, message),
        may=console_messages.can(access),
        saved=request.query_params.get("saved") == "1",
        notice=MESSAGE_NOTICES.get(request.query_params.get("done", "")),
        problem=problem,
    )


MESSAGE_NOTICES = {"scheduled": "Schedule saved.", "cancelled": "Sending cancelled."}


@router.get("/{loyalty_club_slug}/messages/{service_name}/{message_id:int}")
def message_page(
    request: Request, access: MessagesGet, session: SessionDep, service_name: ServiceName, message_id: MessageId
) -> HTMLResponse:
    name = messaging_service.use_service(access, service_name)
    message = messaging_repository.message(session, access.club_id, name, message_id)
    return _message_page(request, session, access, message)


@router.post("/{loyalty_club_slug}/messages/{service_name}/sendings/{sending_id:int}/schedule")
def schedule_sending(
    request: Request,
    access: SendingsUpdate,
    _csrf: CsrfChecked,
    form: Form,
    session: SessionDep,
    service_name: ServiceName,
    sending_id: SendingId,
) -> Response:
    """Schedule a draft (now, at a time, in a while) or make a scheduled sending a draft again."""
    name = messaging_service.use_service(access, service_name)
    sending = console_messages.sending_of(session, access, name, sending_id)
    try:
        console_messages.schedule(session, access, sending, form)
    except ValidationFailed as exc:
        session.rollback()
        problems = forms.field_errors(exc.extra.get("details") or {})
        text = "; ".join(f"{k.split('.')[-1]}: {e.message}" for k, errs in problems.items() for e in errs)
        sending = console_messages.sending_of(session, access, name, sending_id)
        message = messaging_repository.message_of(session, sending)
        return _message_page(request, session, access, message, 422, text)
    return redirect(f"/console/{access.club.slug}/messages/{name}/{sending.message_id}?done=scheduled", request)


@router.post("/{loyalty_club_slug}/messages/{service_name}/sendings/{sending_id:int}/cancel")
def cancel_sending(
    request: Request,
    access: SendingsUpdate,
    _csrf: CsrfChecked,
    session: SessionDep,
    service_name: ServiceName,
    sending_id: SendingId,
) -> Response:
    """Cancel a sending in progress (the API's ``PUT …/sendings/{id}/cancel``)."""
    name = messaging_service.use_service(access, service_name)
    sending = messaging_service.cancel_sending(session, console_messages.sending_of(session, access, name, sending_id))
    return redirect(f"/console/{access.club.slug}/messages/{name}/{sending.message_id}?done=cancelled", request)


@router.post("/{loyalty_club_slug}/messages/{service_name}/{message_id:int}/delete")
def delete_message(
    request: Request,
    access: MessagesDestroy,
    _csrf: CsrfChecked,
    session: SessionDep,
    service_name: ServiceName,
    message_id: MessageId,
) -> Response:
    """Delete a message (its drafts and scheduled sendings are cancelled; 405 while one is in progress)."""
    name = messaging_service.use_service(access, service_name)
    messaging_service.delete_message(session, messaging_repository.message(session, access.club_id, name, message_id))
    return redirect(f"/console/{access.club.slug}/messages?service={name}", request)


# --- offers -------------------------------------------------------------------------------------------


def _list_params(request: Request) -> tuple[OfferFilters, OfferSort, Page, dict[str, str]]:
    """The list's filters from the query string; unknown values fall back to the defaults (a page, not
    an API: a hand-edited URL still shows the list)."""
    params = dict(request.query_params)
    scope = params.get("scope") if params.get("scope") in SCOPES else "standard"
    status = params.get("status") if params.get("status") in STATUSES else None
    kind = params.get("type") if params.get("type") in types_of_scope(scope) else None
    sort_by = params.get("sort") if params.get("sort") in SORT_FIELDS else "updated_at"
    direction = "asc" if params.get("direction") == "asc" else "desc"
    search = (params.get("search") or "").strip()[:200] or None
    page_no = decimal(params.get("page"), max_digits=9) or 1
    filters = OfferFilters(
        scope=scope,
        status=status,
        types=(kind,) if kind else None,
        search=search,
        with_archived=params.get("with_archived") == "on",
    )
    shown = {
        "scope": scope,
        "status": status or "",
        "type": kind or "",
        "sort": sort_by,
        "direction": direction,
        "search": search or "",
        "with_archived": "on" if filters.with_archived else "",
    }
    return filters, OfferSort(sort_by, direction), Page(page_no, PER_PAGE), shown


def _display_name(offer: Any, language: str) -> str:
    names = offer.name or {}
    return names.get(language) or next(iter(names.values()), "") or f"Offer {offer.id}"


@router.get("/{loyalty_club_slug}/offers")
def offers_page(request: Request, access: OffersList, session: SessionDep) -> HTMLResponse:
    filters, sort, page, shown = _list_params(request)
    languages = forms.languages_of(access.club)
    offers, info = queries.list_offers(
        session, access.club_id, filters, sort, page, languages, access.club.default_language
    )
    template = "offers/_results.html" if request.headers.get("HX-Request") else "offers/list.html"
    return _page(
        request,
        access,
        template,
        nav="offers",
        offers=[(offer, _display_name(offer, access.club.default_language)) for offer in offers],
        info=info,
        filters=shown,
        scopes=SCOPES,
        statuses=STATUSES,
        types=OFFER_TYPES,
        sort_fields=SORT_FIELDS,
    )


def _collection_choices(session: SessionDep, access: ClubAccess) -> list[tuple[int, str]] | None:
    """The club's collections for the offer form's checkboxes; None without the permit to list them (the
    form then leaves the offer's collections as they are)."""
    if permits.COLLECTIONS_LIST not in access.permits:
        return None
    return [(c.id, _localized(c.title, access.club)) for c in collection_pages.in_order(session, access)]


def _localized(texts: dict[str, Any] | None, club: Any) -> str:
    texts = texts or {}
    return str(texts.get(club.default_language) or next(iter(texts.values()), "") or "")


def _form_page(
    request: Request,
    access: ClubAccess,
    *,
    session: SessionDep,
    offer: Any | None,
    values: dict[str, str],
    status_code: int = 200,
    errors: dict[str, list[forms.FieldError]] | None = None,
    other_errors: list[str] | None = None,
    saved: bool = False,
    notice: str | None = None,
    grant_errors: list[str] | None = None,
) -> HTMLResponse:
    return _page(
        request,
        access,
        "offers/form.html",
        status_code,
        nav="offers",
        offer=offer,
        values=values,
        errors=errors or {},
        other_errors=other_errors or [],
        languages=forms.languages_of(access.club),
        choices=forms.CHOICES,
        collections=_collection_choices(session, access),
        saved=saved,
        notice=notice,
        grant_errors=grant_errors or [],
    )


def _refused(request: Request, session: SessionDep, access: ClubAccess, offer: Any, form: Any, exc: ValidationFailed):
    """The API's 422, shown next to the fields; nothing of the attempt is kept."""
    session.rollback()
    errors, other = forms.split_errors(forms.field_errors(exc.extra.get("details") or {}), access.club)
    values = forms.form_values(form)
    return _form_page(
        request, access, session=session, offer=offer, values=values, status_code=422, errors=errors, other_errors=other
    )


@router.get("/{loyalty_club_slug}/offers/new")
def new_offer(request: Request, access: OffersCreate, session: SessionDep) -> HTMLResponse:
    return _form_page(
        request, access, session=session, offer=None, values={"type": "regular", "read_more.enabled": "on"}
    )


@router.post("/{loyalty_club_slug}/offers")
def create_offer(request: Request, access: OffersCreate, _csrf: CsrfChecked, form: Form, session: SessionDep):
    try:
        body = forms.parse_create(forms.body_from_form(form, access.club, creating=True))
        offer = service.create_offer(session, access.club, body)
    except ValidationFailed as exc:
        return _refused(request, session, access, None, form, exc)
    return redirect(f"/console/{access.club.slug}/offers/{offer.id}?saved=1")


OfferId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _offer(session: SessionDep, access: ClubAccess, offer_id: int) -> Offer:
    return access.tenant.get_or_404(session, Offer, offer_id)


@router.get("/{loyalty_club_slug}/offers/{offer_id:int}")
def edit_offer(request: Request, access: OffersUpdate, session: SessionDep, offer_id: OfferId) -> HTMLResponse:
    offer = service.present_one(session, _offer(session, access, offer_id))
    saved = request.query_params.get("saved") == "1"
    notice = NOTICES.get(request.query_params.get("done", ""))
    values = forms.values_of(offer, access.club)
    return _form_page(request, access, session=session, offer=offer, values=values, saved=saved, notice=notice)


NOTICES = {"cloned": "This is a draft copy of the offer.", "archived": "Archived.", "granted": "Granted."}


@router.post("/{loyalty_club_slug}/offers/{offer_id:int}")
def update_offer(
    request: Request, access: OffersUpdate, _csrf: CsrfChecked, form: Form, session: SessionDep, offer_id: OfferId
):
    offer = _offer(session, access, offer_id)
    try:
        body = forms.parse_update(forms.body_from_form(form, access.club, creating=False))
        service.update_offer(session, access.club, offer, body)
    except ValidationFailed as exc:
        return _refused(request, session, access, service.present_one(session, offer), form, exc)
    return redirect(f"/console/{access.club.slug}/offers/{offer.id}?saved=1")


@router.post("/{loyalty_club_slug}/offers/{offer_id:int}/status")
def change_status(
    request: Request, access: OffersUpdate, _csrf: CsrfChecked, form: Form, session: SessionDep, offer_id: OfferId
) -> Response:
    """Publish or unpublish (the API's PATCH of ``status``)."""
    offer = _offer(session, access, offer_id)
    status = form.get("status")
    if status not in ("published", "unpublished"):
        raise ValidationFailed.at(("status",), "inclusion", **{"in": ["published", "unpublished"]})
    service.update_offer(session, access.club, offer, forms.parse_update({"status": status}))
    back = forms.safe_back(form.get("back"), access.club.slug) or f"/console/{access.club.slug}/offers/{offer.id}"
    return redirect(back, request)


@router.post("/{loyalty_club_slug}/offers/{offer_id:int}/clone")
def clone_offer(request: Request, access: OffersClone, _csrf: CsrfChecked, session: SessionDep, offer_id: OfferId):
    """A draft copy (the API's ``POST /offers/{id}/clone``)."""
    copy = service.clone_offer(session, _offer(session, access, offer_id))
    if permits.OFFERS_UPDATE in access.permits:
        return redirect(f"/console/{access.club.slug}/offers/{copy.id}?done=cloned", request)
    return redirect(f"/console/{access.club.slug}/offers?status=draft", request)


@router.post("/{loyalty_club_slug}/offers/{offer_id:int}/archive")
def archive_offer(request: Request, access: OffersArchive, _csrf: CsrfChecked, session: SessionDep, offer_id: OfferId):
    """Archive (the API's ``POST /offers/{id}/archive``): kept, no longer listed unless asked for."""
    service.archive_offer(session, _offer(session, access, offer_id))
    if permits.OFFERS_UPDATE in access.permits:
        return redirect(f"/console/{access.club.slug}/offers/{offer_id}?done=archived", request)
    return redirect(f"/console/{access.club.slug}/offers", request)


@router.post("/{loyalty_club_slug}/offers/{offer_id:int}/grant")
def grant_offer(
    request: Request,
    access: OffersGrant,
    _csrf: CsrfChecked,
    form: Form,
    session: SessionDep,
    offer_id: OfferId,
):
    """Grant to members by id (the API's ``POST /offers/{id}/grant``: all or nothing)."""
    offer = _offer(session, access, offer_id)
    try:
        body = forms.parse_grant(form.get("member_ids"))
        grants.grant_offer(session, access.club_id, offer.id, body.member_ids)
    except ValidationFailed as exc:
        session.rollback()
        problems = forms.field_errors(exc.extra.get("details") or {})
        messages = [
            f"{name.replace('member_ids.', 'member #')}: {e.message}" for name, errs in problems.items() for e in errs
        ]
        return _grant_refused(request, session, access, offer_id, form, messages)
    except UnprocessableEntity as exc:
        session.rollback()
        return _grant_refused(request, session, access, offer_id, form, [exc.message])
    return redirect(f"/console/{access.club.slug}/offers/{offer.id}?done=granted", request)


def _grant_refused(request, session, access, offer_id, form, messages):  # type: ignore[no-untyped-def]
    offer = service.present_one(session, _offer(session, access, offer_id))
    values = {**forms.values_of(offer, access.club), "grant_member_ids": form.get("member_ids")}
    return _form_page(
        request, access, session=session, offer=offer, values=values, status_code=422, grant_errors=messages
    )


# --- the image template preview (the Management API's Preview Offer Image Template) ---------------------

TemplatesPreview = Annotated[ClubAccess, Depends(Needs(permits.IMAGE_TEMPLATES_PREVIEW))]


@router.get("/{loyalty_club_slug}/image_templates/preview")
def image_template_preview(request: Request, access: TemplatesPreview, session: SessionDep) -> HTMLResponse:
    """The preview of the template typed in the offer form (htmx swaps it in under the text box; opened as a
    page it is the same preview on its own): the image, or the 422 next to the template. A GET: the form's
    CSRF token is not sent (htmx includes only the template and the offer id)."""
    params = request.query_params
    raw, offer_id = params.get("image_template", ""), params.get("offer_id", "")
    status_code, errors, notes = 200, None, []
    try:
        notes = images.preview(request, session, access, raw, offer_id).notes
    except ValidationFailed as exc:
        status_code, errors = 422, forms.field_errors(exc.extra.get("details") or {})
    query = urlencode({"image_template": raw, "offer_id": offer_id})
    return _page(
        request,
        access,
        "offers/_preview.html" if request.headers.get("HX-Request") else "offers/preview.html",
        status_code,
        nav="offers",
        errors=errors or {},
        notes=notes,
        image_url=f"/console/{access.club.slug}/image_templates/preview.png?{query}",
        offer_id=offer_id,
    )


@router.get("/{loyalty_club_slug}/image_templates/preview.png")
def image_template_png(request: Request, access: TemplatesPreview, session: SessionDep) -> Response:
    params = request.query_params
    rendered = images.preview(request, session, access, params.get("image_template", ""), params.get("offer_id", ""))
    return Response(rendered.png, media_type="image/png", headers={"Cache-Control": "no-store"})


# --- collections (the Collections API's service) ----------------------------------------------------

CollectionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _collections_page(
    request: Request,
    session: SessionDep,
    access: ClubAccess,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[forms.FieldError]] | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    listed = collection_pages.listing(session, access)
    return _page(
        request,
        access,
        "offers/collections.html",
        status_code,
        nav="collections",
        collections=listed,
        ids=[c.id for c in listed],
        moved=collection_pages.moved,
        title_of=lambda c: collection_pages.title_of(c, access.club),
        languages=forms.languages_of(access.club),
        scopes=SCOPES,
        values=values or {},
        errors=errors or {},
        notice=notice,
    )


COLLECTION_NOTICES = {"created": "Collection created.", "ordered": "Order saved.", "archived": "Archived."}


@router.get("/{loyalty_club_slug}/collections")
def collections_page(request: Request, access: CollectionsList, session: SessionDep) -> HTMLResponse:
    notice = COLLECTION_NOTICES.get(request.query_params.get("done", ""))
    return _collections_page(request, session, access, notice=notice)


@router.post("/{loyalty_club_slug}/collections")
def create_collection(request: Request, access: CollectionsCreate, _csrf: CsrfChecked, form: Form, session: SessionDep):
    try:
        collection_pages.create(session, access, form)
    except ValidationFailed as exc:
        session.rollback()
        errors = forms.field_errors(exc.extra.get("details") or {})
        return _collections_page(request, session, access, 422, forms.form_values(form), errors)
    return redirect(f"/console/{access.club.slug}/collections?done=created", request)


@router.post("/{loyalty_club_slug}/collections/order")
def order_collections(request: Request, access: CollectionsUpdate, _csrf: CsrfChecked, form: Form, session: SessionDep):
    """The collections' order (the API's ``PUT …/collections/order``): every id, in the new order."""
    collection_pages.reorder(session, access, form)
    return redirect(f"/console/{access.club.slug}/collections?done=ordered", request)


def _collection(session: SessionDep, access: ClubAccess, collection_id: int) -> Any:
    return access.tenant.get_or_404(session, Collection, collection_id)


def _collection_page(
    request: Request,
    session: SessionDep,
    access: ClubAccess,
    collection: Any,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[forms.FieldError]] | None = None,
) -> HTMLResponse:
    shown = collections_service.present_one(session, collection)
    offers_listed = collection_pages.offers_in_order(session, access, collection)
    current = {"scope": shown.scope or ""}
    for name in ("title", "description"):
        for lang, text in (getattr(shown, name) or {}).items():
            current[f"{name}.{lang}"] = str(text)
    return _page(
        request,
        access,
        "offers/collection.html",
        status_code,
        nav="collections",
        collection=shown,
        title=collection_pages.title_of(shown, access.club),
        offers=[(o, _display_name(o, access.club.default_language)) for o in offers_listed],
        offer_ids=[o.id for o in offers_listed],
        moved=collection_pages.moved,
        languages=forms.languages_of(access.club),
        scopes=SCOPES,
        values=values if values is not None else current,
        errors=errors or {},
        notice=COLLECTION_NOTICES.get(request.query_params.get("done", "")),
        saved=request.query_params.get("saved") == "1",
    )


@router.get("/{loyalty_club_slug}/collections/{collection_id:int}")
def collection_page(
    request: Request, access: CollectionsList, session: SessionDep, collection_id: CollectionId
) -> HTMLResponse:
    return _collection_page(request, session, access, _collection(session, access, collection_id))


@router.post("/{loyalty_club_slug}/collections/{collection_id:int}")
def update_collection(
    request: Request,
    access: CollectionsUpdate,
    _csrf: CsrfChecked,
    form: Form,
    session: SessionDep,
    collection_id: CollectionId,
):
    collection = _collection(session, access, collection_id)
    try:
        collection_pages.update(session, access, collection, form)
    except ValidationFailed as exc:
        session.rollback()
        errors = forms.field_errors(exc.extra.get("details") or {})
        collection = _collection(session, access, collection_id)
        return _collection_page(request, session, access, collection, 422, forms.form_values(form), errors)
    return redirect(f"/console/{access.club.slug}/collections/{collection.id}?saved=1", request)


@router.post("/{loyalty_club_slug}/collections/{collection_id:int}/offers_order")
def order_collection_offers(
    request: Request,
    access: CollectionsUpdate,
    _csrf: CsrfChecked,
    form: Form,
    session: SessionDep,
    collection_id: CollectionId,
):
    """The order of the collection's offers (the API's PATCH of ``offers_order``)."""
    collection = collection_pages.order_offers(session, access, _collection(session, access, collection_id), form)
    return redirect(f"/console/{access.club.slug}/collections/{collection.id}?done=ordered", request)


@router.post("/{loyalty_club_slug}/collections/{collection_id:int}/archive")
def archive_collection(
    request: Request, access: CollectionsArchive, _csrf: CsrfChecked, session: SessionDep, collection_id: CollectionId
):
    collections_service.archive_collection(session, _collection(session, access, collection_id))
    return redirect(f"/console/{access.club.slug}/collections?done=archived", request)


# --- members --------------------------------------------------------------------------------------------

MemberId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/{loyalty_club_slug}/members")
def members_page(request: Request, access: MembersList, session: SessionDep) -> HTMLResponse:
    found, info, shown = console_members.search(session, access, dict(request.query_params))
    template = "members/_results.html" if request.headers.get("HX-Request") else "members/list.html"
    rows = [(member, console_members.display_name(member)) for member in found]
    return _page(request, access, template, nav="members", members=rows, info=info, filters=shown)


def _profile_page(
    request: Request,
    session: SessionDep,
    access: ClubAccess,
    member: Any,
    status_code: int = 200,
    ban_error: str | None = None,
    group_error: str | None = None,
) -> HTMLResponse:
    held = access.permits
    sees_groups = permits.MEMBER_GROUPS_LIST in held or permits.MEMBERS_GROUPS in held
    in_groups = console_members.member_groups(session, access, member.id) if sees_groups else None
    choices = None
    if permits.MEMBER_GROUPS_MEMBERS in held and permits.MEMBER_GROUPS_LIST in held:
        joined = {g.id for g in in_groups or []}
        choices = [g for g, _count in console_members.groups_listing(session, access) if g.id not in joined]
    return _page(
        request,
        access,
        "members/profile.html",
        status_code,
        nav="members",
        member=member,
        name=console_members.display_name(member),
        ban_error=ban_error,
        in_groups=in_groups,
        group_choices=choices,
        group_error=group_error,
        group_notice=GROUP_NOTICES.get(request.query_params.get("done", "")),
        history=console_members.history(session, access, member.id),
        offer_name=lambda offer: console_members.offer_name(offer, access.club.default_language),
    )


@router.get("/{loyalty_club_slug}/members/{member_id:int}")
def member_page(request: Request, access: MembersShow, session: SessionDep, member_id: MemberId) -> HTMLResponse:
    return _profile_page(request, session, access, console_members.profile(session, access, member_id))


@router.post("/{loyalty_club_slug}/members/{member_id:int}/ban")
def ban_member(
    request: Request, access: MembersUpdate, _csrf: CsrfChecked, form: Form, session: SessionDep, member_id: MemberId
) -> Response:
    """Ban until a time (``until``) or unban (``action=unban``): the API's ``PATCH banned_until``."""
    until = None if form.get("action") == "unban" else form.get("until")
    try:
        console_members.set_ban(session, access, member_id, until)
    except ValidationFailed as exc:
        session.rollback()
        problems = forms.field_errors(exc.extra.get("details") or {})
        message = "; ".join(e.message for errs in problems.values() for e in errs)
        member = console_members.profile(session, access, member_id)
        return _profile_page(request, session, access, member, 422, message)
    return redirect(f"/console/{access.club.slug}/members/{member_id}")


GROUP_NOTICES = {"added": "Added to the group.", "removed": "Removed from the group."}
GROUP_PAGE_NOTICES = {"created": "Group created.", "deleted": "Group deleted.", "saved": "Group saved."}
GroupsOfMembers = Annotated[ClubAccess, Depends(Needs(permits.MEMBER_GROUPS_MEMBERS))]
GroupsList = Annotated[ClubAccess, Depends(Needs(permits.MEMBER_GROUPS_LIST))]
GroupsCreate = Annotated[ClubAccess, Depends(Needs(permits.MEMBER_GROUPS_CREATE))]
GroupsUpdate = Annotated[ClubAccess, Depends(Needs(permits.MEMBER_GROUPS_UPDATE))]
GroupsDestroy = Annotated[ClubAccess, Depends(Needs(permits.MEMBER_GROUPS_DESTROY))]
GroupId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post("/{loyalty_club_slug}/members/{member_id:int}/groups")
def add_member_to_group(
    request: Request, access: GroupsOfMembers, _csrf: CsrfChecked, form: Form, session: SessionDep, member_id: MemberId
) -> Response:
    try:
        console_members.add_to_group(session, access, member_id, form.get("group_id"))
    except ValidationFailed as exc:
        session.rollback()
        problems = forms.field_errors(exc.extra.get("details") or {})
        message = "; ".join(e.message for errs in problems.values() for e in errs)
        member = console_members.profile(session, access, member_id)
        return _profile_page(request, session, access, member, 422, group_error=message)
    return redirect(f"/console/{access.club.slug}/members/{member_id}?done=added#groups-title", request)


@router.post("/{loyalty_club_slug}/members/{member_id:int}/groups/{group_id:int}/remove")
def remove_member_from_group(
    request: Request,
    access: GroupsOfMembers,
    _csrf: CsrfChecked,
    session: SessionDep,
    member_id: MemberId,
    group_id: GroupId,
) -> Response:
    console_members.remove_from_group(session, access, member_id, group_id)
    return redirect(f"/console/{access.club.slug}/members/{member_id}?done=removed#groups-title", request)


def _groups_page(
    request: Request,
    session: SessionDep,
    access: ClubAccess,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[forms.FieldError]] | None = None,
) -> HTMLResponse:
    return _page(
        request,
        access,
        "members/groups.html",
        status_code,
        nav="groups",
        groups=console_members.groups_listing(session, access),
        may_create=permits.MEMBER_GROUPS_CREATE in access.permits,
        may_edit=bool({permits.MEMBER_GROUPS_UPDATE, permits.MEMBER_GROUPS_DESTROY} & set(access.permits)),
        values=values or {},
        errors=errors or {},
        done=GROUP_PAGE_NOTICES.get(request.query_params.get("done", "")),
    )


@router.get("/{loyalty_club_slug}/groups")
def groups_page(request: Request, access: GroupsList, session: SessionDep) -> HTMLResponse:
    """The club's member groups with their member counts (the API's ``GET …/members/groups``)."""
    return _groups_page(request, session, access)


@router.post("/{loyalty_club_slug}/groups")
def create_group(request: Request, access: GroupsCreate, _csrf: CsrfChecked, form: Form, session: SessionDep):
    try:
        console_members.create_group(session, access, form.get("name"), form.get("description"))
    except ValidationFailed as exc:
        session.rollback()
        errors = forms.field_errors(exc.extra.get("details") or {})
        return _groups_page(request, session, access, 422, forms.form_values(form), errors)
    return redirect(f"/console/{access.club.slug}/groups?done=created", request)


def _group_page(
    request: Request,
    session: SessionDep,
    access: ClubAccess,
    group_id: int,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[forms.FieldError]] | None = None,
) -> HTMLResponse:
    group, count = console_members.group(session, access, group_id)
    return _page(
        request,
        access,
        "members/group.html",
        status_code,
        nav="groups",
        group=group,
        members_count=count,
        may_update=permits.MEMBER_GROUPS_UPDATE in access.permits,
        may_destroy=permits.MEMBER_GROUPS_DESTROY in access.permits,
        values=values or {"name": group.name, "description": group.description or ""},
        errors=errors or {},
        done=GROUP_PAGE_NOTICES.get(request.query_params.get("done", "")),
    )


@router.get("/{loyalty_club_slug}/groups/{group_id:int}")
def group_page(request: Request, access: GroupsList, session: SessionDep, group_id: GroupId) -> HTMLResponse:
    """One group: rename it, change its description, delete it (the API's ``PATCH``/``DELETE …/groups/{id}``)."""
    return _group_page(request, session, access, group_id)


@router.post("/{loyalty_club_slug}/groups/{group_id:int}")
def update_group(
    request: Request, access: GroupsUpdate, _csrf: CsrfChecked, form: Form, session: SessionDep, group_id: GroupId
) -> Response:
    try:
        console_members.update_group(session, access, group_id, form.get("name"), form.get("description"))
    except ValidationFailed as exc:
        session.rollback()
        errors = forms.field_errors(exc.extra.get("details") or {})
        return _group_page(request, session, access, group_id, 422, forms.form_values(form), errors)
    return redirect(f"/console/{access.club.slug}/groups/{group_id}?done=saved", request)


@router.post("/{loyalty_club_slug}/groups/{group_id:int}/delete")
def delete_group(
    request: Request, access: GroupsDestroy, _csrf: CsrfChecked, session: SessionDep, group_id: GroupId
) -> Response:
    console_members.delete_group(session, access, group_id)
    return redirect(f"/console/{access.club.slug}/groups?done=deleted", request)
