"""Test data builders. Each domain adds its builders here (one method per record kind)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.auth.permits import all_permits
from loyaltyhub.auth.service import create_client_token, create_user, issue_user_token
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import create_club

_sequence = itertools.count(1)

PUBLIC_HEADERS = {"X-Product-Name": "android-app", "X-User-Agent": "loyaltyhub tests"}


@dataclass
class Factory:
    session: Session

    def club(self, **overrides: Any) -> LoyaltyClub:
        n = next(_sequence)
        values: dict[str, Any] = {
            "slug": f"club-{n}",
            "name": f"Club {n}",
            "timezone": "Europe/Oslo",
            "country": "NO",
            "default_language": "no",
            "languages": ["no", "en"],
        }
        values.update(overrides)
        club = create_club(self.session, **values)
        self.session.flush()
        return club

    def client_token(
        self,
        clubs: Iterable[LoyaltyClub] = (),
        permits: Iterable[str] | None = None,
        *,
        organization: str | None = None,
        is_global: bool = False,
        product_name: str | None = "android-app",
    ) -> str:
        """A client token; every permit unless ``permits`` is given."""
        chosen = [p.name for p in all_permits()] if permits is None else list(permits)
        issued = create_client_token(
            self.session,
            name=f"token {next(_sequence)}",
            permits=chosen,
            club_slugs=[c.slug for c in clubs],
            organization=organization,
            is_global=is_global,
            product_name=product_name,
        )
        return issued.token

    def headers(self, token: str, **extra: str) -> dict[str, str]:
        """Headers of a Public/Management API call made with a client token."""
        return {"X-Client-Authorization": token, **PUBLIC_HEADERS, **extra}

    def user_token(
        self, clubs: Iterable[LoyaltyClub] = (), role: str = "admin", organization: str | None = None
    ) -> str:
        user = create_user(
            self.session,
            email=f"user{next(_sequence)}@example.com",
            password="correct horse",
            role=role,
            club_slugs=[c.slug for c in clubs],
            organization=organization,
        )
        token, _ = issue_user_token(self.session, user, 3600)
        return token
