"""Points routes: a member's status (Public API), grant points, corrections, cancellations and the
transactions list (Management API), and points posted by a point of sale (Data API)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body, Depends, Query, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import NotFound
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import Page, PageDep
from loyaltyhub.http.responses import JSONResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.models import Member
from loyaltyhub.members.repository import member_by_lookup
from loyaltyhub.rewards.dependencies import (
    ClubMember,
    MemberIdPath,
    Now,
    RewardsMemberAuth,
    TransactionIdPath,
    club_member,
)
from loyaltyhub.rewards.points import pos, repository, service
from loyaltyhub.rewards.points.schemas import (
    CorrectionBody,
    GrantPointsBody,
    PosFeedback,
    PosPointsBody,
    StatusOut,
    TransactionBody,
    TransactionsOut,
)
from loyaltyhub.rewards.program import service as program_service

router = LoyaltyRouter(tags=["Rewards: points"])
MEMBER = "/v1/{loyalty_club_slug}/members/{member_id}/rewards-program"

StatusMember = Annotated[MemberContext, Depends(RewardsMemberAuth(permits.REWARDS_MY_STATUS, permits.REWARDS_STATUS))]
Grant = Annotated[ClubMember, Depends(club_member(permits.REWARDS_GRANT_POINTS))]
Correct = Annotated[ClubMember, Depends(club_member(permits.REWARDS_TRANSACTIONS_CORRECT))]
Cancel = Annotated[ClubMember, Depends(club_member(permits.REWARDS_TRANSACTIONS_CANCEL))]
ListTransactions = Annotated[ClubMember, Depends(club_member(permits.REWARDS_TRANSACTIONS_LIST))]
PosPoints = Annotated[ClubAccess, Depends(ClubAuth(permits.TRANSACTION_POINTS_CREATE))]
WalletGet = Annotated[ClubAccess, Depends(ClubAuth(permits.TRANSACTION_POINTS_GET))]
WalletList = Annotated[ClubAccess, Depends(ClubAuth(permits.TRANSACTION_POINTS_LIST))]


def status_page(
    per_page: Annotated[int, Query(ge=1, le=1000, description="Transactions per page (1000 is the maximum)")] = 1000,
    page: Annotated[int, Query(ge=1, le=2**40, description="Transactions page, from 1")] = 1,
) -> Page:
    return Page(page_no=page, per_page=per_page)


@router.get(
    "/v3/{loyalty_club_slug}/members/{member_ref}/rewards-program/status",
    responses={200: {"model": StatusOut}, **errors(401, 403, 404, 405, 422, 460, 470, 471)},
)
def member_status(context: StatusMember, session: SessionDep, page: Annotated[Page, Depends(status_page)], now: Now):
    """The member's Rewards Program status (reference (a).2, (a).9): balance, level, points about to
    expire and the transactions, newest first. ``me`` needs the member token and
    ``Rewards:Api:OAuth:Memberships:CheckStatus``; a member id needs ``Rewards:Api:Memberships:CheckStatus``.
    A member who has not joined gets ``{"membership": false}``."""
    assert context.member is not None  # allow_guest=False
    body = service.status_json(session, context.access.club, context.member, page, now)
    return Response(body, media_type="application/json")


@router.post(
    MEMBER + "/grant_points", responses={200: {"model": TransactionBody}, **errors(401, 403, 404, 402, 409, 422, 480)}
)
def grant_points(target: Grant, _: Idempotent, session: SessionDep, now: Now, body: GrantPointsBody):
    """Grant points to a member (reference (a).10): a ``grant`` transaction, expiring by the club's policy."""
    row = service.grant_points(
        session,
        target.access.club,
        target.member,
        points=body.points,
        grant_type=body.grant_type,
        grant_properties=body.grant_properties,
        now=now,
    )
    return JSONResponse({"transaction": repository.render_transaction(row)})


@router.post(
    MEMBER + "/corrections", responses={200: {"model": TransactionBody}, **errors(401, 403, 404, 402, 409, 422, 480)}
)
def correct_points(target: Correct, _: Idempotent, session: SessionDep, now: Now, body: CorrectionBody):
    """Correct a member's points: positive points are added (expiring by the club's policy), negative
    ones taken from the points that expire first; 422 ``Not enough points`` below zero."""
    row = service.correct_points(
        session, target.access.club, target.member, points=body.points, comment=body.comment, now=now
    )
    return JSONResponse({"transaction": repository.render_transaction(row)})


@router.delete(
    MEMBER + "/transactions/{transaction_id}/cancel",
    responses={200: {"model": TransactionBody}, **errors(401, 403, 404, 405, 422)},
)
def cancel_transaction(target: Cancel, transaction_id: TransactionIdPath, session: SessionDep, now: Now):
    """Cancel a transaction (reference (a).11): a ``cancellation`` takes back the points it added that have
    not expired; the original gets ``cancelled_at``. 405 for a debit, an expiration, a cancellation, a
    cancelled transaction, or points already spent."""
    row = service.cancel_transaction(session, target.access.club, target.member, transaction_id, now)
    return JSONResponse({"transaction": repository.render_transaction(row)})


@router.get(MEMBER + "/transactions", responses={200: {"model": TransactionsOut}, **errors(401, 403, 404, 422)})
def list_transactions(target: ListTransactions, session: SessionDep, page: PageDep):
    """A member's points transactions, newest first (also after the member left the program)."""
    rows, total = repository.transactions_page(session, target.access.club_id, target.member.id, page)
    return JSONResponse(
        {
            "transactions": [repository.render_transaction(row) for row in rows],
            "pagination_info": page.info(total).model_dump(),
        }
    )


@router.post(
    "/v3/{loyalty_club_slug}/transactions/points",
    responses={200: {"model": list[PosFeedback]}, **errors(401, 402, 403, 404, 409, 422)},
)
def post_points(
    body: Annotated[PosPointsBody, Body()], access: PosPoints, _: Idempotent, session: SessionDep, now: Now
):
    """Points from a point of sale (reference (a).5): one feedback per item, in order. An item with
    ``transaction_id`` counts once, however often (or in parallel) it is posted."""
    return JSONResponse(pos.post_points(session, access.club, body, now))


# --- The older docs' wallet reads (reference (a).5; docs/decisions/compatibility.md) ------------------------
POINTS = "/v3/{loyalty_club_slug}/transactions/points"


def _wallets(session: SessionDep, access: ClubAccess, identifier_type: str, identifier: str) -> JSONResponse:
    member: Member = member_by_lookup(session, access.club, identifier_type, identifier)
    account = program_service.account_of(session, access.club_id, member.id)
    return JSONResponse({repository.WALLET: account.balance if account is not None else 0})


WALLET_ERRORS = errors(401, 403, 404, 422)


@router.get(POINTS + "/by_member_id/{member_id}", responses={200: {"model": dict[str, int]}, **WALLET_ERRORS})
def wallet_points_by_member_id(member_id: MemberIdPath, access: WalletGet, session: SessionDep):
    """A member's points per wallet (the older Transaction API): ``{"default_wallet": balance}``, loyaltyhub's
    one wallet (0 for a member outside the Rewards Program); 404 for no such member."""
    return _wallets(session, access, "id", str(member_id))


@router.get(POINTS + "/by_msisdn/{msisdn}", responses={200: {"model": dict[str, int]}, **WALLET_ERRORS})
def wallet_points_by_msisdn(msisdn: str, access: WalletGet, session: SessionDep):
    """A member's points per wallet, by MSISDN (422 when malformed): ``{"default_wallet": balance}``."""
    return _wallets(session, access, "msisdn", msisdn)


@router.get(POINTS + "/by_email/{email}", responses={200: {"model": dict[str, int]}, **WALLET_ERRORS})
def wallet_points_by_email(email: str, access: WalletGet, session: SessionDep):
    """A member's points per wallet, by e-mail (422 when malformed): ``{"default_wallet": balance}``."""
    return _wallets(session, access, "email", email)


@router.get(POINTS + "/events/{member_id}", responses={200: {"model": list[dict]}, **WALLET_ERRORS})
def wallet_point_events(
    member_id: MemberIdPath,
    access: WalletList,
    session: SessionDep,
    type: Annotated[
        Literal["issue_points", "use_points", "revoke_points", "expire_points"] | None, Query(description="Event type")
    ] = None,
    event: Annotated[str | None, Query(max_length=200)] = None,
    message: Annotated[str | None, Query(max_length=500)] = None,
    wallet: Annotated[str | None, Query(max_length=100)] = None,
    amount: Annotated[int | None, Query(ge=-(2**31), le=2**31 - 1)] = None,
    receipt_id: Annotated[str | None, Query(max_length=100)] = None,
    store_id: Annotated[str | None, Query(max_length=100)] = None,
    external_event_id: Annotated[str | None, Query(max_length=100)] = None,
):
    """Member Points List (the older Transaction API): the member's point events, oldest first, each with the
    wallet balance after it, filtered by the given fields (all must match)."""
    try:
        member = member_by_lookup(session, access.club, "id", str(member_id))
    except NotFound:
        raise NotFound("Member does not exist")
    wanted = {
        "type": type,
        "event": event,
        "message": message,
        "wallet": wallet,
        "amount": amount,
        "receipt_id": receipt_id,
        "store_id": store_id,
        "external_event_id": external_event_id,
    }
    wanted = {key: value for key, value in wanted.items() if value is not None}
    events = repository.wallet_events(session, access.club_id, member.id)
    return JSONResponse([e for e in events if all(e[key] == value for key, value in wanted.items())])
