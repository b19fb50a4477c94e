"""FastAPI dependencies of the console: the signed-in staff user, the club of the path with the user's
permits on it (the API's authenticator rules, answered as pages), CSRF checks and form bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Path, Request

from loyaltyhub.auth.context import ClubAccess, CustomerAccess
from loyaltyhub.auth.customers import clubs_of
from loyaltyhub.auth.principal import Principal
from loyaltyhub.auth.service import user_principal
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.console.pages import LoginRequired
from loyaltyhub.console.sessions import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, csrf_for, same
from loyaltyhub.errors import BadRequest, Forbidden, NotFound, ValidationFailed, details_tree
from loyaltyhub.http.input_guard import unstorable_json
from loyaltyhub.http.session import SessionDep

FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class FormData:
    """An HTML form's fields (``application/x-www-form-urlencoded``), in the order sent."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        values = self.getlist(name)
        return values[-1] if values else default

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.items if key == name]

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self.items)


async def form_data(request: Request) -> FormData:
    """The request's form (empty for a GET). Only URL-encoded forms: the console uploads no files."""
    if request.method != "POST":
        return FormData()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if raw.strip() and kind != FORM_TYPE:
        raise BadRequest(f"Expected a form ({FORM_TYPE})")
    try:
        items = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=500)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Malformed form")
    # Text no column can store (NUL, lone surrogates) is refused as the API's input guard refuses it.
    problems = unstorable_json({"form": [[key, value] for key, value in items]})
    if problems:
        raise ValidationFailed(details_tree([((items[int(p[0][1])][0],), p[1], p[2]) for p in problems]))
    return FormData(items)


Form = Annotated[FormData, Depends(form_data)]


@dataclass(frozen=True)
class Staff:
    """The signed-in staff user: who, the session's token and CSRF token, and the clubs they may open."""

    principal: Principal
    token: str
    csrf: str
    clubs: tuple[LoyaltyClub, ...]

    @property
    def email(self) -> str:
        return str(self.principal.extra.get("email") or self.principal.name)


def current_staff(request: Request, session: SessionDep) -> Staff:
    token = request.cookies.get(SESSION_COOKIE)
    principal = user_principal(session, token) if token else None
    if token is None or principal is None:
        raise LoginRequired()
    staff = Staff(
        principal=principal,
        token=token,
        csrf=csrf_for(request.app.state.settings.secret_key, token),
        clubs=tuple(clubs_of(session, principal)),
    )
    request.state.console_staff = staff
    request.state.principal = principal
    request.state.actor_key = principal.actor_key
    return staff


StaffDep = Annotated[Staff, Depends(current_staff)]


def check_csrf(request: Request, staff: StaffDep, form: Form) -> None:
    """Every state-changing request carries the session's CSRF token (form field or htmx header)."""
    if request.method == "POST" and not same(staff.csrf, form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)):
        raise Forbidden("The form has expired or did not come from this console: reload the page and try again")


CsrfChecked = Annotated[None, Depends(check_csrf)]


def console_club(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    loyalty_club_slug: Annotated[str, Path(max_length=100)],
) -> ClubAccess:
    """The club of the path with the user's permits on it. A club the user may not open is not found,
    exactly like one that does not exist (the console never tells which clubs exist)."""
    club = club_by_slug(session, loyalty_club_slug)
    if club is None or not staff.principal.covers(club):
        raise NotFound(f"Loyalty club {loyalty_club_slug} not found")
    request.state.loyalty_club_id = club.id
    request.state.club = club
    return ClubAccess(principal=staff.principal, club=club, permits=staff.principal.permits_on(club))


ConsoleClub = Annotated[ClubAccess, Depends(console_club)]


class Needs:
    """The club of the path, holding ``permits`` (403 page ``Missing permit …`` otherwise)."""

    def __init__(self, *permits: str) -> None:
        self.permits = permits

    def __call__(self, access: ConsoleClub) -> ClubAccess:
        access.require(*self.permits)
        return access


def organization_access(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    organization_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> CustomerAccess:
    """The clubs of an organization the user covers, as one Customer context (the Reporting API's
    organization context): the permits every one of them grants. No club of it: not found."""
    clubs = tuple(c for c in staff.clubs if c.organization_id == organization_id)
    if not clubs:
        raise NotFound(f"Organization {organization_id} not found")
    held = frozenset.intersection(*(staff.principal.permits_on(club) for club in clubs))
    request.state.organization_clubs = clubs
    return CustomerAccess(principal=staff.principal, clubs=clubs, permits=held, organization_context=True)
