"""Validate Offer Code: a store's till checks the code a member's app shows (Encode Offer), once
(docs/decisions/offers.md). Handlers parse, call :mod:`service`, and shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.member_offers import service
from loyaltyhub.member_offers.codes import code_key
from loyaltyhub.member_offers.listing import localized
from loyaltyhub.member_offers.routes import Now
from loyaltyhub.member_offers.rules import iso
from loyaltyhub.member_offers.schemas import OfferCodeValidatedOut, ValidatedOffer, ValidateOfferCodeBody

router = LoyaltyRouter(tags=["Member offers"])

CodesValidate = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFER_CODES_VALIDATE))]


@router.post(
    "/v3/{loyalty_club_slug}/offers/codes/validate",
    response_model=OfferCodeValidatedOut,
    responses=errors(401, 403, 404, 409, 422),
)
def validate_offer_code(
    request: Request,
    body: ValidateOfferCodeBody,
    access: CodesValidate,
    _: Idempotent,
    session: SessionDep,
    now: Now,
) -> OfferCodeValidatedOut:
    """Validate Offer Code: accepts a code of this club that is signed, not expired, of a use still active
    and never validated before, and spends it; each refusal is a 422 naming why."""
    product = (request.headers.get("X-Product-Name") or "").strip()[:100] or access.principal.product_name
    done = service.validate_code(
        session,
        key=code_key(request.app.state.settings.secret_key),
        club_id=access.club_id,
        text=body.code,
        now=now,
        product_name=product,
    )
    return OfferCodeValidatedOut(
        valid=True,
        offer=ValidatedOffer(
            id=done.offer.id,
            name=localized(done.offer.name, None, access.club.default_language),
            type=done.offer.type.upper(),
        ),
        member_id=done.member.id,
        active_until=iso(done.code.active_until),
        validated_at=iso(done.validated_at),
    )
