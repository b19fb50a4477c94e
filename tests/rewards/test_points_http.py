"""Points over HTTP: member status, grant points, corrections, cancellations, the transactions list."""

from __future__ import annotations

from loyaltyhub.auth import permits

GRANT = "/members/{}/rewards-program/grant_points"


def grant(api, member_id: int, body: dict, **kwargs):
    return api.v1("POST", GRANT.format(member_id), json=body, **kwargs)


def test_grant_points_answers_the_created_transaction(api):
    member, _ = api.member()
    body = {"points": 140, "grant_type": "receipt", "grant_properties": {"store_id": 15}}
    response = grant(api, member.id, body)
    assert response.status_code == 200
    transaction = response.json()["transaction"]
    assert transaction == {
        "id": transaction["id"],
        "type": "grant",
        "date": "2026-11-25T12:00:00.000Z",
        "amount": 140,
        "expired_at": None,
        "cancelled_at": None,
        "details": {"grant_type": "receipt", "grant_properties": {"store_id": 15}},
    }
    assert api.status(member.id)["balance"] == 140


def test_grant_points_errors(api, factory):
    member, _ = api.member()
    outsider, _ = api.member(joined=False)
    assert grant(api, outsider.id, {"points": 5}).json() == {"error": "Member is not participating in Rewards Program"}
    assert grant(api, outsider.id, {"points": 5}).status_code == 480
    response = grant(api, 10**12, {"points": 5})
    assert (response.status_code, response.json()) == (404, {"error": f"Member#{10**12} not found"})
    for points in (0, -5, "3", 1.5, True, None, 1_000_001):
        response = grant(api, member.id, {"points": points})
        assert response.status_code == 422 and "points" in response.json()["details"], points
    assert grant(api, member.id, {}).json()["details"] == {"points": [{"error": "blank", "options": {}}]}
    assert grant(api, member.id, {"points": 1, "other": 1}).status_code == 422
    token = factory.client_token([api.club], permits=[permits.REWARDS_STATUS])
    response = api.client.post(
        f"/v1/{api.club.slug}" + GRANT.format(member.id), json={"points": 1}, headers=factory.headers(token)
    )
    assert (response.status_code, response.json()) == (403, {"error": "Missing permit Rewards:Api:GrantPoints"})
    assert api.status(member.id)["balance"] == 0


def test_grant_points_with_an_idempotency_key_grants_once(api):
    member, _ = api.member()
    first = grant(api, member.id, {"points": 7}, headers={"Idempotency-Key": "k1"})
    again = grant(api, member.id, {"points": 7}, headers={"Idempotency-Key": "k1"})
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert api.status(member.id)["balance"] == 7


def test_a_balance_never_goes_over_the_limit(api):
    member, _ = api.member(points=999_999_999)
    response = grant(api, member.id, {"points": 2})
    assert (response.status_code, response.json()) == (422, {"error": "Points limit exceeded"})


def test_status_by_id_and_by_member_token_with_permits(api, factory):
    member, token = api.member(points=10)
    mine = api.me("GET", "/status", token).json()
    assert mine == api.status(member.id)
    assert mine["level"] is None and mine["lifetime_points"] == 10
    # Acting on a member by id also needs BL:Api:Members:ActAs (docs/decisions/auth.md): given here, so the
    # answer names the status permit.
    only_mine = factory.client_token([api.club], permits=[permits.REWARDS_MY_STATUS, permits.MEMBERS_ACT_AS])
    url = f"/v3/{api.club.slug}/members/{member.id}/rewards-program/status"
    response = api.client.get(url, headers=factory.headers(only_mine))
    assert (response.status_code, response.json()) == (
        403,
        {"error": "Missing permit Rewards:Api:Memberships:CheckStatus"},
    )
    url_me = f"/v3/{api.club.slug}/members/me/rewards-program/status"
    headers = {**factory.headers(only_mine), "Authorization": f"Bearer {token}"}
    assert api.client.get(url_me, headers=headers).status_code == 200
    assert api.client.get(url_me, headers=factory.headers(only_mine)).status_code == 460
    only_ids = factory.client_token([api.club], permits=[permits.REWARDS_STATUS])
    headers = {**factory.headers(only_ids), "Authorization": f"Bearer {token}"}
    assert api.client.get(url_me, headers=headers).status_code == 403
    guest = f"/v3/{api.club.slug}/members/guest/rewards-program/status"
    assert api.client.get(guest, headers=api.headers()).status_code == 405
    assert api.v3("GET", "/members/999999999/rewards-program/status").status_code == 404
    missing_product = {"X-Client-Authorization": api.token}
    assert api.client.get(url, headers=missing_product).status_code == 470


def test_status_pages_transactions_newest_first_and_shows_what_expires(api, clock):
    member, _ = api.member()
    for points in (1, 2, 3, 4, 5):
        grant(api, member.id, {"points": points})
        clock.advance(days=40)
    status = api.status(member.id, per_page=2, page=2)
    assert [t["amount"] for t in status["transactions"]] == [3, 2]
    assert status["pagination_info"] == {
        "total_count": 5,
        "per_page": 2,
        "total_pages": 3,
        "current_page": 2,
        "next_page": 3,
        "prev_page": 1,
        "is_first_page": False,
        "is_last_page": False,
        "is_out_of_range": False,
    }
    # Valid 12 months to the end of the month, in Oslo: 25 Nov 2026 -> the end of November 2027.
    assert status["expiring_points"][0] == {"points": 1, "expires_at": "2027-11-30T23:00:00.000Z"}
    assert len(status["expiring_points"]) == 5
    assert api.v3("GET", f"/members/{member.id}/rewards-program/status", params={"per_page": 1001}).status_code == 422
    assert api.v3("GET", f"/members/{member.id}/rewards-program/status", params={"page": 0}).status_code == 422
    assert api.status(member.id)["pagination_info"]["per_page"] == 1000


def test_corrections_add_and_take_points(api):
    member, _ = api.member(points=10)
    url = f"/members/{member.id}/rewards-program/corrections"
    response = api.v1("POST", url, json={"points": 50, "comment": "Just for you"})
    assert response.status_code == 200
    assert (response.json()["transaction"]["type"], response.json()["transaction"]["details"]) == (
        "correction",
        {"comment": "Just for you"},
    )
    assert api.v1("POST", url, json={"points": -60}).json()["transaction"]["amount"] == -60
    response = api.v1("POST", url, json={"points": -1})
    assert (response.status_code, response.json()) == (422, {"error": "Not enough points"})
    assert api.v1("POST", url, json={"points": 0}).status_code == 422
    assert api.status(member.id)["balance"] == 0


def test_cancel_a_transaction(api, clock):
    member, _ = api.member()
    granted = grant(api, member.id, {"points": 42}).json()["transaction"]
    clock.advance(hours=1)
    url = f"/members/{member.id}/rewards-program/transactions/{granted['id']}/cancel"
    response = api.v1("DELETE", url)
    assert response.status_code == 200
    cancellation = response.json()["transaction"]
    assert (cancellation["type"], cancellation["amount"], cancellation["details"]) == (
        "cancellation",
        -42,
        {"cancelled_transaction_id": granted["id"]},
    )
    listed = api.status(member.id)["transactions"]
    assert listed[1]["cancelled_at"] == "2026-11-25T13:00:00.000Z"
    response = api.v1("DELETE", url)
    assert (response.status_code, response.json()) == (405, {"error": "Transaction cannot be cancelled"})
    debit = f"/members/{member.id}/rewards-program/transactions/{cancellation['id']}/cancel"
    assert api.v1("DELETE", debit).status_code == 405
    response = api.v1("DELETE", f"/members/{member.id}/rewards-program/transactions/999999999/cancel")
    assert (response.status_code, response.json()) == (404, {"error": "Transaction not found"})


def test_another_members_transaction_is_not_found(api):
    member, _ = api.member()
    other, _ = api.member()
    granted = grant(api, member.id, {"points": 5}).json()["transaction"]
    response = api.v1("DELETE", f"/members/{other.id}/rewards-program/transactions/{granted['id']}/cancel")
    assert (response.status_code, response.json()) == (404, {"error": "Transaction not found"})
    outsider, _ = api.member(joined=False)
    response = api.v1("DELETE", f"/members/{outsider.id}/rewards-program/transactions/{granted['id']}/cancel")
    assert response.status_code == 404


def test_the_transactions_list_pages_as_the_house_does(api):
    member, _ = api.member()
    for points in (1, 2, 3):
        grant(api, member.id, {"points": points})
    response = api.v1("GET", f"/members/{member.id}/rewards-program/transactions", params={"per_page": 2})
    body = response.json()
    assert [t["amount"] for t in body["transactions"]] == [3, 2]
    assert body["pagination_info"]["total_count"] == 3
    assert (
        api.v1("GET", f"/members/{member.id}/rewards-program/transactions", params={"per_page": 101}).status_code == 422
    )


def test_a_staff_route_on_a_member_checks_the_caller_before_the_id(api):
    """The club and the member are read in one statement (``ClubAndMemberAuth``); the errors keep their
    order: the caller (401) and the club (404) before a 422 of the member id, then 404 for the member.
    Ids written unusually reach the same member."""
    member, _ = api.member()
    path = f"/v1/{api.club.slug}" + GRANT
    assert api.client.post(path.format(0), json={"points": 1}).status_code == 401
    assert (
        api.client.post(f"/v1/no-such-club{GRANT.format(0)}", json={"points": 1}, headers=api.headers()).status_code
        == 404
    )
    assert grant(api, 0, {"points": 1}).status_code == 422
    for written in (f"00{member.id}", f"+{member.id}"):
        response = api.client.post(path.format(written), json={"points": 2}, headers=api.headers())
        assert (response.status_code, response.json()["transaction"]["amount"]) == (200, 2), written
    assert api.status(member.id)["balance"] == 4
