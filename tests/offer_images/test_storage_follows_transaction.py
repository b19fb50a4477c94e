"""Storage writes follow the database transaction (issue 19): an offer image rendered in a transaction that
is rolled back leaves no object behind; a finished upload's parts are deleted only once the finish is
committed, so a rolled-back finish can be finished again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from loyaltyhub.files import service as files
from loyaltyhub.files.models import FileRecord, FileUpload
from loyaltyhub.offer_images.service import OfferImageRenderer
from loyaltyhub.offers.models import Offer
from loyaltyhub.storage import LocalStorage
from tests.conftest import bound_session
from tests.files.factories import png
from tests.offer_images.images import SEED_TEMPLATE
from tests.offers import factories as offers


@pytest.fixture
def storage(settings) -> LocalStorage:
    return LocalStorage(settings.files_dir)


def _objects(storage: LocalStorage) -> list[str]:
    root = Path(storage.root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def offer_id(session, factory) -> tuple[int, int]:
    club = factory.club(default_language="en", languages=["en"])
    offer = offers.offer(session, club, image_template=SEED_TEMPLATE)
    session.commit()
    return club.id, offer.id


def _render(connection, services, storage, settings, club_id: int, offer_id: int):
    work = bound_session(connection, services)
    offer = work.execute(select(Offer).where(Offer.loyalty_club_id == club_id, Offer.id == offer_id)).scalar_one()
    OfferImageRenderer(storage, settings.fonts_dir)(work, offer)
    return work


def test_a_rendered_image_rolled_back_leaves_no_object(connection, services, storage, settings, offer_id):
    club_id, offer = offer_id
    work = _render(connection, services, storage, settings, club_id, offer)
    assert len(_objects(storage)) == 1  # written before the commit, so a committed record never lacks it
    work.rollback()
    assert _objects(storage) == []
    work.close()


def test_a_session_closed_without_commit_leaves_no_object(connection, services, storage, settings, offer_id):
    club_id, offer = offer_id
    work = _render(connection, services, storage, settings, club_id, offer)
    work.close()
    assert _objects(storage) == []


def test_a_committed_image_stays(connection, services, storage, settings, offer_id):
    club_id, offer = offer_id
    work = _render(connection, services, storage, settings, club_id, offer)
    work.commit()
    record = work.execute(
        select(FileRecord).where(FileRecord.loyalty_club_id == club_id, FileRecord.fileable_id == offer)
    ).scalar_one()
    assert _objects(storage) == [record.storage_key]
    # A later transaction of the same session rolled back does not touch what was committed.
    work.execute(select(Offer.id).where(Offer.loyalty_club_id == club_id))
    work.rollback()
    assert storage.exists(record.storage_key)
    work.close()


def test_a_rolled_back_finish_keeps_the_parts_and_can_be_finished_again(
    connection, services, storage, session, factory
):
    club = factory.club()
    offer = offers.offer(session, club)
    data = png(600, 800)
    upload = FileUpload(
        loyalty_club_id=club.id,
        fileable_type="offers",
        fileable_id=offer.id,
        kind="offer_default",
        filename="a.png",
        content_type="image/png",
        size=len(data),
        status="started",
        parts={},
    )
    session.add(upload)
    session.flush()
    for number, piece in enumerate((data[:500], data[500:]), start=1):
        writer = storage.writer(files.part_key(upload, number))
        writer.write(piece)
        writer.commit()
        files.record_part(session, upload, number, len(piece))
    session.commit()
    parts = _objects(storage)
    assert len(parts) == 2

    work = bound_session(connection, services)
    again = files.upload_or_404(work, club.id, upload.id)
    files.finish_upload(work, storage, again)
    assert files.file_key(again) in _objects(storage) and len(_objects(storage)) == 3
    work.rollback()
    assert _objects(storage) == parts
    work.close()

    work = bound_session(connection, services)
    record = files.finish_upload(work, storage, files.upload_or_404(work, club.id, upload.id))
    work.commit()
    assert _objects(storage) == [record.storage_key]
    work.close()
