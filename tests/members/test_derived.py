"""The derived reporting fields of seed reporting-members, as pure functions (no HTTP, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from loyaltyhub.members.derived import (
    age_band,
    birth_year_group,
    derive,
    msisdn_country,
    normalize_msisdn,
    optin_platform,
)
from loyaltyhub.members.models import AGE_BANDS


def test_there_are_the_seeds_fifteen_bands():
    assert len(AGE_BANDS) == 15
    assert AGE_BANDS[0] == "-14" and AGE_BANDS[-1] == "80-"


@pytest.mark.parametrize(
    ("case", "birthday", "today", "band"),
    [
        ("born today is in the youngest band", date(2026, 11, 25), date(2026, 11, 25), "-14"),
        ("14 years old, birthday tomorrow turns 15", date(2011, 11, 26), date(2026, 11, 25), "-14"),
        ("15 years old today", date(2011, 11, 25), date(2026, 11, 25), "15-19"),
        ("19 years and 364 days", date(2006, 11, 26), date(2026, 11, 25), "15-19"),
        ("20 years old today", date(2006, 11, 25), date(2026, 11, 25), "20-24"),
        ("24 years old", date(2002, 1, 1), date(2026, 11, 25), "20-24"),
        ("25 years old today", date(2001, 11, 25), date(2026, 11, 25), "25-29"),
        ("79 years old", date(1947, 1, 1), date(2026, 11, 25), "75-79"),
        ("80 years old today", date(1946, 11, 25), date(2026, 11, 25), "80-"),
        ("103 years old", date(1923, 5, 5), date(2026, 11, 25), "80-"),
        ("leap day birth, 28 Feb of a common year: not yet 15", date(2012, 2, 29), date(2027, 2, 28), "-14"),
        ("leap day birth, 1 Mar of a common year: 15", date(2012, 2, 29), date(2027, 3, 1), "15-19"),
        ("leap day birth, 29 Feb of a leap year: 20", date(2008, 2, 29), date(2028, 2, 29), "20-24"),
        ("leap day birth, 28 Feb of a leap year: still 19", date(2008, 2, 29), date(2028, 2, 28), "15-19"),
    ],
)
def test_age_band_edges(case, birthday, today, band):
    assert age_band(birthday, today) == band, case


def test_no_birthday_or_one_in_the_future_has_no_band():
    assert age_band(None, date(2026, 1, 1)) is None
    assert age_band(date(2026, 1, 2), date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("birthday", "group"),
    [(date(2000, 1, 1), 2000), (date(2004, 12, 31), 2000), (date(2005, 1, 1), 2005), (date(1999, 6, 1), 1995)],
)
def test_birth_year_group_is_the_first_year_of_five(birthday, group):
    assert birth_year_group(birthday) == group


@pytest.mark.parametrize(
    ("channel", "platform"),
    [
        ("android-app", "android"),
        ("Infinity-Android", "android"),
        ("ios-app", "ios"),
        ("iphone", "ios"),
        ("webforms", "webforms"),
        ("webform-campaign", "webforms"),
        ("website", "website"),
        ("web", "website"),
        ("default", "other"),
        (None, "other"),
    ],
)
def test_optin_platform_from_channel(channel, platform):
    assert optin_platform(channel) == platform


@pytest.mark.parametrize(
    ("case", "raw", "club_country", "msisdn", "country"),
    [
        ("Norway, E.164 digits", "4740769126", "NO", "4740769126", "NO"),
        ("Norway, with + and spaces", "+47 407 69 126", None, "4740769126", "NO"),
        ("Norway, national number in a Norwegian club", "40769126", "NO", "4740769126", "NO"),
        ("Sweden, 00 prefix", "0046701234567", "NO", "46701234567", "SE"),
        ("Poland", "+48 512 345 678", None, "48512345678", "PL"),
        ("United Kingdom", "447400123456", None, "447400123456", "GB"),
        ("USA shares +1 with Canada", "12015550123", None, "12015550123", "US"),
        ("Canada shares +1 with the USA", "+1 416 555 0123", None, "14165550123", "CA"),
    ],
)
def test_msisdn_normalized_to_e164_digits_with_its_country(case, raw, club_country, msisdn, country):
    assert normalize_msisdn(raw, club_country) == msisdn, case
    assert msisdn_country(msisdn) == country, case


@pytest.mark.parametrize("raw", ["", "abc", "123", "+47 12", "99999999999999999"])
def test_invalid_msisdn_is_refused(raw):
    assert normalize_msisdn(raw, "NO") is None


def _derive(**overrides):
    values = {
        "properties": {"birthday": "1990-10-23", "gender": "woman"},
        "consents": {},
        "msisdn": "4740769126",
        "email": "ola@example.com",
        "sms_status": "verified",
        "email_status": "enabled",
        "push_status": "enabled",
        "push_devices": 0,
        "optin_channel": "android-app",
        "club_country": "NO",
        "today": date(2026, 11, 25),
    }
    values.update(overrides)
    return derive(**values)


def test_marketing_via_sms_needs_msisdn_verified_status_and_consent():
    consent = {"sms_marketing": {"status": True}}
    assert _derive(consents=consent).marketing_via_sms is True
    assert _derive(consents=consent, sms_status="enabled").marketing_via_sms is False
    assert _derive(consents=consent, msisdn=None).marketing_via_sms is False
    assert _derive(consents={"sms_marketing": {"status": False}}).marketing_via_sms is False


def test_marketing_via_email_needs_email_enabled_or_verified_and_consent():
    consent = {"email_marketing": {"status": True}}
    assert _derive(consents=consent).marketing_via_email is True
    assert _derive(consents=consent, email_status="verified").marketing_via_email is True
    assert _derive(consents=consent, email_status="hard_bounced").marketing_via_email is False
    assert _derive(consents=consent, email=None).marketing_via_email is False
    assert _derive().marketing_via_email is False


def test_marketing_via_push_needs_a_device_and_enabled_push():
    assert _derive(push_devices=1).marketing_via_push is True
    assert _derive(push_devices=1, push_status="disabled").marketing_via_push is False
    assert _derive(push_devices=0).marketing_via_push is False


def test_marketing_via_anything_is_any_channel():
    assert _derive().marketing_via_anything is False
    assert _derive(push_devices=2).marketing_via_anything is True
    assert _derive(consents={"email_marketing": {"status": True}}).marketing_via_anything is True


def test_location_from_city_property_else_club_country():
    oslo = _derive(properties={"city": "Oslo"})
    assert oslo.location_country == "NO"
    assert oslo.city_place_id == "3143244"
    assert oslo.place_id == oslo.city_place_id
    nowhere = _derive(properties={})
    assert nowhere.location_country == "NO"
    assert nowhere.city_place_id is None
    assert nowhere.place_id == "3144096"  # Norway
    abroad = _derive(properties={"country": "se", "city": "Göteborg"})
    assert abroad.location_country == "SE"
    assert abroad.city_place_id == "2711537"  # Gothenburg, found by its Swedish name


def test_gender_age_and_group_come_from_properties():
    derived = _derive()
    assert (derived.gender, derived.age, derived.birth_year_group) == ("woman", "35-39", 1990)


def test_age_bands_move_on_birthdays_without_a_member_change(session, factory):
    from loyaltyhub.members.service import refresh_age_bands
    from tests.members import factories as members

    club = factory.club()
    turning = members.member(session, club, properties={"birthday": "2011-03-01"})
    leap = members.member(session, club, properties={"birthday": "2012-02-29"})
    other = members.member(session, club, properties={"birthday": "2011-06-01"})
    assert refresh_age_bands(session, club, today=date(2026, 2, 28)) == 0
    turning.age = leap.age = other.age = "-14"  # as computed a while ago
    changed = refresh_age_bands(session, club, today=date(2026, 3, 1))
    assert changed == 1, "only the member born on 1 March turns 15 (the leap-day member turns 14)"
    assert (turning.age, leap.age, other.age) == ("15-19", "-14", "-14")
