"""Receipts over HTTP: the configuration (Management and Public API), a member's submissions (create
with a photo inline or from the Files API, complete the form, withdraw), the limits per calendar day,
week and month in the club's timezone, the club's rules, and staff decisions that earn points once."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.rewards.models import PointsTransaction
from loyaltyhub.rewards.points import multipliers
from loyaltyhub.rewards.receipts import service as receipts
from tests.rewards import factories as rw
from tests.rewards.conftest import NOW

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()
PHOTO = {"content_type": "image/png", "data": PNG}


@pytest.fixture
def store(api):
    return rw.store(api.session, api.club)


@pytest.fixture
def config(api, store):
    """Receipts on: 1 point per 10.00, staff verify."""
    return rw.receipts_configuration(api.session, api.club, points_per_unit=1, unit_amount=1000)


def staff(api, method, path, **kwargs):
    headers = api.headers(**{"X-Loyalty-Club-Slug": api.club.slug, **kwargs.pop("headers", {})})
    return api.client.request(method, f"/v1/receipts{path}", headers=headers, **kwargs)


def submit(api, member_ref, token=None, **body):
    body.setdefault("photo", PHOTO)
    return api.client.post(
        f"/v3/{api.club.slug}/members/{member_ref}/receipts/submissions", headers=api.headers(token), json=body
    )


def form(store, total=24990, purchased_at=None, **extra):
    return {
        "store_id": store.id,
        "total": total,
        "purchased_at": purchased_at or (NOW - timedelta(hours=2)).isoformat(),
        **extra,
    }


def balance(api, member):
    return api.status(member.id)["balance"]


def test_configuration_is_saved_by_staff_and_shown_to_apps(api, store):
    assert staff(api, "GET", "/management/configuration").json()["receipts_configuration"]["enabled"] is False
    body = {"auto_accept": True, "daily_limit": 3, "min_total": 5000, "accepted_store_ids": [store.id]}
    response = staff(api, "PUT", "/management/configuration", json=body)
    assert response.status_code == 200, response.text
    saved = response.json()["receipts_configuration"]
    assert saved == {
        "enabled": True,
        "auto_accept": True,
        "points_per_unit": 1,
        "unit_amount": 100,
        "daily_limit": 3,
        "weekly_limit": None,
        "monthly_limit": None,
        "min_total": 5000,
        "max_total": None,
        "accepted_store_ids": [store.id],
        "max_age_days": None,
    }
    assert staff(api, "PUT", "/management/configuration", json={"weekly_limit": 5}).json()[
        "receipts_configuration"
    ] == {**saved, "weekly_limit": 5}
    public = api.v3("GET", "/receipts/configuration")
    assert public.status_code == 200 and public.json()["receipts_configuration"]["weekly_limit"] == 5


def test_configuration_bodies_are_validated(api, factory):
    elsewhere = rw.store(api.session, factory.club())
    cases = [
        (
            {"min_total": 100, "max_total": 50},
            {"max_total": [{"error": "greater_than_or_equal_to", "options": {"count": 100}}]},
        ),
        (
            {"accepted_store_ids": [elsewhere.id]},
            {"accepted_store_ids": {"0": [{"error": "does_not_exist", "options": {}}]}},
        ),
    ]
    for body, details in cases:
        response = staff(api, "PUT", "/management/configuration", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["details"] == details
    assert staff(api, "PUT", "/management/configuration", json={"daily_limit": -1}).status_code == 422
    assert staff(api, "PUT", "/management/configuration", json={"unit_amount": 0}).status_code == 422


def test_management_needs_its_permits_and_the_club_header(api, factory, config):
    token = factory.client_token([api.club], [permits.RECEIPTS_MANAGEMENT_LIST])
    headers = factory.headers(token, **{"X-Loyalty-Club-Slug": api.club.slug})
    assert api.client.get("/v1/receipts/submissions", headers=headers).status_code == 200
    refused = api.client.get("/v1/receipts/management/configuration", headers=headers)
    assert refused.status_code == 403 and "Missing permit" in refused.json()["error"]
    assert api.client.get("/v1/receipts/submissions", headers=factory.headers(token)).status_code == 470


def test_a_submission_with_a_photo_and_no_form_waits_for_the_form(api, config, store):
    member, token = api.member()
    response = submit(api, "me", token)
    assert response.status_code == 201, response.text
    created = response.json()["receipt_submission"]
    assert created["state"] == "OCR_COMPLETED" and created["member_id"] == member.id
    assert created["form"] == {"store_id": None, "total": None, "purchased_at": None, "receipt_number": None}
    assert created["photo_url"] == f"/v3/{api.club.slug}/files/{created['file_id']}/content"
    content = api.client.get(created["photo_url"], headers=api.headers())
    assert content.status_code == 200 and content.content == base64.b64decode(PNG)
    url = f"/v3/{api.club.slug}/members/me/receipts/submissions/{created['id']}"
    assert api.client.get(url, headers=api.headers(token)).json()["receipt_submission"] == created

    partial = api.client.patch(url, headers=api.headers(token), json={"form": {"store_id": store.id}})
    assert partial.json()["receipt_submission"]["state"] == "OCR_COMPLETED"
    done = api.client.patch(
        url, headers=api.headers(token), json={"form": {"total": 15000, "purchased_at": NOW.isoformat()}}
    )
    assert done.status_code == 200, done.text
    assert done.json()["receipt_submission"]["state"] == "MANUAL_VERIFICARION"
    again = api.client.patch(url, headers=api.headers(token), json={"form": {"total": 1}})
    assert again.status_code == 422
    assert again.json() == {"error": "Receipt submission in state MANUAL_VERIFICARION cannot be updated"}


def test_staff_accept_once_and_the_points_are_earned_once(api, config, store):
    member, token = api.member()
    created = submit(api, "me", token, form=form(store, total=24990, receipt_number="A-1")).json()["receipt_submission"]
    assert created["state"] == "MANUAL_VERIFICARION"
    listed = staff(api, "GET", "/submissions", params={"state": "MANUAL_VERIFICARION"}).json()
    assert [row["id"] for row in listed["receipt_submissions"]] == [created["id"]]
    assert listed["pagination_info"]["total_count"] == 1

    accepted = staff(api, "PATCH", f"/submissions/{created['id']}", json={"state": "ACCEPTED"})
    assert accepted.status_code == 200, accepted.text
    row = accepted.json()["receipt_submission"]
    assert (row["state"], row["points"]) == ("ACCEPTED", 24)
    assert balance(api, member) == 24
    transaction = api.status(member.id)["transactions"][0]
    assert transaction["type"] == "grant" and transaction["id"] == row["transaction_id"]
    assert transaction["details"]["grant_type"] == "receipt"
    assert transaction["details"]["grant_properties"]["receipt_submission_id"] == created["id"]

    for body in ({"state": "ACCEPTED"}, {"state": "REJECTED", "rejection_reason": "No"}):
        refused = staff(api, "PATCH", f"/submissions/{created['id']}", json=body)
        assert refused.status_code == 422 and refused.json() == {"error": "Receipt submission is already accepted"}
    assert balance(api, member) == 24
    delete = api.client.delete(
        f"/v3/{api.club.slug}/members/me/receipts/submissions/{created['id']}", headers=api.headers(token)
    )
    assert delete.status_code == 422
    earned = api.session.scalars(
        select(PointsTransaction).where(PointsTransaction.external_id == f"receipt-submission-{created['id']}")
    ).all()
    assert len(earned) == 1
    # The acceptance is the member's receipt_accepted event (once), which Triggerer rules can act on.
    from loyaltyhub.events.models import MemberEvent

    accepted_events = api.session.execute(
        select(MemberEvent.member_id, MemberEvent.data, MemberEvent.source).where(
            MemberEvent.type == "receipt_accepted"
        )
    ).all()
    assert [tuple(e) for e in accepted_events] == [
        (member.id, {"receipt_id": created["id"], "amount": 249.9}, "loyaltyhub")
    ]


def test_staff_reject_with_a_reason_correct_the_form_and_reconsider(api, config, store):
    member, token = api.member()
    created = submit(api, "me", token, form=form(store, total=9000)).json()["receipt_submission"]
    url = f"/submissions/{created['id']}"
    missing = staff(api, "PATCH", url, json={"state": "REJECTED"})
    assert missing.status_code == 422 and missing.json()["details"] == {
        "rejection_reason": [{"error": "required", "options": {}}]
    }
    rejected = staff(api, "PATCH", url, json={"state": "REJECTED", "rejection_reason": "Photo unreadable"})
    row = rejected.json()["receipt_submission"]
    assert (row["state"], row["rejection_reason"], row["points"]) == ("REJECTED", "Photo unreadable", None)
    mine = api.client.get(
        f"/v3/{api.club.slug}/members/me/receipts/submissions/{created['id']}", headers=api.headers(token)
    )
    assert mine.json()["receipt_submission"]["rejection_reason"] == "Photo unreadable"
    back = staff(api, "PATCH", url, json={"state": "MANUAL_VERIFICARION"}).json()["receipt_submission"]
    assert (back["state"], back["rejection_reason"]) == ("MANUAL_VERIFICARION", None)
    accepted = staff(api, "PATCH", url, json={"state": "ACCEPTED", "form": {"total": 12000}})
    assert accepted.json()["receipt_submission"]["points"] == 12 and balance(api, member) == 12


def test_automatic_acceptance_and_point_multipliers(api, store):
    rw.receipts_configuration(api.session, api.club, auto_accept=True, points_per_unit=1, unit_amount=100)
    other = rw.store(api.session, api.club)
    multipliers.create(
        api.session, api.club.id, {"name": "Double at store", "factor_percent": 200, "store_ids": [store.id]}
    )
    multipliers.create(
        api.session,
        api.club.id,
        {"name": "Triple later", "factor_percent": 300, "starts_at": NOW + timedelta(days=1)},
    )
    member, token = api.member()
    doubled = submit(api, "me", token, form=form(store, total=5050)).json()["receipt_submission"]
    assert (doubled["state"], doubled["points"]) == ("ACCEPTED", 100)
    plain = submit(api, "me", token, form=form(other, total=5050)).json()["receipt_submission"]
    assert plain["points"] == 50
    api.clock.advance(days=2)
    tripled = submit(api, "me", token, form=form(store, total=1000, purchased_at=api.clock.now.isoformat()))
    assert tripled.json()["receipt_submission"]["points"] == 30
    assert balance(api, member) == 180
    grant = api.status(member.id)["transactions"][0]
    assert grant["details"]["grant_properties"]["multiplier"]["factor_percent"] == 300


@pytest.mark.parametrize(
    ("club_rules", "changes", "reason"),
    [
        ({"accepted_store_ids": "other"}, {}, "Store is not accepted"),
        ({"min_total": 10000}, {"total": 9999}, "Total is below the minimum"),
        ({"max_total": 10000}, {"total": 10001}, "Total is above the maximum"),
        ({"max_age_days": 7}, {"purchased_at": (NOW - timedelta(days=8)).isoformat()}, "Receipt is too old"),
        ({}, {"purchased_at": (NOW + timedelta(hours=1)).isoformat()}, "Purchase date is in the future"),
    ],
)
def test_the_clubs_rules_reject_a_form(api, store, club_rules, changes, reason):
    if club_rules.get("accepted_store_ids") == "other":
        club_rules = {"accepted_store_ids": [rw.store(api.session, api.club).id]}
    rw.receipts_configuration(api.session, api.club, auto_accept=True, **club_rules)
    member, token = api.member()
    row = submit(api, "me", token, form={**form(store), **changes}).json()["receipt_submission"]
    assert (row["state"], row["rejection_reason"], row["points"]) == ("REJECTED", reason, None)
    assert balance(api, member) == 0


def test_the_same_receipt_twice_is_rejected(api, store):
    rw.receipts_configuration(api.session, api.club, auto_accept=True)
    _first, first_token = api.member()
    _second, second_token = api.member()
    assert (
        submit(api, "me", first_token, form=form(store, receipt_number="R-9")).json()["receipt_submission"]["state"]
        == "ACCEPTED"
    )
    again = submit(api, "me", second_token, form=form(store, receipt_number="R-9")).json()["receipt_submission"]
    assert (again["state"], again["rejection_reason"]) == ("REJECTED", "Receipt was already submitted")


def test_limits_per_calendar_day_week_and_month_in_the_clubs_timezone(api, config, store):
    api.session.get(type(config), config.id).daily_limit = 2
    config.weekly_limit = 3
    api.session.flush()
    _member, token = api.member()
    url = f"/v3/{api.club.slug}/members/me/receipts/limits_exceeded"
    status = api.client.get(url, headers=api.headers(token)).json()
    assert status["limits_exceeded"] is False
    assert [(use["timespan"], use["limit"], use["used"]) for use in status["limits"]] == [("day", 2, 0), ("week", 3, 0)]
    assert submit(api, "me", token).status_code == 201
    second = submit(api, "me", token).json()["receipt_submission"]
    api.client.delete(f"/v3/{api.club.slug}/members/me/receipts/submissions/{second['id']}", headers=api.headers(token))
    refused = submit(api, "me", token)
    assert refused.status_code == 422 and refused.json() == {"error": "Receipt submissions limit exceeded"}
    status = api.client.get(url, headers=api.headers(token)).json()
    assert status["limits_exceeded"] is True
    # Oslo's day ends at 23:00 UTC (NOW is Wednesday 25 November 2026, 12:00 UTC).
    assert status["limits"][0]["resets_at"] == "2026-11-25T23:00:00.000Z"
    api.clock.now = NOW.replace(hour=23, minute=30)
    assert submit(api, "me", token).status_code == 201  # a new day in Oslo
    refused = submit(api, "me", token)
    assert refused.status_code == 422  # but the week's three are taken
    assert (
        api.client.get(url, headers=api.headers(token)).json()["limits"][1]["resets_at"] == "2026-11-29T23:00:00.000Z"
    )
    _other, other_token = api.member()
    assert submit(api, "me", other_token).status_code == 201  # limits are per member


def test_member_routes_answer_their_errors(api, factory, store):
    _member, token = api.member()
    assert submit(api, "me", token).status_code == 402  # no receipts configuration
    rw.receipts_configuration(api.session, api.club)
    _outsider, outsider_token = api.member(joined=False)
    refused = submit(api, "me", outsider_token)
    assert refused.status_code == 480
    other_club = factory.club()
    foreign_store = rw.store(api.session, other_club)
    cases = [
        ({"photo": None}, {"file_id": [{"error": "exactly_one_of", "options": {"keys": ["file_id", "photo"]}}]}),
        ({"file_id": 1}, {"file_id": [{"error": "exactly_one_of", "options": {"keys": ["file_id", "photo"]}}]}),
        (
            {"photo": {"content_type": "image/png", "data": "!!!!"}},
            {"photo": {"data": [{"error": "invalid", "options": {}}]}},
        ),
        (
            {"photo": {"content_type": "image/jpeg", "data": PNG}},
            {"photo": {"content_type": [{"error": "mismatch", "options": {}}]}},
        ),
        (
            {"form": {"store_id": foreign_store.id}},
            {"form": {"store_id": [{"error": "does_not_exist", "options": {}}]}},
        ),
    ]
    for body, details in cases:
        response = submit(api, "me", token, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["details"] == details
    missing_file = submit(api, "me", token, photo=None, file_id=2**40)
    assert missing_file.json()["details"] == {"file_id": [{"error": "does_not_exist", "options": {}}]}
    assert submit(api, "me", token, form={"total": -1}).status_code == 422
    own = submit(api, "me", token).json()["receipt_submission"]
    _someone, someone_token = api.member()
    theirs = api.client.get(
        f"/v3/{api.club.slug}/members/me/receipts/submissions/{own['id']}", headers=api.headers(someone_token)
    )
    assert theirs.status_code == 404 and theirs.json() == {"error": f"ReceiptSubmission#{own['id']} not found"}


def test_a_photo_uploaded_through_the_files_api(api, config, store):
    member, token = api.member()
    inline = submit(api, "me", token).json()["receipt_submission"]
    reused = submit(api, member.id, photo=None, file_id=inline["file_id"], form=form(store))
    assert reused.status_code == 201, reused.text
    assert reused.json()["receipt_submission"]["file_id"] == inline["file_id"]
    listed = api.client.get(
        f"/v3/{api.club.slug}/members/{member.id}/receipts/submissions", headers=api.headers()
    ).json()
    assert [row["id"] for row in listed["receipt_submissions"]] == [
        reused.json()["receipt_submission"]["id"],
        inline["id"],
    ]


def test_withdrawn_submissions_leave_the_lists(api, config):
    _member, token = api.member()
    created = submit(api, "me", token).json()["receipt_submission"]
    url = f"/v3/{api.club.slug}/members/me/receipts/submissions/{created['id']}"
    assert api.client.delete(url, headers=api.headers(token)).status_code == 204
    assert api.client.get(url, headers=api.headers(token)).status_code == 404
    assert staff(api, "GET", "/submissions").json()["receipt_submissions"] == []
    assert staff(api, "GET", f"/submissions/{created['id']}").status_code == 404


def test_accepting_for_a_member_who_left_is_refused(api, config, store):
    _member, token = api.member()
    created = submit(api, "me", token, form=form(store)).json()["receipt_submission"]
    assert api.me("DELETE", "/leave", token).status_code == 200
    refused = staff(api, "PATCH", f"/submissions/{created['id']}", json={"state": "ACCEPTED"})
    assert refused.status_code == 480
    assert (
        staff(api, "GET", f"/submissions/{created['id']}").json()["receipt_submission"]["state"]
        == "MANUAL_VERIFICARION"
    )


def test_an_incomplete_form_cannot_be_accepted(api, config):
    _member, token = api.member()
    created = submit(api, "me", token).json()["receipt_submission"]
    refused = staff(api, "PATCH", f"/submissions/{created['id']}", json={"state": "ACCEPTED"})
    assert refused.status_code == 422
    assert refused.json()["details"] == {
        "form": [{"error": "incomplete", "options": {"keys": ["store_id", "total", "purchased_at"]}}]
    }
    assert receipts.submission_or_404(api.session, api.club.id, created["id"]).state == "OCR_COMPLETED"


def test_a_receipt_worth_more_points_than_a_balance_may_hold_is_refused_whole(api, store):
    """10^12 minor units at the default 1 point per 100 are 10^10 points: past the ledger's cap (and a
    32-bit column). 422 ``Points limit exceeded`` on both databases, the submission not stored."""
    rw.receipts_configuration(api.session, api.club, auto_accept=True, points_per_unit=1, unit_amount=100)
    member, token = api.member()
    response = submit(api, "me", token, form=form(store, total=10**12))
    assert response.status_code == 422, response.text
    assert response.json() == {"error": "Points limit exceeded"}
    assert api.status(member.id)["balance"] == 0
    mine = api.client.get(f"/v3/{api.club.slug}/members/me/receipts/submissions", headers=api.headers(token))
    assert mine.json()["receipt_submissions"] == []


def test_staff_accepting_a_receipt_past_the_points_cap_is_refused(api, store):
    rw.receipts_configuration(api.session, api.club, points_per_unit=1, unit_amount=100)
    member, token = api.member()
    created = submit(api, "me", token, form=form(store, total=10**12)).json()["receipt_submission"]
    assert created["state"] == "MANUAL_VERIFICARION"
    response = staff(api, "PATCH", f"/submissions/{created['id']}", json={"state": "ACCEPTED"})
    assert response.status_code == 422, response.text
    assert response.json() == {"error": "Points limit exceeded"}
    shown = staff(api, "GET", f"/submissions/{created['id']}").json()["receipt_submission"]
    assert (shown["state"], shown["points"]) == ("MANUAL_VERIFICARION", None)
    assert api.status(member.id)["balance"] == 0


def test_a_member_who_left_cannot_complete_a_form_into_automatic_points(api, store):
    rw.receipts_configuration(api.session, api.club, auto_accept=True)
    member, token = api.member()
    created = submit(api, "me", token).json()["receipt_submission"]
    assert created["state"] == "OCR_COMPLETED"
    assert api.me("DELETE", "/leave", token).status_code == 200
    url = f"/v3/{api.club.slug}/members/me/receipts/submissions/{created['id']}"
    refused = api.client.patch(url, headers=api.headers(token), json={"form": form(store)})
    assert refused.status_code == 480, refused.text
    shown = api.client.get(url, headers=api.headers(token)).json()["receipt_submission"]
    assert (shown["state"], shown["points"]) == ("OCR_COMPLETED", None)
    assert api.session.scalars(select(PointsTransaction).where(PointsTransaction.member_id == member.id)).all() == []
