"""Demo step: clubs, an organization, client tokens and a staff user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from loyaltyhub.auth.permits import all_permits
from loyaltyhub.auth.service import create_client_token, create_user
from loyaltyhub.clubs.service import create_club

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext

MAIN_SLUG = "infinity-mall"
SECOND_SLUG = "harbour-centre"
DEMO_ORGANIZATION = "Placewise Demo Group"
DEMO_USER_EMAIL = "admin@infinity-mall.example"
DEMO_USER_PASSWORD = "demo-password"


def load(session: Session, context: DemoContext) -> None:
    main = create_club(
        session,
        slug=MAIN_SLUG,
        name="Infinity Mall",
        timezone="Europe/Oslo",
        country="NO",
        default_language="no",
        languages=["no", "en"],
        chain="Infinity",
        organization=DEMO_ORGANIZATION,
    )
    second = create_club(
        session,
        slug=SECOND_SLUG,
        name="Harbour Centre",
        timezone="Europe/Stockholm",
        country="SE",
        default_language="sv",
        languages=["sv", "en"],
        chain="Harbour",
        organization=DEMO_ORGANIZATION,
    )
    context.clubs = {MAIN_SLUG: main, SECOND_SLUG: second}
    permits = [p.name for p in all_permits()]
    app_token = create_client_token(
        session, name="Infinity Mall app", permits=permits, club_slugs=[MAIN_SLUG], product_name="android-app"
    )
    org_token = create_client_token(
        session, name="Demo group dashboards", permits=permits, organization=DEMO_ORGANIZATION
    )
    create_user(
        session, email=DEMO_USER_EMAIL, password=DEMO_USER_PASSWORD, role="admin", organization=DEMO_ORGANIZATION
    )
    context.credentials.update(
        {
            "loyalty_club": MAIN_SLUG,
            "loyalty_club_id": main.id,
            "client_token": app_token.token,
            "organization_client_token": org_token.token,
            "staff_user": {"email": DEMO_USER_EMAIL, "password": DEMO_USER_PASSWORD},
        }
    )
