"""HTTP routes of the reporting domain (thin handlers over the service)."""

from __future__ import annotations

from loyaltyhub.http.routing import LoyaltyRouter

router = LoyaltyRouter()
