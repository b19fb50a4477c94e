"""Receipts routes. Public API: the configuration an app shows, a member's submissions (list, show,
create, update, delete) and limits check, on ``/v3/{slug}/members/{member_ref}/receipts/...`` (``me``
with the member's token or a member id with the non-OAuth twin permit, as the rewards routes).
Management API at the vendor's documented paths (``/v1/receipts/submissions``,
``/v1/receipts/management/configuration``; the club in ``X-Loyalty-Club-Slug``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Query, Request, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth, HeaderClubAuth
from loyaltyhub.files.dependencies import storage_of
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import JSONResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.rewards.dependencies import Now, RewardsMemberAuth
from loyaltyhub.rewards.models import ReceiptSubmission
from loyaltyhub.rewards.receipts import service
from loyaltyhub.rewards.receipts.schemas import (
    ReceiptLimitsOut,
    ReceiptsConfigurationBody,
    ReceiptsConfigurationBodyOut,
    ReceiptSubmissionBody,
    ReceiptSubmissionCreate,
    ReceiptSubmissionDecision,
    ReceiptSubmissionsPage,
    ReceiptSubmissionUpdate,
)

router = LoyaltyRouter(tags=["Receipts"])
MEMBER = "/v3/{loyalty_club_slug}/members/{member_ref}/receipts"
MANAGEMENT = "/v1/receipts"

SubmissionIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Receipt submission id")]
StateQuery = Annotated[
    Literal["OCR_COMPLETED", "MANUAL_VERIFICARION", "ACCEPTED", "REJECTED"] | None,
    Query(description="Only submissions in this state"),
]
Configuration = Annotated[ClubAccess, Depends(ClubAuth(permits.RECEIPTS_CONFIGURATION))]
MemberList = Annotated[MemberContext, Depends(RewardsMemberAuth(permits.RECEIPTS_MY_LIST, permits.RECEIPTS_LIST_BY_ID))]
MemberCreate = Annotated[
    MemberContext, Depends(RewardsMemberAuth(permits.RECEIPTS_MY_CREATE, permits.RECEIPTS_CREATE_BY_ID))
]
MemberUpdate = Annotated[
    MemberContext, Depends(RewardsMemberAuth(permits.RECEIPTS_MY_UPDATE, permits.RECEIPTS_UPDATE_BY_ID))
]
MemberDelete = Annotated[
    MemberContext, Depends(RewardsMemberAuth(permits.RECEIPTS_MY_DELETE, permits.RECEIPTS_DELETE_BY_ID))
]
MemberLimits = Annotated[
    MemberContext, Depends(RewardsMemberAuth(permits.RECEIPTS_MY_LIMITS, permits.RECEIPTS_LIMITS_BY_ID))
]
StaffList = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.RECEIPTS_MANAGEMENT_LIST))]
StaffUpdate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.RECEIPTS_MANAGEMENT_UPDATE))]
StaffConfigShow = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.RECEIPTS_MANAGEMENT_CONFIGURATION_SHOW))]
StaffConfigUpdate = Annotated[ClubAccess, Depends(HeaderClubAuth(permits.RECEIPTS_MANAGEMENT_CONFIGURATION_UPDATE))]
MEMBER_ERRORS = (401, 402, 403, 404, 422, 460, 470, 471, 480)


def _member_submission(context: MemberContext, submission_id: int, session: SessionDep) -> ReceiptSubmission:
    assert context.member is not None
    return service.submission_or_404(session, context.club_id, submission_id, context.member.id)


def submission_to_update(
    context: MemberUpdate, submission_id: SubmissionIdPath, session: SessionDep
) -> ReceiptSubmission:
    """The member's submission of a PATCH, found (404) before its body is validated."""
    return _member_submission(context, submission_id, session)


def submission_to_decide(
    access: StaffUpdate, submission_id: SubmissionIdPath, session: SessionDep
) -> ReceiptSubmission:
    """The club's submission of a staff PATCH, found (404) before its body is validated."""
    return service.submission_or_404(session, access.club_id, submission_id)


@router.get(
    "/v3/{loyalty_club_slug}/receipts/configuration",
    responses={200: {"model": ReceiptsConfigurationBodyOut}, **errors(401, 403, 404)},
)
def public_configuration(access: Configuration, session: SessionDep):
    """The club's receipts configuration, for the app to show the rules (``enabled`` false without one)."""
    config = service.configuration_of(session, access.club_id)
    return JSONResponse({"receipts_configuration": service.render_configuration(config)})


@router.get(MEMBER + "/submissions", responses={200: {"model": ReceiptSubmissionsPage}, **errors(*MEMBER_ERRORS)})
def member_submissions(context: MemberList, session: SessionDep, page: PageDep, state: StateQuery = None):
    """The member's receipt submissions, newest first."""
    assert context.member is not None
    rows, info = paginate(session, service.submissions_statement(context.club_id, context.member.id, state), page)
    club = context.access.club
    return JSONResponse(
        {
            "receipt_submissions": [service.render_submission(club, row) for row in rows],
            "pagination_info": info.model_dump(),
        }
    )


@router.get(
    MEMBER + "/submissions/{submission_id}", responses={200: {"model": ReceiptSubmissionBody}, **errors(*MEMBER_ERRORS)}
)
def member_submission(context: MemberList, submission_id: SubmissionIdPath, session: SessionDep):
    """One of the member's submissions: its state, the rejection reason, the points it earned."""
    row = _member_submission(context, submission_id, session)
    return JSONResponse({"receipt_submission": service.render_submission(context.access.club, row)})


@router.post(
    MEMBER + "/submissions",
    status_code=201,
    responses={201: {"model": ReceiptSubmissionBody}, **errors(*MEMBER_ERRORS, 409)},
)
def create_submission(
    request: Request, body: ReceiptSubmissionCreate, context: MemberCreate, _: Idempotent, session: SessionDep, now: Now
):
    """Submit a receipt: a photo (``file_id`` of the Files API, or ``photo`` inline) and the form. A
    complete form is judged at once (``REJECTED`` with a reason, ``MANUAL_VERIFICARION`` for staff, or
    ``ACCEPTED`` with its points when the club accepts automatically); an incomplete one stays
    ``OCR_COMPLETED`` until the member completes it. 422 ``Receipt submissions limit exceeded``."""
    assert context.member is not None
    row = service.create_submission(
        session,
        storage_of(request),
        context.access.club,
        context.member,
        body,
        now,
        context.access.principal.actor_key,
    )
    return JSONResponse({"receipt_submission": service.render_submission(context.access.club, row)}, status_code=201)


@router.patch(
    MEMBER + "/submissions/{submission_id}", responses={200: {"model": ReceiptSubmissionBody}, **errors(*MEMBER_ERRORS)}
)
def update_submission(
    context: MemberUpdate,
    row: Annotated[ReceiptSubmission, Depends(submission_to_update)],
    session: SessionDep,
    now: Now,
    body: ReceiptSubmissionUpdate,
):
    """Complete or correct the form of a submission in ``OCR_COMPLETED`` (as documented); the submission
    is judged again. 422 in any other state."""
    assert context.member is not None
    body.refuse_changed_read_only(lambda: service.render_submission(context.access.club, row))
    row = service.update_submission(
        session, context.access.club, context.member, row, body.model_dump(exclude_unset=True), now
    )
    return JSONResponse({"receipt_submission": service.render_submission(context.access.club, row)})


@router.delete(MEMBER + "/submissions/{submission_id}", status_code=204, responses=errors(*MEMBER_ERRORS))
def delete_submission(context: MemberDelete, submission_id: SubmissionIdPath, session: SessionDep, now: Now):
    """Withdraw a submission that was not accepted (422 for an accepted one). It still counts for the
    limits."""
    assert context.member is not None
    row = _member_submission(context, submission_id, session)
    service.delete_submission(session, context.access.club, context.member, row, now)
    return Response(status_code=204)


@router.get(MEMBER + "/limits_exceeded", responses={200: {"model": ReceiptLimitsOut}, **errors(*MEMBER_ERRORS)})
def check_limits(context: MemberLimits, session: SessionDep, now: Now):
    """Whether the member may submit another receipt now: each limit of the club (per calendar day, week
    from Monday and month, in the club's timezone) with the member's submissions and when it resets."""
    assert context.member is not None
    config = service.enabled_configuration(session, context.club_id)
    uses = service.limits_use(session, context.access.club, config, context.member.id, now)
    return JSONResponse({"limits_exceeded": any(use["exceeded"] for use in uses), "limits": uses})


@router.get(
    MANAGEMENT + "/submissions", responses={200: {"model": ReceiptSubmissionsPage}, **errors(401, 403, 404, 422)}
)
def list_submissions(
    access: StaffList,
    session: SessionDep,
    page: PageDep,
    state: StateQuery = None,
    member_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="Only this member's")] = None,
):
    """The club's receipt submissions, newest first (``state=MANUAL_VERIFICARION``: the ones to verify)."""
    rows, info = paginate(session, service.submissions_statement(access.club_id, member_id, state), page)
    return JSONResponse(
        {
            "receipt_submissions": [service.render_submission(access.club, row) for row in rows],
            "pagination_info": info.model_dump(),
        }
    )


@router.get(
    MANAGEMENT + "/submissions/{submission_id}",
    responses={200: {"model": ReceiptSubmissionBody}, **errors(401, 403, 404)},
)
def show_submission(access: StaffList, submission_id: SubmissionIdPath, session: SessionDep):
    """One receipt submission."""
    row = service.submission_or_404(session, access.club_id, submission_id)
    return JSONResponse({"receipt_submission": service.render_submission(access.club, row)})


@router.patch(
    MANAGEMENT + "/submissions/{submission_id}",
    responses={200: {"model": ReceiptSubmissionBody}, **errors(401, 402, 403, 404, 422, 480)},
)
def decide_submission(
    access: StaffUpdate,
    row: Annotated[ReceiptSubmission, Depends(submission_to_decide)],
    session: SessionDep,
    now: Now,
    body: ReceiptSubmissionDecision,
):
    """Correct the form and accept (the points are earned once, however often or concurrently this is
    sent), reject with ``rejection_reason``, or put back to ``MANUAL_VERIFICARION``. 422 for an accepted
    submission (final)."""
    body.refuse_changed_read_only(lambda: service.render_submission(access.club, row))
    actor = access.principal.actor_key or "staff"
    row = service.decide(session, access.club, row, body.model_dump(exclude_unset=True), now, actor)
    return JSONResponse({"receipt_submission": service.render_submission(access.club, row)})


@router.get(
    MANAGEMENT + "/management/configuration",
    responses={200: {"model": ReceiptsConfigurationBodyOut}, **errors(401, 403, 404, 422)},
)
def show_configuration(access: StaffConfigShow, session: SessionDep):
    """The club's receipts configuration (the vendor's documented path and permit)."""
    config = service.configuration_of(session, access.club_id)
    return JSONResponse({"receipts_configuration": service.render_configuration(config)})


@router.put(
    MANAGEMENT + "/management/configuration",
    responses={200: {"model": ReceiptsConfigurationBodyOut}, **errors(401, 403, 404, 422)},
)
def save_configuration(body: ReceiptsConfigurationBody, access: StaffConfigUpdate, session: SessionDep):
    """Configure receipts: created on the first call; the keys given are set, the others kept. Amounts
    are in minor units; limits count submissions per member and calendar day, week and month."""
    config = service.save_configuration(session, access.club_id, body.values())
    return JSONResponse({"receipts_configuration": service.render_configuration(config)})
