"""HTTP routes of the members domain: the Public API (member apps) and the Management API."""

from __future__ import annotations

from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.members.management_routes import router as management_router
from loyaltyhub.members.public_routes import router as public_router

router = LoyaltyRouter()
# Public routes first: ``/members/me`` is declared before ``/members/{member_id:int}``.
router.include_router(public_router)
router.include_router(management_router)
