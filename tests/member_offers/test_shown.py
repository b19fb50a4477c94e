"""The per-process cache of offers' texts and images (``member_offers.shown``), without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from loyaltyhub.member_offers.shown import ShownCache, shown_of

SAVED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def row(updated_at: datetime = SAVED, **columns):  # type: ignore[no-untyped-def]
    values = {
        "updated_at": updated_at,
        "name": {"no": "Tilbud"},
        "description": None,
        "external_url": None,
        "files": [{"url": "https://cdn.example.com/a.jpg", "kind": "offer_default"}, {"kind": "no url"}, "junk"],
        "read_more": {"button_title": "Les", "url": None, "title": "T", "text": "X", "enabled": False},
        "activation_texts": {"modal": "M", "button": "B", "description": None, "other": 1},
        "extras": None,
        **columns,
    }
    return SimpleNamespace(**values)


def test_shown_parts_are_shaped_as_the_public_offer_model_shows_them() -> None:
    shown = shown_of(row())
    assert shown.images == [{"url": "https://cdn.example.com/a.jpg"}]
    assert shown.display == {"read_more": None, "activation_texts": {"modal": "M", "button": "B", "description": None}}
    assert shown.extras == {}


def test_a_cached_version_is_given_only_for_the_same_updated_at() -> None:
    cache = ShownCache()
    cache.put(1, 10, shown_of(row()))
    assert cache.get(1, 10, SAVED) is not None
    assert cache.get(1, 10, SAVED + timedelta(microseconds=1)) is None  # saved since: read again
    assert cache.get(2, 10, SAVED) is None  # another club's offer 10


def test_past_its_capacity_the_older_half_is_dropped() -> None:
    cache = ShownCache(capacity=4)
    for offer_id in range(1, 6):
        cache.put(1, offer_id, shown_of(row()))
    assert [cache.get(1, offer_id, SAVED) is not None for offer_id in range(1, 6)] == [False, False, True, True, True]
