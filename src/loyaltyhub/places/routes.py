"""HTTP routes of the places domain (thin handlers over the service)."""

from __future__ import annotations

from loyaltyhub.http.routing import LoyaltyRouter

router = LoyaltyRouter()
