"""The catalogue over HTTP: rewards CRUD with stock (Management API), and a member's rewards, purchases
and uses (Public API) with every documented error."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.rewards.models import Reward, RewardPurchase
from tests.rewards import factories as rw

CATALOGUE = "/rewards-program/rewards"
TOASTER = {"name": "Awesome Toaster", "description": "It has incredible features.", "price": 300}


def create(api, **fields):
    response = api.v1("POST", CATALOGUE, json={**TOASTER, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def member_url(member_ref, path: str = "") -> str:
    return f"/members/{member_ref}/rewards-program/rewards{path}"


def purchase(api, member_id, reward_id, **kwargs):
    return api.v3("POST", member_url(member_id, f"/{reward_id}/purchase"), **kwargs)


def use(api, member_id, reward_id, **kwargs):
    return api.v3("POST", member_url(member_id, f"/{reward_id}/use"), **kwargs)


def test_create_show_list_update_and_archive_a_reward(api):
    files = [{"url": "https://example.com/t.jpg", "width": 225, "height": 300, "size_type": "thumbnail"}]
    created = create(api, stock=15, limit_per_member=2, required_member_level="2", files=files)
    assert created["remaining_stock"] == 15 and created["purchased_count"] == 0
    assert created["files"] == [{**files[0], "kind": "reward_default"}]
    assert created["uses_per_purchase"] == 1
    url = f"{CATALOGUE}/{created['id']}"
    assert api.v1("GET", url).json() == created
    assert api.v1("GET", CATALOGUE).json()["rewards"] == [created]
    response = api.v1("PATCH", url, json={**created, "stock": 20, "price": 250})
    assert response.status_code == 200, response.text
    assert (response.json()["stock"], response.json()["price"], response.json()["remaining_stock"]) == (20, 250, 20)
    assert api.v1("DELETE", url).status_code == 204
    assert api.v1("GET", url).json() == {"error": f"Reward#{created['id']} not found"}
    assert api.v1("GET", CATALOGUE).json()["rewards"] == []
    assert api.v1("PATCH", url, json={"price": 1}).status_code == 404


def test_reward_bodies_are_validated(api, factory):
    other_store = factory.club()
    from tests.member_offers import factories as mo

    store = mo.store(api.session, other_store, name="Elsewhere")
    cases = [
        ({"price": 0}, "price"),
        ({"price": "300"}, "price"),
        ({"name": ""}, "name"),
        ({"stock": -1}, "stock"),
        ({"store_id": store.id}, "store_id"),
        ({"files": [{"url": "x", "kind": "other"}]}, "files"),
        ({"visible_from": "2026-01-02T00:00:00Z", "visible_until": "2026-01-01T00:00:00Z"}, "visible_until"),
        ({"visible_from": "2026-01-02T00:00:00"}, "visible_from"),
    ]
    for fields, key in cases:
        response = api.v1("POST", CATALOGUE, json={**TOASTER, **fields})
        assert response.status_code == 422, fields
        assert key in response.json()["details"], (fields, response.json())
    created = create(api)
    url = f"{CATALOGUE}/{created['id']}"
    assert api.v1("PATCH", url, json={"name": None}).json()["details"] == {"name": [{"error": "blank", "options": {}}]}
    assert api.v1("PATCH", url, json={}).status_code == 422
    assert api.v1("PATCH", url, json={"purchased_count": 99, "remaining_stock": 1, "price": 5}).status_code == 200
    response = api.v1("PATCH", url, json={"id": created["id"] + 1, "price": 7})
    assert response.json()["details"] == {"id": [{"error": "read_only", "options": {}}]}


def test_catalogue_permits(api, factory):
    token = factory.client_token([api.club], permits=[permits.REWARDS_CATALOGUE_LIST])
    headers = factory.headers(token)
    assert api.client.get(f"/v1/{api.club.slug}{CATALOGUE}", headers=headers).status_code == 200
    response = api.client.post(f"/v1/{api.club.slug}{CATALOGUE}", headers=headers, json=TOASTER)
    assert (response.status_code, response.json()) == (
        403,
        {"error": "Missing permit Rewards:Api:Management:Rewards:Create"},
    )


def test_members_see_visible_rewards_with_the_stock_left(api, clock):
    member, token = api.member()
    shown = create(api, stock=3)
    create(api, visible_from=(clock.now + timedelta(days=1)).isoformat())
    create(api, visible_until=clock.now.isoformat())
    response = api.me("GET", "/rewards", token)
    assert response.json() == {
        "rewards": [
            {
                "id": shown["id"],
                "name": "Awesome Toaster",
                "description": "It has incredible features.",
                "price": 300,
                "required_member_level": None,
                "remaining_stock": 3,
                "available_until": None,  # the older docs' key: visible_until (docs/decisions/compatibility.md)
                "files": [],
            }
        ]
    }
    assert api.v3("GET", member_url(member.id)).json() == response.json()
    _outsider, outsider_token = api.member(joined=False)
    response = api.me("GET", "/rewards", outsider_token)
    assert (response.status_code, response.json()) == (480, {"error": "Member is not participating in Rewards Program"})
    assert api.me("GET", "/rewards/purchased", outsider_token).status_code == 480


def test_purchase_debits_points_takes_stock_and_issues_a_code(api, session):
    member, token = api.member(points=500)
    reward = create(api, stock=2)
    response = api.me("POST", f"/rewards/{reward['id']}/purchase", token)
    assert response.status_code == 200, response.text
    bought = response.json()["purchase"]
    assert (bought["reward_id"], bought["price"], len(bought["code"])) == (reward["id"], 300, 12)
    status = api.status(member.id)
    assert status["balance"] == 200
    assert status["transactions"][0]["type"] == "reward_purchase"
    assert status["transactions"][0]["details"] == {"reward_name": "Awesome Toaster", "reward_id": reward["id"]}
    assert api.v1("GET", f"{CATALOGUE}/{reward['id']}").json()["remaining_stock"] == 1
    purchased = api.me("GET", "/rewards/purchased", token).json()["rewards"]
    assert purchased == [
        {
            "id": reward["id"],
            "name": "Awesome Toaster",
            "description": "It has incredible features.",
            "files": [],
            "usage": {"left": 1, "usable": True, "active_until": None},
            "purchase_id": bought["id"],
            "code": bought["code"],
            "purchased_at": "2026-11-25T12:00:00.000Z",
        }
    ]


def test_points_earned_and_spent_are_the_members_events(api, session):
    member, token = api.member(points=500)
    reward = create(api)
    assert api.me("POST", f"/rewards/{reward['id']}/purchase", token).status_code == 200
    recorded = session.execute(
        select(MemberEvent.type, MemberEvent.data, MemberEvent.source)
        .where(MemberEvent.member_id == member.id, MemberEvent.type.in_(["points_earned", "points_spent"]))
        .order_by(MemberEvent.id)
    ).all()
    assert [tuple(r) for r in recorded] == [
        ("points_earned", {"points": 500, "reason": "grant"}, "loyaltyhub"),
        ("points_spent", {"points": 300, "reason": "reward_purchase"}, "loyaltyhub"),
    ]


def test_purchase_errors(api, clock):
    api.v1("PUT", "/rewards-program", json={"levels_program": {"type": "regular", "levels": [
        {"name": "1", "points_threshold": 0}, {"name": "2", "points_threshold": 1000}]}})  # fmt: skip
    member, token = api.member(points=400)
    cheap = create(api, price=100, stock=1)
    limited = create(api, price=10, limit_per_member=1)
    gold = create(api, price=10, required_member_level="2")
    pricey = create(api, price=401)

    def refused(reward_id, status, body, member_token=token):
        response = api.me("POST", f"/rewards/{reward_id}/purchase", member_token)
        assert (response.status_code, response.json()) == (status, body), reward_id

    refused(999999999, 404, {"error": "Reward#999999999 not found"})
    refused(pricey["id"], 422, {"error": "Not enough points"})
    refused(gold["id"], 422, {"error": "Member level is not high enough"})
    assert api.me("POST", f"/rewards/{limited['id']}/purchase", token).status_code == 200
    refused(limited["id"], 422, {"error": "User limit exceeded"})
    _other, other_token = api.member(points=400)
    assert api.me("POST", f"/rewards/{cheap['id']}/purchase", other_token).status_code == 200
    refused(cheap["id"], 422, {"error": "Global limit exceeded"})
    _outsider, outsider_token = api.member(joined=False)
    refused(cheap["id"], 480, {"error": "Member is not participating in Rewards Program"}, outsider_token)
    _banned, banned_token = api.member(points=400, banned_until=clock.now + timedelta(days=1))
    refused(cheap["id"], 467, {"error": "Member is banned!", "banned_until": "2026-11-26T12:00:00.000Z"}, banned_token)
    api.v1("DELETE", f"{CATALOGUE}/{pricey['id']}")
    refused(pricey["id"], 404, {"error": f"Reward#{pricey['id']} not found"})
    assert api.status(member.id)["balance"] == 390  # only the one purchase that succeeded


def test_a_refused_purchase_writes_nothing(api, session):
    member, token = api.member(points=100)
    reward = create(api, price=100, stock=0)
    response = api.me("POST", f"/rewards/{reward['id']}/purchase", token)
    assert (response.status_code, response.json()) == (422, {"error": "Global limit exceeded"})
    assert api.status(member.id)["balance"] == 100 and len(api.status(member.id)["transactions"]) == 1
    assert session.execute(select(RewardPurchase).where(RewardPurchase.member_id == member.id)).first() is None
    assert session.execute(select(Reward.purchased_count).where(Reward.id == reward["id"])).scalar_one() == 0


def test_purchase_with_an_idempotency_key_buys_once(api):
    member, token = api.member(points=1000)
    reward = create(api)
    key = {"Idempotency-Key": "buy-1"}
    first = api.me("POST", f"/rewards/{reward['id']}/purchase", token, headers=key)
    again = api.me("POST", f"/rewards/{reward['id']}/purchase", token, headers=key)
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert api.status(member.id)["balance"] == 700


def test_purchase_by_member_id_needs_the_non_oauth_permit(api, factory):
    member, token = api.member(points=1000)
    reward = create(api)
    # With BL:Api:Members:ActAs (acting on a member by id needs it), so the answer names the purchase permit.
    oauth_only = factory.client_token([api.club], permits=[permits.REWARDS_PURCHASE, permits.MEMBERS_ACT_AS])
    url = f"/v3/{api.club.slug}" + member_url(member.id, f"/{reward['id']}/purchase")
    response = api.client.post(url, headers=factory.headers(oauth_only))
    assert (response.status_code, response.json()) == (403, {"error": "Missing permit Rewards:Api:Rewards:Purchase"})
    me_url = f"/v3/{api.club.slug}" + member_url("me", f"/{reward['id']}/purchase")
    headers = {**factory.headers(oauth_only), "Authorization": f"Bearer {token}"}
    assert api.client.post(me_url, headers=headers).status_code == 200


def test_use_activates_a_purchase_for_the_activation_time(api, clock):
    api.v1("PUT", "/rewards-program", json={"reward_activation_time": 35})
    _member, token = api.member(points=1000)
    reward = create(api, price=100, uses_per_purchase=2)
    response = api.me("POST", f"/rewards/{reward['id']}/use", token)
    assert (response.status_code, response.json()) == (422, {"error": "Not granted"})
    api.me("POST", f"/rewards/{reward['id']}/purchase", token)
    response = api.me("POST", f"/rewards/{reward['id']}/use", token)
    assert response.status_code == 200
    assert response.json() == {"usage": {"left": 1, "usable": True, "active_until": "2026-11-25T12:00:35.000Z"}}
    response = api.me("POST", f"/rewards/{reward['id']}/use", token)
    assert (response.status_code, response.json()) == (422, {"error": "Already active"})
    clock.advance(seconds=35)
    last = api.me("POST", f"/rewards/{reward['id']}/use", token).json()
    assert last == {"usage": {"left": 0, "usable": False, "active_until": "2026-11-25T12:01:10.000Z"}}
    clock.advance(seconds=35)
    response = api.me("POST", f"/rewards/{reward['id']}/use", token)
    assert (response.status_code, response.json()) == (422, {"error": "User limit exceeded"})
    api.me("POST", f"/rewards/{reward['id']}/purchase", token)
    assert api.me("POST", f"/rewards/{reward['id']}/use", token).json()["usage"]["left"] == 1
    api.v1("DELETE", f"{CATALOGUE}/{reward['id']}")  # archived: what was purchased stays usable
    clock.advance(seconds=35)
    assert api.me("POST", f"/rewards/{reward['id']}/use", token).status_code == 200


def test_use_errors(api, clock):
    _member, token = api.member(points=1000)
    reward = create(api, price=100, usable_until=(clock.now + timedelta(days=1)).isoformat())
    api.me("POST", f"/rewards/{reward['id']}/purchase", token)
    response = api.me("POST", "/rewards/999999999/use", token)
    assert (response.status_code, response.json()) == (404, {"error": "Reward#999999999 not found"})
    clock.advance(days=2)
    response = api.me("POST", f"/rewards/{reward['id']}/use", token)
    assert (response.status_code, response.json()) == (422, {"error": "Reward is no longer usable"})
    _banned, banned_token = api.member(banned_until=clock.now + timedelta(hours=1))
    assert api.me("POST", f"/rewards/{reward['id']}/use", banned_token).status_code == 467
    _outsider, outsider_token = api.member(joined=False)
    assert api.me("POST", f"/rewards/{reward['id']}/use", outsider_token).status_code == 480
    assert api.me("POST", f"/rewards/{reward['id']}/use", None).status_code == 460


def test_another_clubs_reward_is_not_found(api, factory):
    _member, token = api.member(points=1000)
    other = factory.club()
    rw.program(api.session, other)
    foreign = rw.reward(api.session, other)
    response = api.me("POST", f"/rewards/{foreign.id}/purchase", token)
    assert (response.status_code, response.json()) == (404, {"error": f"Reward#{foreign.id} not found"})
    assert api.v1("GET", f"{CATALOGUE}/{foreign.id}").status_code == 404
