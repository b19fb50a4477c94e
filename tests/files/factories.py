"""Builders for uploads and file records (plain functions taking ``session``)."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.files.models import FileRecord, FileUpload
from tests.offers import factories as offers


def png(width: int = 600, height: int = 800, color: tuple[int, int, int] = (200, 30, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(session: Session, club: LoyaltyClub, *, size: int = 1000) -> FileUpload:
    offer = offers.offer(session, club)
    record = FileUpload(
        loyalty_club_id=club.id,
        fileable_type="offers",
        fileable_id=offer.id,
        kind="offer_default",
        filename="offer.png",
        content_type="image/png",
        size=size,
        status="started",
        parts={},
    )
    session.add(record)
    session.flush()
    return record


def file_record(session: Session, club: LoyaltyClub) -> FileRecord:
    offer = offers.offer(session, club)
    record = FileRecord(
        loyalty_club_id=club.id,
        fileable_type="offers",
        fileable_id=offer.id,
        kind="offer_default",
        filename="offer.png",
        mime_type="image/png",
        size=10,
        width=600,
        height=800,
        sha256="0" * 64,
        storage_key=f"club-{club.id}/files/none",
        active=False,
    )
    session.add(record)
    session.flush()
    return record
