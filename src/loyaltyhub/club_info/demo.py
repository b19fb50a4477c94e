"""Demo step of club info: each demo club's legal information, translations of its tags and consents in
its languages, and a few programs (one inactive). Draws no random numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from loyaltyhub.club_info import service

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext

TEXTS = {
    "no": {
        "member_properties": {"gender.man": "Mann", "gender.woman": "Kvinne"},
        "consents": {"sms_marketing": "SMS-markedsføring", "email_marketing": "E-postmarkedsføring"},
        "tags": {},
        "terms": "<p>Medlemsvilkår</p>",
    },
    "en": {
        "member_properties": {"gender.man": "Man", "gender.woman": "Woman"},
        "consents": {"sms_marketing": "SMS marketing", "email_marketing": "E-mail marketing"},
        "tags": {},
        "terms": "<p>Terms of membership</p>",
    },
}
PROGRAMS = [
    {"slug": "kids-club", "name": "Kids Club", "description": "Activities for the youngest members", "position": 0},
    {"slug": "parking", "name": "Parking", "description": "Register your car for member parking", "position": 1},
    {"slug": "green-weeks", "name": "Green weeks", "description": "Coming soon", "position": 2, "active": False},
]


def load(session: Session, context: DemoContext) -> None:
    for slug, club in context.clubs.items():
        service.set_legal_information(
            session,
            club.id,
            {
                "company_name": f"{club.name} AS",
                "contact_email": f"post@{slug}.example",
                "terms_url": f"https://{slug}.example/terms",
                "privacy_policy_url": f"https://{slug}.example/privacy",
            },
        )
        for language in service.club_languages(club):
            if language in TEXTS:
                service.set_translation(session, club.id, language, TEXTS[language])
        for values in PROGRAMS:
            service.create_program(
                session, club.id, {"translations": {}, "active": True, "url": None, "image_url": None, **values}
            )
