"""HTTP routes of the messages history (management and the signed-in member) and of ``Generate Link``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth, HeaderClubAuth, PublicApiHeaders
from loyaltyhub.auth.principal import Principal
from loyaltyhub.errors import NotFound
from loyaltyhub.http.pagination import PageDep
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity.dependencies import resolve_me
from loyaltyhub.members.models import Member
from loyaltyhub.members.repository import member_or_404
from loyaltyhub.messaging import history, tracking
from loyaltyhub.messaging.links import PublicUrls
from loyaltyhub.messaging.schemas import GeneratedLink, GenerateLinkBody, MemberMessage, MessagesHistory

router = LoyaltyRouter(tags=["Messaging API"])

HistoryType = Literal["sms", "email", "push"]


class HeaderMeAuth(HeaderClubAuth):
    """``/v1/members/me/...``: the club of ``X-Loyalty-Club-Slug`` (or a one-club ``X-Customer``), a member
    app's client token with the permits, and the signed-in member of its member token (460 otherwise)."""

    member_token = "required"

    def __init__(self, *permits: str) -> None:
        super().__init__(*permits, client_only=True)

    async def __call__(self, request: Request, session: SessionDep, _headers: PublicApiHeaders) -> MemberContext:  # type: ignore[override]
        principal = await self.authenticate(request, session)
        return await run_in_threadpool(self._me, request, session, principal)

    def _me(self, request: Request, session: SessionDep, principal: Principal) -> MemberContext:
        return resolve_me(request, session, self._resolve(request, session, principal))


HistoryList = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.MESSAGES_HISTORY_LIST))]
MyHistory = Annotated[MemberContext, Depends(HeaderMeAuth(permits.MEMBER_MESSAGES_HISTORY_LIST))]
LinksGenerate = Annotated[ClubAccess, Depends(ClubAuth(permits.LINKS_GENERATE))]


@router.get("/v1/messages_history", response_model=MessagesHistory, responses=errors(401, 403, 404, 422, 470))
def list_messages_history(
    access: HistoryList,
    session: SessionDep,
    page: PageDep,
    type: Annotated[list[HistoryType] | None, Query(description="Message types to return")] = None,
    member_id: Annotated[int | None, Query(ge=1, description="Only messages sent to this member")] = None,
) -> MessagesHistory:
    """Messages sent from the club (newest first), as the recipients got them."""
    statement = history.history(access.club_id, member_id=member_id, types=type, distinct=False)
    rows, info = history.page(session, statement, page)
    return MessagesHistory(messages=[history.message_of(access.club, *row) for row in rows], pagination_info=info)


@router.get(
    "/v1/members/me/messages_history", response_model=MessagesHistory, responses=errors(401, 403, 404, 422, 460, 470)
)
def list_my_messages_history(
    me: MyHistory,
    session: SessionDep,
    page: PageDep,
    types: Annotated[list[HistoryType] | None, Query(description="Message types to return")] = None,
    distinct: Annotated[bool, Query(description="One message per sending")] = False,
) -> MessagesHistory:
    """Messages sent to the signed-in member (newest first), as they got them."""
    assert me.member is not None
    statement = history.history(me.access.club_id, member_id=me.member.id, types=types, distinct=distinct)
    rows, info = history.page(session, statement, page)
    return MessagesHistory(messages=[history.message_of(me.access.club, *row) for row in rows], pagination_info=info)


@router.post(
    "/v3/{loyalty_club_slug}/links/generate", response_model=GeneratedLink, responses=errors(401, 403, 404, 422)
)
def generate_link(
    body: GenerateLinkBody, access: LinksGenerate, session: SessionDep, request: Request
) -> GeneratedLink:
    """A short link to any http(s) URL; its visits are counted per device and reported with
    ``source_id`` ``generated``."""
    link = tracking.generate_link(session, access.club_id, body.link_params.url)
    settings = request.app.state.settings
    urls = PublicUrls(settings.links_base_url, settings.secret_key)
    return GeneratedLink(url=urls.short(access.club_id, link.code))


# --- The older docs' per-member paths (reference (f).3, (f).11; docs/decisions/compatibility.md) -----------
MemberHistory = Annotated[ClubAccess, Depends(ClubAuth(permits.MESSAGES_HISTORY_LIST))]


def member_of_history(member_id: int, access: MemberHistory, session: SessionDep) -> Member:
    return member_or_404(session, access.club_id, member_id)


@router.get(
    "/v3/{loyalty_club_slug}/members/{member_id:int}/messages",
    response_model=MessagesHistory,
    responses=errors(401, 403, 404, 422),
)
def list_member_messages(
    access: MemberHistory,
    member: Annotated[Member, Depends(member_of_history)],
    session: SessionDep,
    page: PageDep,
    type: Annotated[HistoryType | None, Query(description="Only messages of this type")] = None,
    include_content: Annotated[bool, Query(description="Accepted: loyaltyhub always answers the content")] = False,
) -> MessagesHistory:
    """List Member Messages (the older docs' path of the messages history for one member)."""
    statement = history.history(access.club_id, member_id=member.id, types=[type] if type else None, distinct=False)
    rows, info = history.page(session, statement, page)
    return MessagesHistory(messages=[history.message_of(access.club, *row) for row in rows], pagination_info=info)


@router.get(
    "/v3/{loyalty_club_slug}/members/{member_id:int}/messages/{message_id}",
    response_model=MemberMessage,
    responses=errors(401, 403, 404),
)
def show_member_message(
    access: MemberHistory, member: Annotated[Member, Depends(member_of_history)], message_id: str, session: SessionDep
) -> MemberMessage:
    """Get Member Message (the older docs): ``{"message": ...}``; 404 ``Message not found``."""
    row = history.one_of_member(session, access.club_id, member.id, message_id)
    if row is None:
        raise NotFound("Message not found")
    return MemberMessage(message=history.message_of(access.club, *row))
