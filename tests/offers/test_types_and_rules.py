"""The offer vocabularies (seed tables) and the plain validation rules, without HTTP or a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.offers import validation
from loyaltyhub.offers.fields import format_micro, format_milli
from loyaltyhub.offers.types import (
    GRANT_ONLY_TYPES,
    OFFER_TYPES,
    SCOPES,
    STATUSES,
    TIMESPANS,
    TYPE_SCOPES,
    is_grant_only,
    scope_of,
    types_of_scope,
)


def test_the_seed_type_table():
    assert TYPE_SCOPES == {
        "regular": "standard",
        "exclusive": "standard",
        "welcome": "standard",
        "birthday": "standard",
        "competition": "standard",
        "informational": "informational",
        "carbon_offset_item": "carbon_offset",
        "parking": "parking",
        "parking_exclusive": "parking",
        "game_prize": "standard",
    }
    assert set(OFFER_TYPES) == set(TYPE_SCOPES)
    assert set(TYPE_SCOPES.values()) <= set(SCOPES)


def test_scopes_statuses_and_timespans():
    assert SCOPES == ("standard", "informational", "parking", "carbon_offset", "reward")
    assert STATUSES == ("draft", "published", "unpublished")
    assert TIMESPANS == ("hour", "day", "week", "month", "year")


def test_types_of_each_scope():
    assert types_of_scope("parking") == ("parking", "parking_exclusive")
    assert types_of_scope("carbon_offset") == ("carbon_offset_item",)
    assert types_of_scope("reward") == ()
    assert scope_of("game_prize") == "standard"


def test_grant_only_types():
    assert set(GRANT_ONLY_TYPES) == {"exclusive", "welcome", "game_prize", "parking_exclusive"}
    assert is_grant_only("welcome") and not is_grant_only("birthday")


def _club() -> LoyaltyClub:
    return LoyaltyClub(slug="c", name="C", timezone="Europe/Oslo", default_language="no", languages=["no", "en"])


def test_localized_keys_must_be_club_languages():
    errors: validation.ErrorList = []
    validation.check_localized(errors, "name", {"no": "Hei", "en": "Hi", "sv": "Hej"}, _club())
    assert errors == [(("name", "sv"), "inclusion", {"in": ["no", "en"]})]


@pytest.mark.parametrize(
    ("since", "until", "ok"),
    [
        (None, None, True),
        (datetime(2030, 1, 1, tzinfo=UTC), None, True),
        (None, datetime(2030, 1, 1, tzinfo=UTC), True),
        (datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC), True),
        (datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC), False),
        (datetime(2030, 1, 2, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC), False),
    ],
)
def test_windows(since, until, ok):
    errors: validation.ErrorList = []
    validation.check_windows(errors, {"usable_since": since, "usable_until": until})
    assert (errors == []) is ok


def test_authorization_token_rule():
    errors: validation.ErrorList = []
    validation.check_authorization(
        errors, {"usage_authorization_token_required": True, "usage_authorization_token": ""}
    )
    assert errors == [(("usage_authorization_token",), "blank", {})]


def test_errors_raise_one_details_tree():
    with pytest.raises(ValidationFailed) as caught:
        validation.raise_if([(("a", 0), "blank", {}), (("b",), "inclusion", {"in": [1]})])
    assert caught.value.body()["details"] == {
        "a": {"0": [{"error": "blank", "options": {}}]},
        "b": [{"error": "inclusion", "options": {"in": [1]}}],
    }
    validation.raise_if([])


def test_time_formats_of_the_seed_examples():
    moment = datetime(2022, 5, 27, 9, 12, 29, 358079, tzinfo=UTC)
    assert format_micro(moment) == "2022-05-27T09:12:29.358079Z"
    assert format_milli(moment) == "2022-05-27T09:12:29.358Z"
