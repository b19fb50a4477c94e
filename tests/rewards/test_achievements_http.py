"""Achievements: management CRUD, points earned from member events (limit, calendar frequency in the
club's timezone, multipliers), the program info and the member's achievements summary; point
multipliers CRUD."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from loyaltyhub.members.groups.models import MemberGroupMembership
from loyaltyhub.rewards.achievements import service as achievements
from loyaltyhub.rewards.points import multipliers
from tests.rewards.conftest import NOW

ACHIEVEMENTS = "/rewards-program/achievements"
MULTIPLIERS = "/triggerer/point_multipliers"


def create(api, **fields):
    body = {"type": "app_opened", "name": "Open the app", "points": 10, **fields}
    response = api.v1("POST", ACHIEVEMENTS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def event(api, member_token, type="app_opened", data=None):
    body = {"events": [{"type": type, "client_event_id": uuid.uuid4().hex, **({"data": data} if data else {})}]}
    response = api.client.post(f"/v3/{api.club.slug}/members/me/events", headers=api.headers(member_token), json=body)
    assert response.status_code == 200, response.text
    return response


def test_create_show_list_update_and_archive_an_achievement(api):
    created = create(api, limit=5, frequency={"timespan": "day", "limit": 2})
    assert {k: created[k] for k in ("type", "name", "points", "limit", "frequency", "active")} == {
        "type": "app_opened",
        "name": "Open the app",
        "points": 10,
        "limit": 5,
        "frequency": {"timespan": "day", "limit": 2},
        "active": True,
    }
    url = f"{ACHIEVEMENTS}/{created['id']}"
    assert api.v1("GET", url).json() == created
    assert api.v1("GET", ACHIEVEMENTS).json()["achievements"] == [created]
    info = api.v3("GET", "/rewards-program/info").json()
    assert info["achievements"] == [{k: created[k] for k in ("id", "type", "name", "points", "limit", "frequency")}]
    changed = api.v1("PATCH", url, json={**created, "points": 15, "frequency": None})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["points"], changed.json()["frequency"]) == (15, None)
    assert api.v1("DELETE", url).status_code == 204
    assert api.v1("GET", url).json() == {"error": f"Achievement#{created['id']} not found"}
    assert api.v3("GET", "/rewards-program/info").json()["achievements"] == []


def test_achievement_bodies_are_validated(api):
    for body, key in [
        ({"type": "points_earned", "name": "Loop", "points": 1}, "type"),
        ({"type": "no_such_event", "name": "X", "points": 1}, "type"),
        ({"type": "app_opened", "name": "X", "points": 0}, "points"),
        (
            {"type": "app_opened", "name": "X", "points": 1, "frequency": {"timespan": "fortnight", "limit": 1}},
            "frequency",
        ),
        ({"type": "app_opened", "name": "X", "points": 1, "limit": 0}, "limit"),
    ]:
        response = api.v1("POST", ACHIEVEMENTS, json=body)
        assert response.status_code == 422, (body, response.text)
        assert key in response.json()["details"]
    created = create(api)
    response = api.v1("PATCH", f"{ACHIEVEMENTS}/{created['id']}", json={"points": None})
    assert response.status_code == 422 and "points" in response.json()["details"]
    assert api.v1("PATCH", f"{ACHIEVEMENTS}/{2**40}", json={"points": 1}).status_code == 404


def test_member_events_earn_achievements_within_their_limits(api):
    create(api, points=10, limit=3, frequency={"timespan": "day", "limit": 2})
    create(api, type="coupon_used", name="Use a coupon", points=25)
    member, token = api.member()
    for _ in range(3):
        event(api, token)
    status = api.status(member.id)
    assert status["balance"] == 20  # two a day
    achievement = status["transactions"][0]
    assert (achievement["type"], achievement["details"]["achievement_type"]) == ("achievement", "app_opened")
    event(api, token, "coupon_used", {"offer_id": 1})
    assert api.status(member.id)["balance"] == 45
    outsider, outsider_token = api.member(joined=False)
    event(api, outsider_token)  # stored, earns nothing
    assert api.status(outsider.id) == {"membership": False}


def test_limit_and_frequency_follow_the_clubs_calendar(api):
    row = achievements.create(
        api.session,
        api.club.id,
        {"type": "app_opened", "name": "Daily", "points": 5, "limit": 3, "frequency": {"timespan": "day", "limit": 1}},
    )
    member, _ = api.member()
    # Oslo: 22:30 UTC on 25 November is 23:30 local; 23:30 UTC is the next local day.
    late = NOW.replace(hour=22, minute=30)
    assert len(achievements.award(api.session, api.club, member.id, 1, "app_opened", late)) == 1
    assert achievements.award(api.session, api.club, member.id, 2, "app_opened", late + timedelta(minutes=20)) == []
    assert len(achievements.award(api.session, api.club, member.id, 3, "app_opened", late + timedelta(hours=1))) == 1
    assert len(achievements.award(api.session, api.club, member.id, 4, "app_opened", late + timedelta(days=2))) == 1
    assert (
        achievements.award(api.session, api.club, member.id, 5, "app_opened", late + timedelta(days=3)) == []
    )  # limit 3
    assert achievements.award(api.session, api.club, member.id, 3, "app_opened", late + timedelta(hours=1)) == []
    assert row.id


@pytest.mark.parametrize(
    ("timespan", "first", "second", "again"),
    [
        ("hour", "2026-03-29T00:30:00+00:00", "2026-03-29T00:59:00+00:00", "2026-03-29T01:00:00+00:00"),
        ("week", "2026-11-29T22:00:00+00:00", "2026-11-29T22:59:00+00:00", "2026-11-29T23:00:00+00:00"),
        ("month", "2026-10-31T22:00:00+00:00", "2026-10-31T22:59:00+00:00", "2026-10-31T23:00:00+00:00"),
        ("year", "2026-12-31T22:00:00+00:00", "2026-12-31T22:59:00+00:00", "2026-12-31T23:00:00+00:00"),
    ],
)
def test_frequency_periods_are_calendar_periods_in_oslo(api, timespan, first, second, again):
    from datetime import datetime

    achievements.create(
        api.session,
        api.club.id,
        {"type": "app_opened", "name": timespan, "points": 1, "frequency": {"timespan": timespan, "limit": 1}},
    )
    member, _ = api.member()
    at = [datetime.fromisoformat(value) for value in (first, second, again)]
    assert len(achievements.award(api.session, api.club, member.id, 1, "app_opened", at[0])) == 1
    assert achievements.award(api.session, api.club, member.id, 2, "app_opened", at[1]) == []
    assert len(achievements.award(api.session, api.club, member.id, 3, "app_opened", at[2])) == 1


def test_multipliers_by_member_group_and_time_window(api, factory):
    from tests.members import factories as members

    group = members.group(api.session, api.club)
    achievements.create(api.session, api.club.id, {"type": "app_opened", "name": "Open", "points": 10})
    multipliers.create(
        api.session,
        api.club.id,
        {
            "name": "Black Friday",
            "factor_percent": 150,
            "starts_at": NOW,
            "ends_at": NOW + timedelta(days=1),
            "sources": ["achievement"],
        },
    )
    member, _ = api.member()
    (row,) = achievements.award(api.session, api.club, member.id, 1, "app_opened", NOW + timedelta(hours=1))
    assert row.amount == 15 and row.details["multiplier"]["base_points"] == 10
    (row,) = achievements.award(api.session, api.club, member.id, 2, "app_opened", NOW + timedelta(days=2))
    assert row.amount == 10
    multipliers.create(api.session, api.club.id, {"name": "VIP", "factor_percent": 300, "member_group_ids": [group.id]})
    (row,) = achievements.award(api.session, api.club, member.id, 3, "app_opened", NOW + timedelta(days=3))
    assert row.amount == 10  # not in the group
    api.session.add(MemberGroupMembership(loyalty_club_id=api.club.id, group_id=group.id, member_id=member.id))
    api.session.flush()
    (row,) = achievements.award(api.session, api.club, member.id, 4, "app_opened", NOW + timedelta(days=3))
    assert row.amount == 30
    (row,) = achievements.award(api.session, api.club, member.id, 5, "app_opened", NOW + timedelta(hours=2))
    assert row.amount == 30  # the highest factor applies, never compounded


def test_achievements_summary(api):
    achievements.create(api.session, api.club.id, {"type": "app_opened", "name": "Open", "points": 10})
    achievements.create(api.session, api.club.id, {"type": "link_clicked", "name": "Click", "points": 20})
    member, token = api.member()
    achievements.award(api.session, api.club, member.id, 1, "app_opened", NOW - timedelta(days=40))
    achievements.award(api.session, api.club, member.id, 2, "app_opened", NOW)
    achievements.award(api.session, api.club, member.id, 3, "link_clicked", NOW)
    response = api.me("GET", "/status/achievements_summary", token, params={"months_no": 3})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "achievements_by_type": [
            {"type": "app_opened", "times_achieved": 2, "total_amount_earned": 20},
            {"type": "link_clicked", "times_achieved": 1, "total_amount_earned": 20},
        ],
        "achievements_by_month": [
            {"year": 2026, "month": 11, "achievements_made": 2, "total_amount_earned": 30},
            {"year": 2026, "month": 10, "achievements_made": 1, "total_amount_earned": 10},
            {"year": 2026, "month": 9, "achievements_made": 0, "total_amount_earned": 0},
        ],
    }
    one = api.v3("GET", f"/members/{member.id}/rewards-program/status/achievements_summary", params={"months_no": 1})
    assert one.json()["achievements_by_type"] == [
        {"type": "app_opened", "times_achieved": 1, "total_amount_earned": 10},
        {"type": "link_clicked", "times_achieved": 1, "total_amount_earned": 20},
    ]
    assert api.me("GET", "/status/achievements_summary", token, params={"months_no": 1000}).status_code == 422
    _outsider, outsider_token = api.member(joined=False)
    assert api.me("GET", "/status/achievements_summary", outsider_token).status_code == 480


def test_point_multipliers_crud(api):
    body = {"name": "Double at the food court", "factor_percent": 200, "store_ids": [1], "sources": ["receipt"]}
    response = api.v3("POST", MULTIPLIERS, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["factor"], created["factor_percent"], created["sources"]) == (2.0, 200, ["receipt"])
    url = f"{MULTIPLIERS}/{created['id']}"
    assert api.v3("GET", url).json() == created
    assert api.v3("GET", MULTIPLIERS).json()["point_multipliers"] == [created]
    changed = api.v3("PATCH", url, json={**created, "factor_percent": 150})
    assert changed.status_code == 200, changed.text and changed.json()["factor"] == 1.5
    window = {"starts_at": NOW.isoformat(), "ends_at": (NOW - timedelta(hours=1)).isoformat()}
    assert api.v3("POST", MULTIPLIERS, json={**body, **window}).status_code == 422
    assert api.v3("PATCH", url, json={"ends_at": NOW.isoformat(), "starts_at": NOW.isoformat()}).status_code == 422
    assert api.v3("POST", MULTIPLIERS, json={**body, "sources": ["lottery"]}).status_code == 422
    assert api.v3("POST", MULTIPLIERS, json={**body, "factor_percent": 0}).status_code == 422
    assert api.v3("DELETE", url).status_code == 204
    assert api.v3("GET", url).status_code == 404


def test_a_multiplier_rounding_an_achievement_to_no_points_earns_nothing_and_keeps_the_event(api):
    """1 point at 50 % rounds down to 0: no transaction (the ledger refuses to earn 0), never a 500."""
    create(api, points=1)
    multipliers.create(api.session, api.club.id, {"name": "Half", "factor_percent": 50, "sources": ["achievement"]})
    member, token = api.member()
    event(api, token)
    status = api.status(member.id)
    assert status["balance"] == 0
    assert [t for t in status["transactions"] if t["type"] == "achievement"] == []
