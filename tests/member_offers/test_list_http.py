"""GET .../offers (reference C.2), /meta, show, like/unlike and seen/clicked events through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from loyaltyhub.events.models import MemberEvent
from loyaltyhub.member_offers.models import OfferEvent, OfferLike
from tests.member_offers import factories as mo


def ids(response):
    assert response.status_code == 200, response.text
    return [o["id"] for o in response.json()["offers"]]


def test_public_offer_model_of_reference_c1(api):
    store = mo.store(api.session, api.club, "M&H")
    collection = mo.collection(api.session, api.club)
    offer = mo.offer(
        api.session,
        api.club,
        name={"en": "Buy two shoes, get one jacket", "no": "Kjøp to sko"},
        description={},
        external_url="https://example.com/foo",
        usable_since=api.clock.now - timedelta(days=1),
        store_id=store.id,
        collection_ids=[collection.id],
        maximum_uses_per_user=10,
        files=[{"url": "https://cdn.example.com/offer.jpg", "kind": "offer_default", "width": 600, "height": 800}],
        read_more={"button_title": "Button title", "url": None, "title": "Title", "text": "Text", "enabled": True},
        activation_texts={"modal": "Modal", "button": "Button", "description": None},
        extras={"category": 42},
    )
    response = api.get(headers={"X-Locale": "en"})
    assert response.json() == {
        "offers": [
            {
                "id": offer.id,
                "name": "Buy two shoes, get one jacket",
                "description": None,
                "type": "REGULAR",
                "external_url": "https://example.com/foo",
                "usable_since": "2026-11-24T12:00:00.000Z",
                "usable_until": None,
                "usage_authorization_token_required": False,
                "collection_ids": [collection.id],
                "stores": ["M&H"],
                "images": [{"url": "https://cdn.example.com/offer.jpg"}],
                "display": {
                    "read_more": {"button_title": "Button title", "url": None, "title": "Title", "text": "Text"},
                    "activation_texts": {"modal": "Modal", "button": "Button", "description": None},
                },
                "liked": False,
                "usage": {"usable": True, "max_uses": 10, "uses_left": 10, "active_until": None, "period": None},
                "extras": {"category": 42},
            }
        ]
    }


def test_name_follows_x_locale_then_the_club_default_language(api):
    mo.offer(api.session, api.club, name={"no": "Tilbud", "en": "Offer", "es": "Oferta"})
    assert api.get().json()["offers"][0]["name"] == "Tilbud"  # club default: no
    assert api.get(headers={"X-Locale": "en"}).json()["offers"][0]["name"] == "Offer"
    assert api.get(headers={"X-Locale": "es-ES"}).json()["offers"][0]["name"] == "Oferta"
    assert api.get(headers={"X-Locale": "pl"}).json()["offers"][0]["name"] == "Tilbud"
    assert api.get(headers={"X-Locale": 'en"]'}).status_code == 471


def test_visibility_rules(api):
    now = api.clock.now
    group = mo.group(api.session, api.club, api.member)
    visible = [
        mo.offer(api.session, api.club),
        mo.offer(api.session, api.club, audience_id=group.id),
        mo.offer(api.session, api.club, usable_since=now + timedelta(days=1)),  # visible, not usable yet
    ]
    granted = mo.offer(api.session, api.club, type="exclusive")
    mo.grant(api.session, granted, api.member, now)
    visible.append(granted)
    hidden = [
        mo.offer(api.session, api.club, status="draft"),
        mo.offer(api.session, api.club, archived_at=now),
        mo.offer(api.session, api.club, visible_since=now + timedelta(minutes=1)),
        mo.offer(api.session, api.club, visible_until=now - timedelta(minutes=1)),
        mo.offer(api.session, api.club, audience_id=mo.group(api.session, api.club).id),
        mo.offer(api.session, api.club, type="welcome"),  # not granted
        mo.offer(api.session, api.club, type="parking"),  # another scope
    ]
    expired = mo.offer(api.session, api.club, type="game_prize", usable_in_seconds_after_granting=60)
    mo.grant(api.session, expired, api.member, now - timedelta(seconds=61))
    hidden.append(expired)
    assert sorted(ids(api.get(params={"order_by": "id"}))) == sorted(o.id for o in visible)
    guest = ids(api.get(ref="guest"))
    assert sorted(guest) == sorted([visible[0].id, visible[2].id])
    for offer in hidden:
        assert api.get(f"/{offer.id}").status_code == 404


ACT_AS = "BL:Api:Members:ActAs"  # the test acts on its member by id


def test_scope_selects_types_and_needs_its_permit(api, factory):
    parking = mo.offer(api.session, api.club, type="parking")
    mo.offer(api.session, api.club)
    assert ids(api.get(params={"scope": "parking"})) == [parking.id]
    api.token = factory.client_token([api.club], ["Offers:Api:MemberOffers:List", "Offers:Api:Scopes:Standard", ACT_AS])
    assert api.get(params={"scope": "parking"}).json() == {"error": "Missing permit Offers:Api:Scopes:Parking"}
    assert api.get(params={"scope": "nope"}).status_code == 422


def test_filters(api):
    store = mo.store(api.session, api.club, "Cubus")
    c1, c2 = mo.collection(api.session, api.club), mo.collection(api.session, api.club)
    a = mo.offer(api.session, api.club, name={"no": "Sko halv pris"}, collection_ids=[c1.id], campaign_id=5)
    b = mo.offer(api.session, api.club, name={"no": "Jakke"}, collection_ids=[c2.id], store_id=store.id)
    c = mo.offer(api.session, api.club, type="birthday", name={"no": "Bursdag"}, description={"en": "Free SHOES"})
    assert ids(api.get(params={"collection_ids": [c1.id, c2.id], "order_by": "id"})) == [a.id, b.id]
    assert ids(api.get(params={"collection_ids": f"{c2.id}"})) == [b.id]
    assert ids(api.get(params={"stores": "Cubus"})) == [b.id]
    assert ids(api.get(params={"store_ids": store.id})) == [b.id]
    assert ids(api.get(params={"ids": f"{a.id},{c.id}", "order_by": "id"})) == [a.id, c.id]
    assert ids(api.get(params={"type": "BIRTHDAY"})) == [c.id]
    assert ids(api.get(params={"campaign_id": 5})) == [a.id]
    assert ids(api.get(params={"search": "sko", "order_by": "id"})) == [a.id]
    assert ids(api.get(params={"search": "shoes"})) == [c.id]
    assert api.get(params={"ids": "x"}).json()["details"] == {
        "ids": {"0": [{"error": "invalid_type", "options": {"expected": "integer"}}]}
    }


def test_usable_and_liked_filters(api):
    api.club.offer_active_seconds = 0
    used_up = mo.offer(api.session, api.club, maximum_uses_per_user=1)
    fresh = mo.offer(api.session, api.club)
    assert api.use(used_up.id).status_code == 200
    assert ids(api.get(params={"usable": "true"})) == [fresh.id]
    assert api.client.post(api.url(f"/{used_up.id}/like"), headers=api.headers()).status_code == 200
    assert ids(api.get(params={"liked": "true"})) == [used_up.id]


def test_order_by_is_allow_listed_and_multi_key(api):
    api.club.offer_active_seconds = 0
    a = mo.offer(api.session, api.club, name={"no": "B"}, maximum_uses_per_user=1)
    b = mo.offer(api.session, api.club, name={"no": "a"})
    c = mo.offer(api.session, api.club, name={"no": "C"})
    api.use(a.id)
    assert ids(api.get()) == [b.id, a.id, c.id]  # default: name, case-insensitive
    assert ids(api.get(params={"order_by": "name DESC"})) == [c.id, a.id, b.id]
    assert ids(api.get(params={"order_by": "usable ASC, name DESC"})) == [a.id, c.id, b.id]
    assert ids(api.get(params={"order_by": "usable desc, id desc"})) == [c.id, b.id, a.id]
    response = api.get(params={"order_by": "name; DROP TABLE offers"})
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["order_by"]


def test_paging_and_pagination_info(api):
    offers = [mo.offer(api.session, api.club) for _ in range(5)]
    response = api.get(params={"per_page": 2, "page_no": 3, "order_by": "id", "include_pagination_info": "true"})
    assert ids(response) == [offers[4].id]
    assert response.json()["pagination_info"] == {
        "total_count": 5,
        "per_page": 2,
        "total_pages": 3,
        "current_page": 3,
        "next_page": None,
        "prev_page": 2,
        "is_first_page": False,
        "is_last_page": True,
        "is_out_of_range": False,
    }
    assert "pagination_info" not in api.get().json()
    assert api.get(params={"per_page": 101}).status_code == 422


def test_meta_counts(api):
    api.club.offer_active_seconds = 600
    c1 = mo.collection(api.session, api.club)
    a = mo.offer(api.session, api.club, collection_ids=[c1.id], maximum_uses_per_user=1)
    b = mo.offer(api.session, api.club, collection_ids=[c1.id])
    mo.offer(api.session, api.club)
    api.use(a.id)
    api.client.post(api.url(f"/{b.id}/like"), headers=api.headers())
    response = api.get("/meta")
    assert response.status_code == 200
    assert response.json() == {
        "meta": {
            "offers_count": 3,
            "usable_count": 2,
            "liked_count": 1,
            "active_count": 1,
            "collections": [{"id": c1.id, "offers_count": 2, "usable_count": 1, "liked_count": 1}],
        }
    }


def test_show(api):
    offer = mo.offer(api.session, api.club)
    response = api.get(f"/{offer.id}")
    assert response.status_code == 200
    assert response.json()["offer"]["id"] == offer.id
    assert api.get("/999999").json() == {"error": "Offer#999999 not found"}


def test_like_and_unlike_are_idempotent_and_recorded_as_events(api):
    offer = mo.offer(api.session, api.club)
    url = api.url(f"/{offer.id}/like")
    assert api.client.post(url, headers=api.headers()).json()["offer"]["liked"] is True
    assert api.client.post(url, headers=api.headers()).json()["offer"]["liked"] is True
    assert api.session.execute(select(OfferLike)).scalars().all()[0].member_id == api.member.id
    assert api.client.delete(url, headers=api.headers()).json()["offer"]["liked"] is False
    assert api.client.delete(url, headers=api.headers()).status_code == 200
    kinds = api.session.execute(select(OfferEvent.kind).order_by(OfferEvent.id)).scalars().all()
    assert kinds == ["liked", "unliked"]
    assert api.client.post(api.url(f"/{offer.id}/like", "guest"), headers=api.headers()).status_code == 405


def test_each_like_is_the_members_offer_liked_event(api):
    offer = mo.offer(api.session, api.club)
    url = api.url(f"/{offer.id}/like")
    api.client.post(url, headers=api.headers())
    api.client.post(url, headers=api.headers())  # liked already: no new like, no event
    api.client.delete(url, headers=api.headers())
    api.client.post(url, headers=api.headers())  # liked again: a second event
    liked = api.session.execute(
        select(MemberEvent.member_id, MemberEvent.data)
        .where(MemberEvent.type == "offer_liked")
        .order_by(MemberEvent.id)
    ).all()
    assert [tuple(row) for row in liked] == [(api.member.id, {"offer_id": offer.id})] * 2


@pytest.mark.parametrize("kind", ["seen", "clicked"])
def test_seen_and_clicked_events(api, kind):
    collections = sorted(mo.collection(api.session, api.club).id for _ in range(3))
    offer = mo.offer(
        api.session,
        api.club,
        store_id=mo.store(api.session, api.club, "Zara").id,
        collection_ids=[collections[2], collections[0], collections[1]],
    )
    response = api.client.post(api.url(f"/{offer.id}/events/{kind}"), headers=api.headers())
    assert (response.status_code, response.json()) == (200, {})
    guest = api.client.post(api.url(f"/{offer.id}/events/{kind}", "guest"), headers=api.headers())
    assert guest.status_code == 200
    rows = api.session.execute(select(OfferEvent).order_by(OfferEvent.id)).scalars().all()
    assert [(e.kind, e.member_id, e.offer_type, e.store_id, e.collection_ids) for e in rows] == [
        (kind, api.member.id, "regular", offer.store_id, collections),
        (kind, None, "regular", offer.store_id, collections),
    ]
    hidden = mo.offer(api.session, api.club, status="draft")
    assert api.client.post(api.url(f"/{hidden.id}/events/{kind}"), headers=api.headers()).status_code == 404


def test_missing_public_headers_is_470(api):
    response = api.client.get(api.url(), headers={"X-Client-Authorization": api.token})
    assert response.status_code == 470


def test_list_issues_a_bounded_number_of_queries_whatever_the_page_size(api, engine, connection):
    collection = mo.collection(api.session, api.club)
    store = mo.store(api.session, api.club, "Lindex")
    group = mo.group(api.session, api.club, api.member)

    def make(n):
        for i in range(n):
            offer = mo.offer(
                api.session,
                api.club,
                collection_ids=[collection.id],
                store_id=store.id,
                audience_id=group.id if i % 3 == 0 else None,
                type="exclusive" if i % 4 == 0 else "regular",
            )
            if i % 4 == 0:
                mo.grant(api.session, offer, api.member, api.clock.now)
            if i % 2 == 0:
                api.session.add(OfferLike(loyalty_club_id=api.club.id, member_id=api.member.id, offer_id=offer.id))
        api.session.flush()

    def count_queries(per_page):
        statements = []

        def listener(*args):
            statements.append(args[2])

        event.listen(connection, "before_cursor_execute", listener)
        try:
            response = api.get(params={"per_page": per_page})
        finally:
            event.remove(connection, "before_cursor_execute", listener)
        assert response.status_code == 200
        return len(response.json()["offers"]), len(statements)

    make(3)
    api.get()  # the first request verifies the client token and reads the offers' texts; later ones find both cached
    small = count_queries(2)
    make(60)
    cold = count_queries(100)  # the texts of the 60 new offers are read: one statement for all of them
    large = count_queries(100)
    assert small[0] == 2 and cold[0] == large[0] == 63
    # auth (the club, the member; the client token is cached) 2 + member state 1 + page 1 + links and stores 1,
    # + the test harness's SAVEPOINT/RELEASE 2
    assert small[1] == large[1] <= 7, (small, large)
    assert cold[1] == large[1] + 1, (cold, large)


def test_an_offer_saved_after_a_list_is_listed_with_its_new_texts_and_links(api):
    """The list keeps each offer's texts and images per process by version (``member_offers.shown``): a save
    through the management API moves ``updated_at``, so the next list answers the new ones."""
    offer = mo.offer(api.session, api.club, name={"no": "Før"}, external_url="https://example.com/a", extras={"n": 1})
    first = api.get().json()["offers"][0]
    assert (first["name"], first["external_url"], first["extras"]) == ("Før", "https://example.com/a", {"n": 1})
    saved = api.client.patch(
        f"/v3/{api.club.slug}/offers/{offer.id}",
        headers=api.headers(),
        json={"name": {"no": "Etter"}, "external_url": "https://example.com/b", "extras": {"n": 2}},
    )
    assert saved.status_code == 200, saved.text
    again = api.get().json()["offers"][0]
    assert (again["name"], again["external_url"], again["extras"]) == ("Etter", "https://example.com/b", {"n": 2})
    assert api.get(f"/{offer.id}").json()["offer"]["name"] == "Etter"
