"""Rendering console pages: the Jinja2 environment, the pages' security headers, and the route class that
turns errors into HTML pages (a sign-in redirect, or an error page with the API's status and message)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from loyaltyhub.console.i18n import LANGUAGE_COOKIE, LANGUAGES, language_of, translator
from loyaltyhub.errors import ApiError
from loyaltyhub.http.routing import LoyaltyRoute, LoyaltyRouter

if TYPE_CHECKING:
    from jinja2 import Environment

STATIC_URL = "/console/static"
# Every script and style is a file of the app: no inline script, no other origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """No live console session: the page answers with a redirect to the sign-in page."""


@cache
def environment() -> Environment:
    """The templates' environment, built (and Jinja2 loaded) by the first page served."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("loyaltyhub.console", "templates"),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = lambda name: f"{STATIC_URL}/{name}"
    env.filters["local"] = local_time
    return env


def local_time(value: datetime | None, club: Any) -> str:
    """A moment as the club's wall time (``YYYY-MM-DD HH:MM``)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(club.timezone)).strftime("%Y-%m-%d %H:%M")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("request", request)
    context.setdefault("staff", getattr(request.state, "console_staff", None))
    club = context.get("club") or getattr(request.state, "club", None)
    context["lang"] = language_of(request.cookies.get(LANGUAGE_COOKIE), club)
    context["_"] = translator(context["lang"])
    context["ui_languages"] = LANGUAGES
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def redirect(url: str, request: Request | None = None) -> Response:
    """303 to ``url``; an htmx request gets ``HX-Redirect`` so the whole page moves, not a fragment."""
    if request is not None and request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


ERROR_TITLES = {
    401: "Signed out",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    429: "Too many requests",
}


class ConsoleRoute(LoyaltyRoute):
    """A console page: reads its own form bodies, and answers errors as HTML."""

    refuses_unexpected_body = False

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return redirect(f"/console/login?next={quote(target, safe='')}", request)
            except ApiError as exc:
                return render(
                    request,
                    "error.html",
                    status_code=exc.status_code,
                    title=ERROR_TITLES.get(exc.status_code, "Error"),
                    message=exc.message,
                )

        return console_handler


class ConsoleRouter(LoyaltyRouter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", ConsoleRoute)
        kwargs.setdefault("include_in_schema", False)
        super().__init__(**kwargs)
