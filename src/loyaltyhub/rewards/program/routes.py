"""Program routes: its public info, join and leave (Public API), its configuration (Management API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import NotFound
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.responses import JSONResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity.dependencies import MeAuth
from loyaltyhub.rewards.achievements import service as achievements_service
from loyaltyhub.rewards.dependencies import Now
from loyaltyhub.rewards.program import service
from loyaltyhub.rewards.program.schemas import InfoOut, ProgramBody, ProgramBodyOut

router = LoyaltyRouter(tags=["Rewards: program"])
ME = "/v3/{loyalty_club_slug}/members/me/rewards-program"
MANAGEMENT = "/v1/{loyalty_club_slug}/rewards-program"

Info = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_PROGRAM_INFO))]
Joining = Annotated[MemberContext, Depends(MeAuth(permits.REWARDS_JOIN))]
Leaving = Annotated[MemberContext, Depends(MeAuth(permits.REWARDS_LEAVE))]
ShowProgram = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_PROGRAM_SHOW))]
UpdateProgram = Annotated[ClubAccess, Depends(ClubAuth(permits.REWARDS_PROGRAM_UPDATE))]


@router.get(
    "/v3/{loyalty_club_slug}/rewards-program/info", responses={200: {"model": InfoOut}, **errors(401, 402, 403, 404)}
)
def program_info(access: Info, session: SessionDep):
    """The program's achievements, levels and reward activation time (reference 2.2); 402 when the club
    has no enabled program."""
    program = service.enabled_program(session, access.club_id)
    achievements = [
        achievements_service.render_public(row)
        for row in achievements_service.active_achievements(session, access.club_id)
    ]
    return JSONResponse(
        {
            "achievements": achievements,
            "levels_program": program.levels_program,
            "reward_activation_time": program.reward_activation_time,
        }
    )


@router.post(ME + "/join", responses={200: {"model": dict}, **errors(401, 402, 403, 404, 409, 460, 470, 471)})
def join_program(context: Joining, _: Idempotent, session: SessionDep, now: Now):
    """Join the program (reference (a).2): grants the ``rewards_enrollment`` consent. Joining again
    changes nothing; a member who left gets the account back (with the points, unless the club forfeits
    them on leaving)."""
    assert context.member is not None
    service.enabled_program(session, context.club_id)
    service.join(session, context.club_id, context.member.id, now)
    service.set_enrollment_consent(context.member, True, now)
    return JSONResponse({})


@router.delete(ME + "/leave", responses={200: {"model": dict}, **errors(401, 402, 403, 404, 460, 470, 471, 480)})
def leave_program(context: Leaving, session: SessionDep, now: Now):
    """Leave the program: removes the ``rewards_enrollment`` consent. The history stays (see
    docs/decisions/rewards.md); the points are kept for a rejoin or forfeited, as the club decides."""
    assert context.member is not None
    program = service.enabled_program(session, context.club_id)
    service.leave(session, context.access.club, program, context.member.id, now)
    service.set_enrollment_consent(context.member, False, now)
    return JSONResponse({})


@router.get(MANAGEMENT, responses={200: {"model": ProgramBodyOut}, **errors(401, 403, 404)})
def show_program(access: ShowProgram, session: SessionDep):
    """The club's rewards program configuration; 404 before it is configured."""
    program = service.program_of(session, access.club_id)
    if program is None:
        raise NotFound("Rewards Program not found")
    return JSONResponse({"rewards_program": service.render_program(program)})


@router.put(MANAGEMENT, responses={200: {"model": ProgramBodyOut}, **errors(401, 403, 404, 422)})
def save_program(body: ProgramBody, access: UpdateProgram, session: SessionDep):
    """Configure the program: creates it on the first call; the keys given are set, the others kept.
    A new expiry policy applies to points earned from then on (lots keep the expiry they got)."""
    program = service.save_program(session, access.club_id, body.values())
    return JSONResponse({"rewards_program": service.render_program(program)})
