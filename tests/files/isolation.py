"""Builders for the isolation walk: uploads, file records and part numbers."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.files import factories
from tests.offers import factories as offers

BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {
    "upload_id": lambda session, club: factories.upload(session, club).id,
    "file_id": lambda session, club: factories.file_record(session, club).id,
    "part_number": lambda _session, _club: 1,
    # the deprecated Files API's .../files/{fileable_type}/{fileable_id}/{kind}: an offer and its kind
    "fileable_id": lambda session, club: offers.offer(session, club).id,
}
CONSTANTS = {"fileable_type": "offers", "kind": "offer_default"}
