"""Catalogue routes: rewards CRUD (Management API, ``/v1/{slug}/rewards-program/rewards``) and the
member's rewards, purchased rewards, purchase and use (Public API, reference (a).3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import JSONResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.rewards.catalogue import service
from loyaltyhub.rewards.catalogue.schemas import (
    MemberRewardsOut,
    PurchasedRewardsOut,
    PurchaseOut,
    RewardCreate,
    RewardOut,
    RewardsPage,
    RewardUpdate,
    RewardUseOut,
)
from loyaltyhub.rewards.dependencies import Now, RewardIdPath, RewardsMemberAuth
from loyaltyhub.rewards.models import Reward
from loyaltyhub.rewards.program import service as program_service

router = LoyaltyRouter(tags=["Rewards: catalogue"])
CATALOGUE = "/v1/{loyalty_club_slug}/rewards-program/rewards"
MEMBER = "/v3/{loyalty_club_slug}/members/{member_ref}/rewards-program/rewards"

CatalogueList = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_CATALOGUE_LIST))]
CatalogueCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_CATALOGUE_CREATE))]
CatalogueUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_CATALOGUE_UPDATE))]
CatalogueDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_CATALOGUE_DESTROY))]
MemberList = Annotated[MemberContext, Depends(RewardsMemberAuth(permits.REWARDS_LIST, permits.REWARDS_LIST_BY_ID))]
MemberPurchased = Annotated[
    MemberContext,
    Depends(RewardsMemberAuth(permits.REWARDS_LIST_PURCHASED, permits.REWARDS_LIST_PURCHASED_BY_ID)),
]
MemberPurchase = Annotated[
    MemberContext, Depends(RewardsMemberAuth(permits.REWARDS_PURCHASE, permits.REWARDS_PURCHASE_BY_ID))
]
MemberUse = Annotated[MemberContext, Depends(RewardsMemberAuth(permits.REWARDS_USE, permits.REWARDS_USE_BY_ID))]


def reward_to_update(access: CatalogueUpdate, reward_id: RewardIdPath, session: SessionDep) -> Reward:
    """The reward of a PATCH, found (404) before its body is validated."""
    return service.reward_or_404(session, access.club_id, reward_id)


RewardToUpdate = Annotated[Reward, Depends(reward_to_update)]
MEMBER_ERRORS = (401, 402, 403, 404, 405, 422, 460, 470, 471, 480)


@router.get(CATALOGUE, responses={200: {"model": RewardsPage}, **errors(401, 403, 404, 422)})
def list_catalogue(access: CatalogueList, session: SessionDep, page: PageDep):
    """The club's rewards (not archived), with what was sold and what is left."""
    rewards, info = paginate(session, service.rewards_statement(access.club_id), page)
    return JSONResponse(
        {"rewards": [service.render_reward(reward) for reward in rewards], "pagination_info": info.model_dump()}
    )


@router.post(CATALOGUE, status_code=201, responses={201: {"model": RewardOut}, **errors(401, 403, 404, 409, 422)})
def create_reward(body: RewardCreate, access: CatalogueCreate, _: Idempotent, session: SessionDep):
    """Create a reward priced in points, with an optional stock and per-member limit."""
    reward = service.create_reward(session, access.club_id, body.values())
    return JSONResponse(service.render_reward(reward), status_code=201)


@router.get(CATALOGUE + "/{reward_id}", responses={200: {"model": RewardOut}, **errors(401, 403, 404, 422)})
def show_reward(access: CatalogueList, reward_id: RewardIdPath, session: SessionDep):
    """One reward of the catalogue."""
    return JSONResponse(service.render_reward(service.reward_or_404(session, access.club_id, reward_id)))


@router.patch(CATALOGUE + "/{reward_id}", responses={200: {"model": RewardOut}, **errors(401, 403, 404, 422)})
def update_reward(reward: RewardToUpdate, session: SessionDep, body: RewardUpdate):
    """Change a reward (the keys given). Raising the stock while members buy is safe: each purchase
    takes one item with a conditional update."""
    body.refuse_changed_read_only(lambda: service.render_reward(reward))
    reward = service.update_reward(session, reward, body.values())
    return JSONResponse(service.render_reward(reward))


@router.delete(CATALOGUE + "/{reward_id}", status_code=204, responses=errors(401, 403, 404, 422))
def archive_reward(access: CatalogueDestroy, reward_id: RewardIdPath, session: SessionDep, now: Now):
    """Archive a reward: it leaves the catalogue; members keep and can use what they purchased."""
    service.archive_reward(session, service.reward_or_404(session, access.club_id, reward_id), now)
    return Response(status_code=204)


@router.get(MEMBER, responses={200: {"model": MemberRewardsOut}, **errors(*MEMBER_ERRORS)})
def member_rewards(context: MemberList, session: SessionDep, now: Now):
    """Rewards the member can purchase now (reference (a).3)."""
    assert context.member is not None
    program_service.enabled_program(session, context.club_id)
    program_service.require_participant(session, context.club_id, context.member.id)
    rewards = service.visible_rewards(session, context.club_id, now)
    return JSONResponse({"rewards": [service.render_member_reward(reward) for reward in rewards]})


@router.get(MEMBER + "/purchased", responses={200: {"model": PurchasedRewardsOut}, **errors(*MEMBER_ERRORS)})
def purchased_rewards(context: MemberPurchased, session: SessionDep, now: Now):
    """The member's purchased rewards with their usage, newest first (reference (a).3)."""
    assert context.member is not None
    program_service.enabled_program(session, context.club_id)
    program_service.require_participant(session, context.club_id, context.member.id)
    return JSONResponse({"rewards": service.purchased_rewards(session, context.club_id, context.member.id, now)})


@router.post(
    MEMBER + "/{reward_id}/purchase",
    responses={200: {"model": PurchaseOut}, **errors(*MEMBER_ERRORS, 409, 422, 467)},
)
def purchase_reward(context: MemberPurchase, reward_id: RewardIdPath, _: Idempotent, session: SessionDep, now: Now):
    """Purchase a reward with points (reference (a).3): 422 ``Not enough points``, ``Member level is not
    high enough``, ``Global limit exceeded`` (no stock), ``User limit exceeded`` (the member's limit);
    467 banned; 480 not participating. With ``Idempotency-Key`` a retried request buys once."""
    assert context.member is not None
    bought = service.purchase(session, context.access.club, context.member, reward_id, now)
    return JSONResponse({"purchase": service.render_purchase(bought)})


@router.post(
    MEMBER + "/{reward_id}/use", responses={200: {"model": RewardUseOut}, **errors(*MEMBER_ERRORS, 409, 422, 467)}
)
def use_reward(context: MemberUse, reward_id: RewardIdPath, _: Idempotent, session: SessionDep, now: Now):
    """Use (activate) a purchased reward for the program's activation time (reference (a).3): 422
    ``Already active``, ``Not granted``, ``User limit exceeded``; 467 banned; 480 not participating."""
    assert context.member is not None
    program = program_service.enabled_program(session, context.club_id)
    usage = service.use(session, context.access.club, program, context.member, reward_id, now)
    return JSONResponse({"usage": usage})
