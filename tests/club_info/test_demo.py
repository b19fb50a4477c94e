"""The club info demo step: what a member app of each demo club shows, through the Public API."""

from __future__ import annotations

from datetime import datetime

from loyaltyhub.demo import DemoOptions, load_demo

NOW = datetime.fromisoformat("2026-11-25T12:00:00+00:00")


def test_the_demo_clubs_have_legal_information_translations_and_programs(session, client, factory):
    credentials = load_demo(session, DemoOptions(members=12, days=3, seed=7), now=NOW)
    slug = credentials["loyalty_club"]
    headers = factory.headers(credentials["client_token"])
    legal = client.get(f"/v3/{slug}/legal_information", headers=headers).json()
    assert legal["company_name"] and legal["terms_url"].startswith("https://")
    english = client.get(f"/v3/{slug}/translations?language=en", headers=headers).json()
    assert english["consents"]["sms_marketing"] == "SMS marketing" and english["terms"]
    assert client.get(f"/v3/{slug}/translations", headers=headers).json()["member_properties"]["gender.man"] == "Mann"
    programs = client.get(f"/v3/{slug}/programs", headers=headers).json()["programs"]
    assert [p["slug"] for p in programs] == ["kids-club", "parking"]
