"""The seeds' example responses, reproduced in shape on demo data (a small demo load)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyaltyhub.db.base import utcnow
from loyaltyhub.demo import DemoOptions, load_demo
from tests.reporting.factories import reporting_headers


@pytest.fixture
def demo(session, factory):
    load_demo(session, DemoOptions(members=60, days=14, seed=7))
    from sqlalchemy import select

    from loyaltyhub.clubs.models import LoyaltyClub

    club = session.execute(select(LoyaltyClub).where(LoyaltyClub.slug == "infinity-mall")).scalar_one()
    return club, reporting_headers(factory.client_token([club]), club)


def post(client, headers, body):
    response = client.post("/v1/reporting/query", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_seed_shapes(client, demo):
    club, headers = demo
    members = post(client, headers, {"report": "members", "per_page": 5})
    assert members["result_type"] == "records" and len(members["records"]) == 5
    assert isinstance(members["pagination"]["next_page_info"], str)
    record = members["records"][0]
    assert isinstance(record["id"], int) and record["community_id"] == club.id
    assert isinstance(record["consents"], dict) and all(isinstance(v, bool) for v in record["consents"].values())
    assert record["optin_platform"] in ("android", "ios", "website", "webforms", "other")
    assert record["created_at"].endswith("Z")

    genders = post(client, headers, {"report": "members", "aggregate_by": "gender_count"})["records"]
    assert all(set(r) == {"community_id", "gender", "members_count"} for r in genders)
    [total] = post(client, headers, {"report": "members_count"})["records"]
    assert sum(r["members_count"] for r in genders) == total["members_count"]

    grouped = post(client, headers, {"report": "members_grouped_count", "per_page": 1000})
    assert grouped["pagination"] == {"next_page_info": None}
    types = {r["grouping_type"] for r in grouped["records"]}
    assert {"optin_channel", "optin_platform", "country"} <= types
    optin = [r for r in grouped["records"] if r["grouping_type"] == "optin_platform"]
    assert sum(r["members_count"] for r in optin) == total["members_count"]

    now = utcnow()
    window = {"from": (now - timedelta(days=14)).isoformat(), "to": now.isoformat()}
    stats = post(client, headers, {"report": "offers_usages_stats", "interval": "5m", **window})
    assert list(stats) == ["interval", "range_timezone", "series", "data_points", "result_type"]
    assert stats["range_timezone"] == "Europe/Oslo" and stats["series"][0]["label"] == {}
    assert isinstance(stats["series"][0]["value"], int)

    balance = post(
        client,
        headers,
        {"report": "member_balance", "filter": None, "aggregate_by": "consents", "interval": "auto", **window},
    )
    assert list(balance) == ["interval", "range_timezone", "time_buckets", "series", "data_points", "result_type"]
    assert balance["interval"] == "1d"
    assert balance["time_buckets"][0].endswith(("+01:00", "+02:00"))
    assert {"type", "consent_key", "consent_value"} == set(balance["series"][0]["label"])
    assert balance["data_points"] == sum(v is not None for s in balance["series"] for v in s["values"])
