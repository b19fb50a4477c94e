"""The public link endpoints members reach from the messages they got (no credentials: the URL is the
capability). Short links answer 302 to their URL and record the visit; the open pixel records an open;
the one-click unsubscribe (RFC 8058) clears the e-mail marketing consent. See
:mod:`loyaltyhub.messaging.links` for how the URLs are spelled and signed."""

from __future__ import annotations

import html
import secrets
from typing import Annotated

from fastapi import Path, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from loyaltyhub.errors import NotFound
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRoute, LoyaltyRouter
from loyaltyhub.http.session import SessionDep, writes_on_read
from loyaltyhub.messaging import tracking
from loyaltyhub.messaging.links import parse_link_ref, parse_recipient_ref

DEVICE_COOKIE = "lh_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600
# The smallest transparent GIF.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
NO_STORE = {"Cache-Control": "no-store, max-age=0"}


class LinkRoute(LoyaltyRoute):
    """The unsubscribe POST carries the form body RFC 8058 prescribes (``List-Unsubscribe=One-Click``)."""

    refuses_unexpected_body = False


router = LoyaltyRouter(prefix="/s", tags=["Links"], route_class=LinkRoute)

LinkRef = Annotated[str, Path(max_length=60, description="The short link: `<club id>-<code>`")]
RecipientRef = Annotated[str, Path(max_length=80, description="The signed recipient: `<club>.<dispatch>.<signature>`")]


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


def _recipient(request: Request, ref: str) -> tuple[int, int]:
    found = parse_recipient_ref(_secret(request), ref)
    if found is None:
        raise NotFound("Message not found")
    return found


@router.get("/open/{pixel}", responses=errors(404), response_class=Response)
@writes_on_read
def open_pixel(request: Request, session: SessionDep, pixel: Annotated[str, Path(max_length=90)]) -> Response:
    """The 1x1 image of a tracked e-mail: counts an open of the message (the first one is kept)."""
    club_id, dispatch_id = _recipient(request, pixel.removesuffix(".gif"))
    tracking.record_open(session, club_id, dispatch_id)
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


def _unsubscribe_page(title: str, text: str, form: bool = False) -> HTMLResponse:
    button = (
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
        if form
        else ""
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{button}</body></html>"
    )
    return HTMLResponse(page, headers=NO_STORE)


@router.get("/unsubscribe/{recipient_ref}", responses=errors(404), response_class=HTMLResponse)
def unsubscribe_page(request: Request, session: SessionDep, recipient_ref: RecipientRef) -> HTMLResponse:
    """The page a recipient's mail client or browser opens: it asks to confirm (a GET changes nothing,
    so link scanners cannot unsubscribe anyone)."""
    club_id, dispatch_id = _recipient(request, recipient_ref)
    tracking.dispatch_of(session, club_id, dispatch_id)
    return _unsubscribe_page("Unsubscribe", "Stop receiving marketing e-mail from us?", form=True)


@router.post("/unsubscribe/{recipient_ref}", responses=errors(404), response_class=HTMLResponse)
def unsubscribe(request: Request, session: SessionDep, recipient_ref: RecipientRef) -> HTMLResponse:
    """One-click unsubscribe (RFC 8058 ``List-Unsubscribe-Post``): the recipient's e-mail marketing
    consent is cleared. Idempotent."""
    club_id, dispatch_id = _recipient(request, recipient_ref)
    tracking.unsubscribe(session, tracking.club_of(session, club_id), dispatch_id)
    return _unsubscribe_page("Unsubscribed", "You will not receive marketing e-mail from us any more.")


def _visit(request: Request, session: SessionDep, link_ref: str, recipient_ref: str | None) -> Response:
    parsed = parse_link_ref(link_ref)
    if parsed is None:
        raise NotFound("Link could not be found")
    club_id, code = parsed
    link = tracking.link_by_code(session, club_id, code)
    dispatch = None
    if recipient_ref is not None:
        recipient = parse_recipient_ref(_secret(request), recipient_ref)
        if recipient is not None and recipient[0] == club_id:
            dispatch = tracking.dispatch_or_none(session, club_id, recipient[1])
    device = request.cookies.get(DEVICE_COOKIE)
    new_device = device is None or len(device) != 32 or not device.isalnum()
    if new_device:
        device = secrets.token_hex(16)
    tracking.record_visit(session, link, dispatch=dispatch, device=device)
    response = RedirectResponse(link.url, status_code=302, headers=NO_STORE)
    if new_device:
        response.set_cookie(DEVICE_COOKIE, device or "", max_age=DEVICE_COOKIE_MAX_AGE, httponly=True, samesite="lax")
    return response


@router.get("/{link_ref}", status_code=302, responses=errors(404), response_class=RedirectResponse)
@writes_on_read
def visit_link(request: Request, session: SessionDep, link_ref: LinkRef) -> Response:
    """A short link: 302 to its URL; the visit is counted per device (a cookie)."""
    return _visit(request, session, link_ref, None)


@router.get("/{link_ref}/{recipient_ref}", status_code=302, responses=errors(404), response_class=RedirectResponse)
@writes_on_read
def visit_tracked_link(
    request: Request, session: SessionDep, link_ref: LinkRef, recipient_ref: RecipientRef
) -> Response:
    """A short link tracked to its recipient: 302 to its URL; the visit is counted per member (or per
    recipient when it is not a member)."""
    return _visit(request, session, link_ref, recipient_ref)
