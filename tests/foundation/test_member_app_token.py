"""A member app's client token ships inside the app and is public: by default (the demo app,
``tokens create --app-permits``) it carries what the member's own app needs and no management permit. It
carried every permit but two, so anyone holding the app could list every member, read the reports or post
events for any member."""

from __future__ import annotations

from loyaltyhub.auth import permits
from loyaltyhub.auth.permits import MANAGEMENT_ONLY, MEMBER_APP, app_permits, is_known
from tests.member_offers import factories as mo


def test_the_app_permits_are_a_known_allowlist_without_management():
    assert all(is_known(name) for name in MEMBER_APP)
    assert set(app_permits()) == MEMBER_APP and MEMBER_APP.isdisjoint(MANAGEMENT_ONLY)
    for management in (
        permits.MEMBERS_LIST,
        permits.MEMBERS_SHOW,
        permits.MEMBERS_UPDATE,
        permits.MEMBERS_GROUPS,
        permits.OFFERS_LIST,
        permits.MESSAGES_HISTORY_LIST,
        permits.LINKS_GENERATE,
        permits.REWARDS_STATUS,
    ):
        assert management not in MEMBER_APP, management
    assert not any(name.startswith(("Reporting:", "Webhooks:", "Triggerer:", "Messages:")) for name in MEMBER_APP)


def test_an_app_token_signs_up_but_reads_no_other_member(client, factory, session):
    club = factory.club()
    other = mo.member(session, club)
    headers = factory.headers(factory.client_token([club], app_permits()))
    signed_up = client.post(
        f"/v3/{club.slug}/members",
        json={"email": "new@example.com", "password": "a long enough password 1", "terms_of_service_accepted": True},
        headers=headers,
    )
    assert signed_up.status_code in (201, 422), signed_up.text  # the app may sign up (the club's schema decides)
    assert signed_up.status_code != 403
    for path in (
        f"/v3/{club.slug}/members",
        f"/v3/{club.slug}/members/by_email/{other.email}",
    ):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 403, (path, refused.text)
    query = client.post("/v1/reporting/query", json={"report": "members_count"}, headers=headers)
    assert query.status_code >= 400  # and no Reporting permit at all (above)
    bulk = client.post(
        f"/v3/{club.slug}/member_events/bulk",
        json={"events": [{"type": "app_opened", "member_id": other.id}]},
        headers=headers,
    )
    assert (bulk.status_code, bulk.json()) == (403, {"error": "Missing permit BL:Api:Members:ActAs"})
