"""Path ids of the messaging routes, for the foundation's isolation walk."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.messaging import factories

BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {
    "message_id": lambda session, club: factories.message(session, club).id,
    "sending_id": lambda session, club: factories.sending(session, club, status="transmitting").id,
    "template_id": lambda session, club: factories.template(session, club).id,
    "identity_id": lambda session, club: factories.sender_identity(session, club).id,
}
CONSTANTS = {
    "service_name": "generic",
    # The public link endpoints (/s/..., outside the walk: the URL is the capability) for the input walks.
    "link_ref": "1-AAAAAAAAAA",
    "recipient_ref": "1.1.AAAAAAAAAAAAAAAA",
    "pixel": "1.1.AAAAAAAAAAAAAAAA.gif",
    # The providers' delivery callbacks (/s/delivery/<club id>/<channel>/<kind>, signed by the club's transport).
    "club_id": 1,
    "channel": "sms",
}
