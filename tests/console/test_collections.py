"""Console collections: the club's collections in their order (moved up and down through the API's
reorder), created and edited through the Collections API's schemas and service (its 422s next to the
fields), each collection's offers in their order, and what each role may do."""

from __future__ import annotations

import re

from sqlalchemy import select

from loyaltyhub.offers.models import Collection
from tests.offers import factories as offers


def _order(page_html: str, attribute: str) -> list[int]:
    return [int(i) for i in re.findall(rf'{attribute}="(\d+)"', page_html)]


def _fields(html: str, action: str, button: str) -> list[tuple[str, str]]:
    """The fields of the form posting to ``action`` whose button says ``button`` (what a click sends)."""
    for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
        if f'action="{action}"' in form and f">{button}</button>" in form:
            return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    raise AssertionError(f"no {button} form for {action}")


def test_collections_are_listed_in_order_and_moved(console_as, club, session):
    a, b, c = (offers.collection(session, club, title={"en": t}, position=p) for t, p in (("A", 1), ("B", 2), ("C", 3)))
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/collections")
    assert page.status_code == 200, page.text
    assert _order(page.text, "data-collection-id") == [a.id, b.id, c.id]
    # "Move up" on C: the form carries the new order, as the API's PUT …/order body.
    fields = _fields(
        page.text.split(f'data-collection-id="{c.id}"')[1], f"/console/{club.slug}/collections/order", "Move up"
    )
    moved = console.post(f"/console/{club.slug}/collections/order", [f for f in fields if f[0] != "csrf_token"])
    assert moved.status_code == 303, moved.text
    page = console.get(moved.headers["location"])
    assert "Order saved." in page.text
    assert _order(page.text, "data-collection-id") == [a.id, c.id, b.id]
    session.expire_all()
    assert [session.get(Collection, i).position for i in (a.id, c.id, b.id)] == [1, 2, 3]
    # An id of another club is the API's 422 and changes nothing.
    refused = console.post(f"/console/{club.slug}/collections/order", [("collection_ids", "999999")])
    assert refused.status_code == 422


def test_create_edit_and_archive_a_collection(console_as, club, session):
    console = console_as(club)
    created = console.post(
        f"/console/{club.slug}/collections", {"title.en": "Summer", "title.no": "Sommer", "scope": "standard"}
    )
    assert created.status_code == 303, created.text
    collection = session.execute(select(Collection).where(Collection.loyalty_club_id == club.id)).scalar_one()
    assert collection.title == {"en": "Summer", "no": "Sommer"} and collection.scope == "standard"
    refused = console.post(f"/console/{club.slug}/collections", {"title.en": "Bad", "position": "first"})
    assert refused.status_code == 422
    assert 'data-field="position"' in refused.text and 'value="Bad"' in refused.text
    assert len(session.execute(select(Collection).where(Collection.loyalty_club_id == club.id)).all()) == 1

    edited = console.post(f"/console/{club.slug}/collections/{collection.id}", {"title.en": "Winter", "scope": ""})
    assert edited.status_code == 303, edited.text
    session.expire_all()
    assert session.get(Collection, collection.id).title == {"en": "Winter"}
    assert session.get(Collection, collection.id).scope is None
    archived = console.post(f"/console/{club.slug}/collections/{collection.id}/archive")
    assert archived.status_code == 303
    session.expire_all()
    assert session.get(Collection, collection.id).archived_at is not None
    assert f'data-collection-id="{collection.id}"' not in console.get(f"/console/{club.slug}/collections").text


def test_a_collections_offers_in_their_order(console_as, club, session):
    collection = offers.collection(session, club, title={"en": "Picks"})
    first, second, third = (
        offers.offer(session, club, name={"en": n}, collection_ids=[collection.id]) for n in ("One", "Two", "Three")
    )
    offers.offer(session, club, name={"en": "Elsewhere"})
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/collections/{collection.id}")
    assert page.status_code == 200, page.text
    assert _order(page.text, "data-offer-id") == [first.id, second.id, third.id]
    action = f"/console/{club.slug}/collections/{collection.id}/offers_order"
    fields = _fields(page.text.split(f'data-offer-id="{first.id}"')[1], action, "Move down")
    moved = console.post(action, [f for f in fields if f[0] != "csrf_token"])
    assert moved.status_code == 303, moved.text
    session.expire_all()
    assert session.get(Collection, collection.id).offers_order == [second.id, first.id, third.id]
    page = console.get(f"/console/{club.slug}/collections/{collection.id}")
    assert _order(page.text, "data-offer-id") == [second.id, first.id, third.id]
    # An offer outside the collection is the service's 422.
    other = offers.offer(session, club, name={"en": "Outside"})
    assert console.post(action, [("offer_ids", str(other.id))]).status_code == 422


def test_roles_and_another_club(console_as, club, session, factory):
    collection = offers.collection(session, club, title={"en": "Mine"})
    analyst = console_as(club, role="analyst")
    page = analyst.get(f"/console/{club.slug}/collections")
    assert page.status_code == 200 and "Move up" not in page.text and "New collection" not in page.text
    assert analyst.post(f"/console/{club.slug}/collections", {"title.en": "No"}).status_code == 403
    assert analyst.post(f"/console/{club.slug}/collections/{collection.id}/archive").status_code == 403
    other = factory.club()
    stranger = console_as(other)
    assert stranger.get(f"/console/{other.slug}/collections/{collection.id}").status_code == 404
    assert stranger.get(f"/console/{club.slug}/collections").status_code == 404
