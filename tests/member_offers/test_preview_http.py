"""Offers Preview (docs/decisions/offers.md): what a member of given groups, or a guest, would see, with
unpublished offers judged as if published, by the member offers rules themselves."""

from __future__ import annotations

from datetime import timedelta

from loyaltyhub.member_offers.models import OfferLike
from tests.member_offers import factories as mo


def _preview(api, path: str = "", **params):
    return api.client.get(f"/v3/{api.club.slug}/offers/preview{path}", params=params, headers=api.headers())


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [offer["id"] for offer in response.json()["offers"]]


def test_a_guest_preview_shows_unpublished_offers_for_everyone_and_nothing_else(api):
    session, club = api.session, api.club
    group = mo.group(session, club)
    published = mo.offer(session, club)
    draft = mo.offer(session, club, status="draft")
    unpublished = mo.offer(session, club, status="unpublished")
    mo.offer(session, club, audience_id=group.id)  # for the group only
    mo.offer(session, club, status="draft", archived_at=api.clock.now)  # archived: never
    mo.offer(session, club, type="welcome")  # grant-only: a guest holds no grant
    mo.offer(session, club, type="parking")  # another scope
    assert sorted(_ids(_preview(api))) == sorted([published.id, draft.id, unpublished.id])
    assert _ids(_preview(api, include_unpublished="false")) == [published.id]
    guest = _preview(api).json()["offers"][0]
    assert guest["usage"]["usable"] is False and guest["liked"] is False


def test_a_group_preview_adds_the_group_offers_and_judges_usability_for_a_member(api):
    session, club = api.session, api.club
    group, other_group = mo.group(session, club), mo.group(session, club)
    everyone = mo.offer(session, club, status="draft", maximum_uses_per_user=3)
    for_group = mo.offer(session, club, status="draft", audience_id=group.id)
    mo.offer(session, club, audience_id=other_group.id)
    response = _preview(api, group_ids=str(group.id))
    assert sorted(_ids(response)) == sorted([everyone.id, for_group.id])
    usage = {o["id"]: o["usage"] for o in response.json()["offers"]}
    assert usage[everyone.id] == {
        "usable": True,
        "max_uses": 3,
        "uses_left": 3,
        "active_until": None,
        "period": None,
    }
    as_member = _preview(api, as_member="true").json()["offers"]
    assert [o["id"] for o in as_member] == [everyone.id] and as_member[0]["usage"]["usable"] is True


def test_the_preview_of_a_group_is_what_a_member_of_it_gets(api):
    """Same rules, one copy: a member in the group lists exactly the published offers the preview shows."""
    session, club = api.session, api.club
    group = mo.group(session, club, api.member)
    mo.offer(session, club, audience_id=group.id)
    mo.offer(session, club)
    mo.offer(session, club, audience_id=mo.group(session, club).id)
    mo.offer(session, club, visible_until=api.clock.now - timedelta(days=1))
    session.add(OfferLike(loyalty_club_id=club.id, member_id=api.member.id, offer_id=mo.offer(session, club).id))
    session.flush()
    member = api.get(params={"order_by": "id"})
    preview = _preview(api, group_ids=str(group.id), include_unpublished="false", order_by="id")
    assert _ids(member) == _ids(preview)


def test_the_preview_is_judged_at_the_moment_asked(api):
    later = mo.offer(api.session, api.club, status="draft", visible_since=api.clock.now + timedelta(days=7))
    assert _ids(_preview(api)) == []
    moment = (api.clock.now + timedelta(days=8)).isoformat()
    assert _ids(_preview(api, at=moment)) == [later.id]
    assert _preview(api, at="next week").status_code == 422


def test_preview_show_and_meta(api):
    session, club = api.session, api.club
    collection = mo.collection(session, club)
    draft = mo.offer(session, club, status="draft", collection_ids=[collection.id])
    hidden = mo.offer(session, club, audience_id=mo.group(session, club).id)
    shown = _preview(api, f"/{draft.id}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["offer"]["id"] == draft.id and shown.json()["offer"]["collection_ids"] == [collection.id]
    assert _preview(api, f"/{hidden.id}").json() == {"error": f"Offer#{hidden.id} not found"}
    assert _preview(api, f"/{draft.id}", include_unpublished="false").status_code == 404
    meta = _preview(api, "/meta")
    assert meta.status_code == 200, meta.text
    assert meta.json()["meta"]["offers_count"] == 1
    assert meta.json()["meta"]["collections"] == [
        {"id": collection.id, "offers_count": 1, "usable_count": 0, "liked_count": 0}
    ]


def test_groups_and_offers_of_another_club_are_unknown_here(api, factory):
    other = factory.club()
    foreign_group = mo.group(api.session, other)
    foreign_offer = mo.offer(api.session, other, status="draft")
    response = _preview(api, group_ids=f"{mo.group(api.session, api.club).id},{foreign_group.id}")
    assert response.status_code == 422
    assert response.json()["error"] == "Invalid parameters"
    assert "group_ids" in response.json()["details"]
    assert _preview(api, group_ids="x").status_code == 422
    assert _preview(api, f"/{foreign_offer.id}").status_code == 404


def test_the_preview_needs_the_offers_management_permit(api, factory):
    api.token = factory.client_token([api.club], ["Offers:Api:MemberOffers:List", "Offers:Api:Scopes:Standard"])
    for path in ("", "/meta", "/1"):
        assert _preview(api, path).json() == {"error": "Missing permit Offers:Api:Offers:List"}
