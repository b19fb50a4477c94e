"""Checking and normalizing member properties against the club (reference B.7 symbols).

Known properties have types and rules; any other key (``^[a-z][a-z0-9_]*$``) is a free custom property
holding any JSON value. ``null`` removes a property on update.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.derived import normalize_msisdn
from loyaltyhub.places import data as places

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_KEYS = 100
MAX_CUSTOM_VALUE_CHARS = 2000
TEXT_PROPERTIES = {"first_name": 100, "last_name": 100, "city": 100, "gender": 32, "address": 200}
PERSONAL_PROPERTIES = frozenset(
    {
        # Known properties that identify or locate a person.
        "first_name",
        "last_name",
        "birthday",
        "msisdn",
        "email",
        "zip_code",
        "city",
        "address",
        "child_birth_years",
        # Custom properties whose name says they hold the same kind of data.
        "name",
        "full_name",
        "birth_date",
        "date_of_birth",
        "street",
        "street_address",
        "zip",
        "postal_code",
        "phone",
        "password",
        "national_id",
        "ssn",
    }
)
"""The one list of personal member properties: removed when a member is destroyed, and never shown in
reports or their exports (:func:`public_properties`). Every other domain imports it from here."""
EARLIEST_BIRTHDAY = date(1900, 1, 1)


@dataclass
class Errors:
    entries: list[tuple[tuple[str | int, ...], str, dict[str, Any]]] = field(default_factory=list)

    def add(self, path: tuple[str | int, ...], symbol: str, **options: Any) -> None:
        self.entries.append((path, symbol, options))

    def __bool__(self) -> bool:
        return bool(self.entries)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()
    return None


def normalize_email(value: str) -> str | None:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


def clean_properties(
    incoming: dict[str, Any],
    *,
    club: LoyaltyClub,
    existing: dict[str, Any],
    today: date,
    errors: Errors,
) -> dict[str, Any]:
    """``existing`` merged with ``incoming`` after checking each incoming key; errors go to ``errors``."""
    result = dict(existing)
    country = incoming.get("country", existing.get("country"))
    country = country.strip().upper() if isinstance(country, str) and country.strip() else club.country
    for key, value in incoming.items():
        path: tuple[str | int, ...] = ("properties", key)
        if not KEY_PATTERN.match(key):
            errors.add(path, "invalid_format", format=KEY_PATTERN.pattern)
            continue
        if value is None:
            result.pop(key, None)
            continue
        cleaned = _clean_one(key, value, club=club, country=country, today=today, path=path, errors=errors)
        if cleaned is not None:
            result[key] = cleaned
    if len(result) > MAX_KEYS:
        errors.add(("properties",), "too_long", max_length=MAX_KEYS)
    return result


def _clean_one(
    key: str, value: Any, *, club: LoyaltyClub, country: str | None, today: date, path: tuple, errors: Errors
) -> Any:
    if key in TEXT_PROPERTIES:
        text = _text(value)
        if text is None:
            errors.add(path, "invalid_type", expected="string")
        elif len(text) > TEXT_PROPERTIES[key]:
            errors.add(path, "too_long", max_length=TEXT_PROPERTIES[key])
        elif not text:
            errors.add(path, "blank")
        else:
            return text
        return None
    if key == "birthday":
        text = _text(value)
        try:
            birthday = date.fromisoformat(text or "")
        except ValueError:
            errors.add(path, "invalid_format", format="YYYY-MM-DD")
            return None
        if birthday > today:
            errors.add(path, "less_or_equal_to", number=today.isoformat())
        elif birthday < EARLIEST_BIRTHDAY:
            errors.add(path, "greater_or_equal_to", number=EARLIEST_BIRTHDAY.isoformat())
        else:
            return birthday.isoformat()
        return None
    if key == "interests":
        if not isinstance(value, list) or len(value) > 50:
            errors.add(path, "invalid_type", expected="array of at most 50 strings")
            return None
        bad = [i for i, item in enumerate(value) if not isinstance(item, str) or not 0 < len(item) <= 64]
        for index in bad:
            errors.add((*path, index), "invalid_type", expected="string of 1 to 64 characters")
        return None if bad else list(dict.fromkeys(value))
    if key == "language":
        if value not in (club.languages or [club.default_language]):
            errors.add(path, "inclusion", **{"in": list(club.languages or [club.default_language])})
            return None
        return value
    if key == "msisdn":
        raw = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
        msisdn = normalize_msisdn(raw, club.country) if raw else None
        if msisdn is None:
            errors.add(path, "invalid_msisdn")
        return msisdn
    if key == "email":
        email = normalize_email(value) if isinstance(value, str) else None
        if email is None:
            errors.add(path, "invalid_format", format="email")
        return email
    if key == "country":
        code = _text(value)
        if code is None or not places.is_country_code(code):
            errors.add(path, "invalid_format", format="ISO 3166-1 alpha-2")
            return None
        return code.upper()
    if key == "zip_code":
        raw = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else None
        if not raw or len(raw) > 16:
            errors.add(path, "invalid_type", expected="string of 1 to 16 characters")
            return None
        if places.postal_code_valid(country, raw) is False:
            errors.add(path, "invalid_format", format=places.index().postal_patterns[country.upper()].pattern)
            return None
        return raw.upper()
    # A custom property: any JSON value of bounded size.
    if len(json.dumps(value)) > MAX_CUSTOM_VALUE_CHARS:
        errors.add(path, "too_long", max_length=MAX_CUSTOM_VALUE_CHARS)
        return None
    return value


def public_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """The properties without personal data (the reporting view)."""
    return {key: value for key, value in properties.items() if key not in PERSONAL_PROPERTIES}
