"""Isolation walk builders: the Reporting API has no path ids (clubs come from X-Customer)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub

BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {}
