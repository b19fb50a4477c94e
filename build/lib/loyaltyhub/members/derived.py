"""The reporting fields of a member (seed ``reporting-members``), as plain functions over plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import phonenumbers

from loyaltyhub.members.models import AGE_BANDS
from loyaltyhub.places import data as places


def age_in_years(birthday: date, today: date) -> int:
    """Completed years. Someone born on 29 February becomes a year older on 1 March in common years."""
    return today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))


def age_band(birthday: date | None, today: date) -> str | None:
    """One of the seed's 15 bands: ``-14`` (up to 14 years), ``15-19`` ... ``75-79``, ``80-``."""
    if birthday is None or birthday > today:
        return None
    age = age_in_years(birthday, today)
    if age <= 14:
        return AGE_BANDS[0]
    if age >= 80:
        return AGE_BANDS[-1]
    return AGE_BANDS[(age - 15) // 5 + 1]


def birth_year_group(birthday: date | None) -> int | None:
    """The first year of the 5-year range of the birth year: 2000 means born 2000-2004."""
    if birthday is None:
        return None
    return birthday.year - birthday.year % 5


def optin_platform(optin_channel: str | None) -> str:
    """android / ios / website / webforms / other, from the ``X-Product-Name`` the member joined with."""
    channel = (optin_channel or "").lower()
    if "android" in channel:
        return "android"
    if any(word in channel for word in ("ios", "iphone", "ipad")):
        return "ios"
    if "webform" in channel:
        return "webforms"
    if "web" in channel or "site" in channel:
        return "website"
    return "other"


def normalize_msisdn(raw: str, default_country: str | None = None) -> str | None:
    """E.164 digits without ``+`` (reference B.9) or None when it is not a valid number.

    Accepts ``+4740769126``, ``004740769126``, ``4740769126`` and, with the club's country, a national
    number such as ``40769126``.
    """
    text = raw.strip().replace(" ", "").replace("-", "")
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    candidates = [text] if text.startswith("+") else ["+" + text]
    if not text.startswith("+") and default_country:
        candidates.append(text)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, None if candidate.startswith("+") else default_country)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
    return None


def msisdn_country(msisdn: str | None) -> str | None:
    """ISO 3166-1 alpha-2 region of an E.164 msisdn (``+1`` numbers resolve by area code)."""
    if not msisdn:
        return None
    try:
        number = phonenumbers.parse("+" + msisdn, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != "ZZ" else None


def consent_given(consents: dict[str, Any] | None, name: str) -> bool:
    value = (consents or {}).get(name)
    return bool(value.get("status")) if isinstance(value, dict) else bool(value)


@dataclass(frozen=True)
class Location:
    country: str | None
    city_place_id: str | None
    place_id: str | None


def location(properties: dict[str, Any], club_country: str | None) -> Location:
    """Country from ``properties.country``, else the loyalty club's country; city from ``properties.city``.

    ``place_id`` is the most detailed place known: the city, else the country.
    """
    raw_country = properties.get("country")
    country = raw_country.upper() if isinstance(raw_country, str) and raw_country.strip() else None
    if country is None or not places.is_country_code(country):
        country = club_country.upper() if club_country else None
    city_name = properties.get("city")
    city = places.find_city(country, city_name) if isinstance(city_name, str) else None
    country_place = places.country(country)
    city_place_id = city.id if city else None
    return Location(
        country=country,
        city_place_id=city_place_id,
        place_id=city_place_id or (country_place.id if country_place else None),
    )


def parse_birthday(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Derived:
    gender: str | None
    age: str | None
    birth_year_group: int | None
    optin_platform: str
    marketing_via_sms: bool
    marketing_via_email: bool
    marketing_via_push: bool
    marketing_via_anything: bool
    msisdn_country: str | None
    location_country: str | None
    city_place_id: str | None
    place_id: str | None


def derive(
    *,
    properties: dict[str, Any],
    consents: dict[str, Any],
    msisdn: str | None,
    email: str | None,
    sms_status: str,
    email_status: str,
    push_status: str,
    push_devices: int,
    optin_channel: str | None,
    club_country: str | None,
    today: date,
) -> Derived:
    """Every derived reporting field, by the seed's rules."""
    birthday = parse_birthday(properties.get("birthday"))
    gender = properties.get("gender")
    via_sms = bool(msisdn) and sms_status == "verified" and consent_given(consents, "sms_marketing")
    via_email = bool(email) and email_status in ("enabled", "verified") and consent_given(consents, "email_marketing")
    via_push = push_devices > 0 and push_status == "enabled"
    where = location(properties, club_country)
    return Derived(
        gender=gender if isinstance(gender, str) and gender else None,
        age=age_band(birthday, today),
        birth_year_group=birth_year_group(birthday),
        optin_platform=optin_platform(optin_channel),
        marketing_via_sms=via_sms,
        marketing_via_email=via_email,
        marketing_via_push=via_push,
        marketing_via_anything=via_sms or via_email or via_push,
        msisdn_country=msisdn_country(msisdn),
        location_country=where.country,
        city_place_id=where.city_place_id,
        place_id=where.place_id,
    )
