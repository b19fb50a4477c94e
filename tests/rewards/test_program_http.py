"""The program over HTTP: info, join, leave (Public API) and its configuration (Management API)."""

from __future__ import annotations

from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.rewards.models import RewardsAccount, RewardsProgram
from tests.rewards import factories as rw

LEVELS = {"type": "regular", "levels": [{"name": "2", "points_threshold": 300}, {"name": "1", "points_threshold": 0}]}


def test_info_shows_levels_and_activation_time(api):
    api.v1("PUT", "/rewards-program", json={"levels_program": LEVELS, "reward_activation_time": 35})
    response = api.v3("GET", "/rewards-program/info")
    assert response.status_code == 200
    assert response.json() == {
        "achievements": [],
        "levels_program": {"type": "regular", "levels": [LEVELS["levels"][1], LEVELS["levels"][0]]},
        "reward_activation_time": 35,
    }


def test_a_club_without_an_enabled_program_answers_402(api, factory):
    api.v1("PUT", "/rewards-program", json={"enabled": False})
    _, token = api.member(joined=False)
    expected = {"error": "Feature is not enabled for the Loyalty Club"}
    assert api.v3("GET", "/rewards-program/info").json() == expected
    response = api.me("POST", "/join", token)
    assert (response.status_code, response.json()) == (402, expected)
    other = factory.club()
    headers = factory.headers(factory.client_token([other]))
    response = api.client.get(f"/v3/{other.slug}/rewards-program/info", headers=headers)
    assert response.status_code == 402


def test_info_needs_its_permit(api, factory):
    token = factory.client_token([api.club], permits=[permits.REWARDS_JOIN])
    response = api.client.get(f"/v3/{api.club.slug}/rewards-program/info", headers=factory.headers(token))
    assert (response.status_code, response.json()) == (403, {"error": "Missing permit Rewards:Api:Program:GetInfo"})


def test_join_then_status_then_join_again_changes_nothing(api, clock):
    member, token = api.member(joined=False)
    assert api.me("GET", "/status", token).json() == {"membership": False}
    response = api.me("POST", "/join", token)
    assert (response.status_code, response.json()) == (200, {})
    api.session.refresh(member)
    assert member.consents["rewards_enrollment"] == {"status": True, "updated_at": "2026-11-25T12:00:00.000Z"}
    clock.advance(days=1)
    assert api.me("POST", "/join", token).status_code == 200
    status = api.me("GET", "/status", token).json()
    assert status["membership"] is True and status["balance"] == 0
    assert status["membership_started_at"] == "2026-11-25T12:00:00.000Z"


def test_join_and_leave_need_the_member_token(api):
    assert api.me("POST", "/join", None).status_code == 460
    response = api.me("DELETE", "/leave", "lhm_not-a-token")
    assert (response.status_code, response.json()) == (460, {"error": "Invalid or expired access token"})


def test_leave_keeps_the_history_and_the_points_for_a_rejoin(api, clock):
    member, token = api.member(points=40)
    response = api.me("DELETE", "/leave", token)
    assert (response.status_code, response.json()) == (200, {})
    api.session.refresh(member)
    assert member.consents["rewards_enrollment"]["status"] is False
    assert api.me("GET", "/status", token).json() == {"membership": False}
    response = api.me("DELETE", "/leave", token)
    assert (response.status_code, response.json()) == (480, {"error": "Member is not participating in Rewards Program"})
    history = api.v1("GET", f"/members/{member.id}/rewards-program/transactions").json()
    assert [t["amount"] for t in history["transactions"]] == [40]
    clock.advance(days=3)
    api.me("POST", "/join", token)
    status = api.me("GET", "/status", token).json()
    assert status["balance"] == 40 and status["membership_started_at"] == "2026-11-28T12:00:00.000Z"


def test_a_club_that_forfeits_points_on_leave_records_a_correction(api, session):
    api.v1("PUT", "/rewards-program", json={"forfeit_points_on_leave": True})
    member, token = api.member(points=40)
    assert api.me("DELETE", "/leave", token).status_code == 200
    api.me("POST", "/join", token)
    status = api.me("GET", "/status", token).json()
    assert status["balance"] == 0
    assert next((t["type"], t["amount"], t["details"]) for t in status["transactions"]) == (
        "correction",
        -40,
        {"comment": "Left the Rewards Program"},
    )
    account = session.execute(select(RewardsAccount).where(RewardsAccount.member_id == member.id)).scalar_one()
    assert account.balance == 0


def test_management_shows_and_saves_the_program(api, factory, session):
    club = factory.club()
    token = factory.client_token([club])
    url, headers = f"/v1/{club.slug}/rewards-program", factory.headers(token)
    assert api.client.get(url, headers=headers).json() == {"error": "Rewards Program not found"}
    response = api.client.put(
        url, headers=headers, json={"points_validity_months": 6, "points_expire_at": "end_of_day"}
    )
    assert response.status_code == 200
    saved = response.json()["rewards_program"]
    assert {
        k: saved[k] for k in ("enabled", "reward_activation_time", "points_validity_months", "points_expire_at")
    } == {
        "enabled": True,
        "reward_activation_time": 30,
        "points_validity_months": 6,
        "points_expire_at": "end_of_day",
    }
    response = api.client.put(url, headers=headers, json={"points_validity_months": None, "levels_program": None})
    assert response.json()["rewards_program"]["points_validity_months"] is None
    assert response.json()["rewards_program"]["points_expire_at"] == "end_of_day"
    assert api.client.get(url, headers=headers).json() == response.json()
    assert session.execute(select(RewardsProgram).where(RewardsProgram.loyalty_club_id == club.id)).scalar_one()


def test_program_bodies_are_validated(api):
    cases = [
        ({"enabled": None}, "enabled"),
        ({"enabled": 1}, "enabled"),
        ({"points_expire_at": "end_of_week"}, "points_expire_at"),
        ({"reward_activation_time": -1}, "reward_activation_time"),
        ({"levels_program": {"type": "regular", "levels": []}}, "levels_program"),
        ({"levels_program": {"type": "virtual_level"}}, "levels_program"),
        ({"unknown": 1}, "unknown"),
    ]
    for body, key in cases:
        response = api.v1("PUT", "/rewards-program", json=body)
        assert response.status_code == 422, body
        assert key in response.json()["details"], (body, response.json())
    same_names = {
        "type": "regular",
        "levels": [{"name": "a", "points_threshold": 0}, {"name": "a", "points_threshold": 5}],
    }
    assert api.v1("PUT", "/rewards-program", json={"levels_program": same_names}).status_code == 422


def test_levels_are_reached_by_points_earned_in_total(api):
    api.v1("PUT", "/rewards-program", json={"levels_program": LEVELS})
    member, _ = api.member(points=310)
    api.v1("POST", f"/members/{member.id}/rewards-program/corrections", json={"points": -300})
    status = api.status(member.id)
    assert (status["balance"], status["lifetime_points"], status["level"]) == (10, 310, "2")


def test_another_club_cannot_be_configured(api, factory):
    other = factory.club()
    rw.program(api.session, other)
    assert api.client.get(f"/v1/{other.slug}/rewards-program", headers=api.headers()).status_code == 401
