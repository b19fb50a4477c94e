"""Achievements routes: management CRUD (``/v1/{slug}/rewards-program/achievements``), the member's
achievements summary (Public API, reference (a).2), and the point multipliers (Triggerer › Point
multipliers in the vendor's navigation: ``/v3/{slug}/triggerer/point_multipliers``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import JSONResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.rewards.achievements import service
from loyaltyhub.rewards.achievements.schemas import (
    AchievementCreate,
    AchievementOut,
    AchievementsPage,
    AchievementsSummaryOut,
    AchievementUpdate,
    MultiplierCreate,
    MultiplierOut,
    MultipliersPage,
    MultiplierUpdate,
)
from loyaltyhub.rewards.dependencies import Now, RewardsMemberAuth
from loyaltyhub.rewards.models import Achievement, PointMultiplier
from loyaltyhub.rewards.points import multipliers
from loyaltyhub.rewards.program import service as program_service

router = LoyaltyRouter(tags=["Rewards: achievements"])
ACHIEVEMENTS = "/v1/{loyalty_club_slug}/rewards-program/achievements"
MULTIPLIERS = "/v3/{loyalty_club_slug}/triggerer/point_multipliers"

AchievementIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Achievement id")]
MultiplierIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Point multiplier id")]
ListAchievements = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_ACHIEVEMENTS_LIST))]
CreateAchievement = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_ACHIEVEMENTS_CREATE))]
UpdateAchievement = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_ACHIEVEMENTS_UPDATE))]
DestroyAchievement = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_ACHIEVEMENTS_DESTROY))]
ListMultipliers = Annotated[ClubAccess, Depends(ClubAuth(permits.POINT_MULTIPLIERS_LIST))]
CreateMultiplier = Annotated[ClubAccess, Depends(ClubAuth(permits.POINT_MULTIPLIERS_CREATE))]
UpdateMultiplier = Annotated[ClubAccess, Depends(ClubAuth(permits.POINT_MULTIPLIERS_UPDATE))]
DestroyMultiplier = Annotated[ClubAccess, Depends(ClubAuth(permits.POINT_MULTIPLIERS_DESTROY))]
SummaryMember = Annotated[MemberContext, Depends(RewardsMemberAuth(permits.REWARDS_MY_STATUS, permits.REWARDS_STATUS))]


def achievement_to_update(
    access: UpdateAchievement, achievement_id: AchievementIdPath, session: SessionDep
) -> Achievement:
    """The achievement of a PATCH, found (404) before its body is validated."""
    return service.achievement_or_404(session, access.club_id, achievement_id)


def multiplier_to_update(
    access: UpdateMultiplier, multiplier_id: MultiplierIdPath, session: SessionDep
) -> PointMultiplier:
    """The multiplier of a PATCH, found (404) before its body is validated."""
    return multipliers.multiplier_or_404(session, access.club_id, multiplier_id)


@router.get(ACHIEVEMENTS, responses={200: {"model": AchievementsPage}, **errors(401, 403, 404, 422)})
def list_achievements(access: ListAchievements, session: SessionDep, page: PageDep):
    """The club's achievements (not archived)."""
    rows, info = paginate(session, service.statement(access.club_id), page)
    return JSONResponse({"achievements": [service.render(row) for row in rows], "pagination_info": info.model_dump()})


@router.post(
    ACHIEVEMENTS, status_code=201, responses={201: {"model": AchievementOut}, **errors(401, 403, 404, 409, 422)}
)
def create_achievement(body: AchievementCreate, access: CreateAchievement, _: Idempotent, session: SessionDep):
    """Create an achievement: ``points`` for each member event of ``type``, at most ``limit`` times in
    all and ``frequency.limit`` times per calendar ``frequency.timespan`` of the club."""
    return JSONResponse(service.render(service.create(session, access.club_id, body.values())), status_code=201)


@router.get(
    ACHIEVEMENTS + "/{achievement_id}", responses={200: {"model": AchievementOut}, **errors(401, 403, 404, 422)}
)
def show_achievement(access: ListAchievements, achievement_id: AchievementIdPath, session: SessionDep):
    """One achievement."""
    return JSONResponse(service.render(service.achievement_or_404(session, access.club_id, achievement_id)))


@router.patch(
    ACHIEVEMENTS + "/{achievement_id}", responses={200: {"model": AchievementOut}, **errors(401, 403, 404, 422)}
)
def update_achievement(
    row: Annotated[Achievement, Depends(achievement_to_update)], session: SessionDep, body: AchievementUpdate
):
    """Change an achievement (the keys given); points already earned stay."""
    body.refuse_changed_read_only(lambda: service.render(row))
    return JSONResponse(service.render(service.update(session, row, body.values())))


@router.delete(ACHIEVEMENTS + "/{achievement_id}", status_code=204, responses=errors(401, 403, 404, 422))
def archive_achievement(access: DestroyAchievement, achievement_id: AchievementIdPath, session: SessionDep, now: Now):
    """Archive an achievement: it earns nothing more; the points earned with it stay."""
    service.archive(session, service.achievement_or_404(session, access.club_id, achievement_id), now)
    return Response(status_code=204)


@router.get(
    "/v3/{loyalty_club_slug}/members/{member_ref}/rewards-program/status/achievements_summary",
    responses={200: {"model": AchievementsSummaryOut}, **errors(401, 402, 403, 404, 422, 460, 470, 471, 480)},
)
def achievements_summary(
    context: SummaryMember,
    session: SessionDep,
    now: Now,
    months_no: Annotated[int, Query(ge=0, le=999, description="Number of last months to fetch")] = 12,
):
    """The member's achievements grouped by type and by month (reference (a).2), over the last
    ``months_no`` calendar months of the club (the current one included), newest month first."""
    assert context.member is not None
    program_service.enabled_program(session, context.club_id)
    program_service.require_participant(session, context.club_id, context.member.id)
    return JSONResponse(service.summary(session, context.access.club, context.member.id, months_no, now))


@router.get(MULTIPLIERS, responses={200: {"model": MultipliersPage}, **errors(401, 403, 404, 422)})
def list_multipliers(access: ListMultipliers, session: SessionDep, page: PageDep):
    """The club's point multipliers."""
    rows, info = paginate(session, multipliers.statement(access.club_id), page)
    return JSONResponse(
        {"point_multipliers": [multipliers.render(row) for row in rows], "pagination_info": info.model_dump()}
    )


@router.post(MULTIPLIERS, status_code=201, responses={201: {"model": MultiplierOut}, **errors(401, 403, 404, 409, 422)})
def create_multiplier(body: MultiplierCreate, access: CreateMultiplier, _: Idempotent, session: SessionDep):
    """Create a point multiplier: earned points × ``factor_percent`` / 100 when every condition given
    holds (stores, member groups, ``[starts_at, ends_at)``, earning sources). The highest factor that
    applies is used; factors never compound."""
    row = multipliers.create(session, access.club_id, body.values())
    return JSONResponse(multipliers.render(row), status_code=201)


@router.get(MULTIPLIERS + "/{multiplier_id}", responses={200: {"model": MultiplierOut}, **errors(401, 403, 404, 422)})
def show_multiplier(access: ListMultipliers, multiplier_id: MultiplierIdPath, session: SessionDep):
    """One point multiplier."""
    return JSONResponse(multipliers.render(multipliers.multiplier_or_404(session, access.club_id, multiplier_id)))


@router.patch(MULTIPLIERS + "/{multiplier_id}", responses={200: {"model": MultiplierOut}, **errors(401, 403, 404, 422)})
def update_multiplier(
    row: Annotated[PointMultiplier, Depends(multiplier_to_update)], session: SessionDep, body: MultiplierUpdate
):
    """Change a point multiplier (the keys given); it applies to points earned from then on."""
    body.refuse_changed_read_only(lambda: multipliers.render(row))
    return JSONResponse(multipliers.render(multipliers.update(session, row, body.values())))


@router.delete(MULTIPLIERS + "/{multiplier_id}", status_code=204, responses=errors(401, 403, 404, 422))
def delete_multiplier(access: DestroyMultiplier, multiplier_id: MultiplierIdPath, session: SessionDep):
    """Delete a point multiplier (points earned with it stay)."""
    multipliers.delete(session, multipliers.multiplier_or_404(session, access.club_id, multiplier_id))
    return Response(status_code=204)
