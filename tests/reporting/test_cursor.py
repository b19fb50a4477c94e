from __future__ import annotations

import pytest

from loyaltyhub.reporting.cursor import InvalidCursor, decode_cursor, encode_cursor


def test_cursor_round_trips_and_is_url_safe():
    token = encode_cursor({"q": "abc", "k": 42}, "secret")
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(token, "secret") == {"q": "abc", "k": 42}


def test_tampered_or_foreign_cursor_is_refused():
    token = encode_cursor({"q": "abc", "k": 42}, "secret")
    forged = encode_cursor({"q": "abc", "k": 1}, "other secret")
    flipped = ("A" if token[3] != "A" else "B").join((token[:3], token[4:]))
    for bad in (forged, flipped, "", "!!!", token[:-2]):
        with pytest.raises(InvalidCursor):
            decode_cursor(bad, "secret")
