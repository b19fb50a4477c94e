"""What the public offer model (reference C.1) shows of an offer the same way to every member: its texts,
link, images, display texts and extras, kept per process for each version of the offer.

The member offer list renders up to a page of offers per request. Reading their six JSON columns,
decoding them and shaping images and display texts was the largest part of the list's own work, yet
those parts change only when the offer is saved, and every save moves ``offers.updated_at`` (the
column's ``onupdate``; no statement writes these columns otherwise). So the list reads ``updated_at``
with the columns the rules need, takes each offer's parts from :data:`SHOWN` when they were cached at
that version, and reads only the others (one statement). A cached version is never trusted without the
row's ``updated_at`` of the same request: another process's save is seen at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.db.dialect import one_of
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.offers.models import Offer

SHOWN_COLUMNS = (
    Offer.id,
    Offer.updated_at,
    Offer.name,
    Offer.description,
    Offer.external_url,
    Offer.files,
    Offer.read_more,
    Offer.activation_texts,
    Offer.extras,
)


@dataclass(frozen=True, slots=True)
class ShownOffer:
    """One version of an offer's member-independent parts, ready to answer (shared: never changed)."""

    updated_at: datetime
    name: dict[str, Any] | None
    description: dict[str, Any] | None
    external_url: str | None
    images: list[dict[str, Any]]
    display: dict[str, Any]
    extras: dict[str, Any]


def _display_read_more(read_more: dict[str, Any] | None) -> dict[str, Any] | None:
    if not read_more or read_more.get("enabled") is False:
        return None
    return {key: read_more.get(key) for key in ("button_title", "url", "title", "text")}


def _display_activation_texts(texts: dict[str, Any] | None) -> dict[str, Any] | None:
    if not texts:
        return None
    return {key: texts.get(key) for key in ("modal", "button", "description")}


def shown_of(row: Any) -> ShownOffer:
    """The parts of an ``Offer`` or a row of :data:`SHOWN_COLUMNS`."""
    return ShownOffer(
        updated_at=row.updated_at,
        name=row.name,
        description=row.description,
        external_url=row.external_url,
        images=[{"url": f["url"]} for f in (row.files or []) if isinstance(f, dict) and f.get("url")],
        display={
            "read_more": _display_read_more(row.read_more),
            "activation_texts": _display_activation_texts(row.activation_texts),
        },
        extras=row.extras or {},
    )


class ShownCache:
    """``(club id, offer id)`` → the last :class:`ShownOffer` read, at most ``capacity`` of them (past it the
    older half is dropped: a club's live offers are read again on their next list)."""

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._entries: dict[tuple[int, int], ShownOffer] = {}
        self._lock = threading.Lock()

    def get(self, club_id: int, offer_id: int, updated_at: datetime) -> ShownOffer | None:
        found = self._entries.get((club_id, offer_id))
        return found if found is not None and found.updated_at == updated_at else None

    def put(self, club_id: int, offer_id: int, shown: ShownOffer) -> None:
        with self._lock:
            if len(self._entries) >= self.capacity:
                for key in list(self._entries)[: self.capacity // 2]:
                    del self._entries[key]
            self._entries[(club_id, offer_id)] = shown


SHOWN = ShownCache()


def shown_offers(session: Session, club_id: int, rows: Iterable[Any]) -> dict[int, ShownOffer]:
    """``{offer id: parts}`` for ``rows`` (each with ``id`` and ``updated_at``): from :data:`SHOWN` at the row's
    version, the others read in one statement (an offer deleted meanwhile is left out)."""
    found: dict[int, ShownOffer] = {}
    missing = []
    for row in rows:
        shown = SHOWN.get(club_id, row.id, row.updated_at)
        if shown is None:
            missing.append(row.id)
        else:
            found[row.id] = shown
    if missing:
        statement = select(*SHOWN_COLUMNS).where(in_club(Offer, club_id), one_of(session, Offer.id, missing))
        for row in session.execute(statement):
            shown = found[row.id] = shown_of(row)
            SHOWN.put(club_id, row.id, shown)
    return found
