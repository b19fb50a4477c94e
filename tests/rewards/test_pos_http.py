"""Points from a point of sale over HTTP (``POST /v3/{slug}/transactions/points``): feedback per item,
exactly once per ``transaction_id``."""

from __future__ import annotations

from sqlalchemy import func, select

from loyaltyhub.rewards.models import PointsTransaction
from tests.member_offers import factories as mo

URL = "/transactions/points"


def item(member_id, amount=10, **fields):
    return {"identifier_type": "id", "identifier": member_id, "event_type": "purchase", "amount": amount, **fields}


def post(api, *items, **kwargs):
    return api.v3("POST", URL, json=list(items), **kwargs)


def test_a_purchase_earns_points_once_per_transaction_id(api, session):
    member, _ = api.member()
    store = mo.store(api.session, api.club, name="Shop")
    store.external_id = "S-1"
    api.session.flush()
    body = item(member.id, 55, transaction_id="f4c2b7a6", store_id="S-1", event="used coupon", message="Black Friday")
    response = post(api, body)
    assert response.status_code == 200
    [feedback] = response.json()
    transaction = feedback.pop("transaction")
    assert feedback == {"event_type": "purchase", "amount": 55, "status": "ok"}
    assert (transaction["type"], transaction["amount"]) == ("grant", 55)
    assert transaction["details"] == {
        "grant_type": "purchase",
        "grant_properties": {
            "transaction_id": "f4c2b7a6",
            "store_id": "S-1",
            "event": "used coupon",
            "message": "Black Friday",
        },
    }
    again = post(api, body).json()
    assert again[0]["status"] == "ok" and again[0]["transaction"] == transaction
    assert post(api, {**body, "store_id": str(store.id)}).json()[0]["transaction"]["id"] == transaction["id"]
    assert api.status(member.id)["balance"] == 55
    count = session.execute(select(func.count()).where(PointsTransaction.external_id == "f4c2b7a6")).scalar_one()
    assert count == 1


def test_taking_points_and_the_documented_statuses(api):
    member, _ = api.member(points=20)
    other, _ = api.member()
    outsider, _ = api.member(joined=False)
    response = post(
        api,
        item(member.id, -15, event_type="use", transaction_id="u1"),
        item(member.id, -10, event_type="revoke"),
        item(999999999),
        item(member.id, store_id="no-such-store"),
        item(member.id, -5, event_type="purchase"),
        item(member.id, 5, event_type="use"),
        item(outsider.id),
        item(other.id, 3, transaction_id="u1"),
        item(member.id, -1, event_type="other"),
    )
    assert response.status_code == 200
    statuses = [(f["event_type"], f["amount"], f["status"]) for f in response.json()]
    assert statuses == [
        ("use", -15, "ok"),
        ("revoke", -10, "Not enough points in the wallet"),
        ("purchase", 10, "Member does not exist"),
        ("purchase", 10, "Store does not exists"),
        ("purchase", -5, "Incorrect amount"),
        ("use", 5, "Incorrect amount"),
        ("purchase", 10, "Member is not participating in Rewards Program"),
        ("purchase", 3, "Duplicate transaction_id"),
        ("other", -1, "ok"),
    ]
    taken = response.json()[0]["transaction"]
    assert (taken["type"], taken["amount"]) == ("correction", -15)
    assert api.status(member.id)["balance"] == 4
    assert api.status(other.id)["balance"] == 0


def test_members_by_msisdn_and_email(api):
    member, _ = api.member(points=0, email="ola@example.com")
    feedback = post(
        api,
        item(member.msisdn, 1, identifier_type="msisdn"),
        item("OLA@example.com", 2, identifier_type="email"),
        item("not-an-email", 2, identifier_type="email"),
    ).json()
    assert [f["status"] for f in feedback] == ["ok", "ok", "Member does not exist"]
    assert api.status(member.id)["balance"] == 3


def test_invalid_bodies_are_422(api):
    member, _ = api.member()
    bodies = [
        [],
        {},
        [item(member.id, 0)],
        [item(member.id, identifier_type="card")],
        [{**item(member.id), "x": 1}],
        [item(member.id, event_type="gift")],
        [item(member.id, "10")],
        [item(member.id) for _ in range(101)],
    ]
    for body in bodies:
        response = api.v3("POST", URL, json=body)
        assert response.status_code == 422, body
        assert response.json()["error"] == "Invalid parameters"


def test_a_club_without_a_program_answers_402(api):
    member, _ = api.member()
    api.v1("PUT", "/rewards-program", json={"enabled": False})
    response = post(api, item(member.id))
    assert (response.status_code, response.json()) == (402, {"error": "Feature is not enabled for the Loyalty Club"})


def test_an_item_past_the_balance_cap_answers_its_status_and_the_others_are_written(api):
    """Each item is judged on its own: the capped member's item is refused in its feedback (not a 422 of the
    whole batch rolling back the other members' points)."""
    full, _ = api.member(points=1_000_000_000)
    other, _ = api.member()
    response = post(api, item(full.id, 10), item(other.id, 10))
    assert response.status_code == 200, response.text
    assert [feedback["status"] for feedback in response.json()] == ["Points limit exceeded", "ok"]
    assert (api.status(full.id)["balance"], api.status(other.id)["balance"]) == (1_000_000_000, 10)
