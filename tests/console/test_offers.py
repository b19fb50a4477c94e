"""Console offers: the list (filters, search, paging), create and edit through the API's schemas and
service (the same 422 details, next to the fields), publish/unpublish, and what each role may do."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from loyaltyhub.offers.models import Offer
from tests.member_offers import factories as mo
from tests.offers import factories as offers

VALID = {
    "type": "regular",
    "name.en": "Free coffee",
    "name.no": "Gratis kaffe",
    "description.en": "One cup",
    "maximum_uses_per_user": "2",
    "usable_since": "2026-12-01T10:00",
    "usable_until": "2026-12-24T18:00",
}


def _errors_of(html: str, field: str) -> list[str]:
    """The error symbols shown next to ``field`` (``data-field`` of its error list)."""
    block = re.search(rf'<ul class="field-errors" id="[^"]+" data-field="{re.escape(field)}">(.*?)</ul>', html, re.S)
    return re.findall(r'data-error="([^"]+)"', block.group(1)) if block else []


def _offer_count(session, club) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count()).select_from(Offer).where(Offer.loyalty_club_id == club.id)).scalar_one()


def test_create_an_offer_then_publish_and_unpublish_it(console_as, club, session):
    console = console_as(club)
    created = console.post(f"/console/{club.slug}/offers", VALID)
    assert created.status_code == 303, created.text
    offer_id = int(re.search(r"/offers/(\d+)\?saved=1$", created.headers["location"]).group(1))
    offer = session.get(Offer, offer_id)
    assert offer.name == {"en": "Free coffee", "no": "Gratis kaffe"} and offer.status == "draft"
    assert offer.maximum_uses_per_user == 2
    # The club's wall time (Europe/Oslo, UTC+1 in December).
    assert offer.usable_since == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    page = console.get(created.headers["location"])
    assert "Saved." in page.text and 'value="Free coffee"' in page.text and 'value="2026-12-01T10:00"' in page.text

    published = console.post(f"/console/{club.slug}/offers/{offer_id}/status", {"status": "published"})
    assert published.status_code == 303
    session.refresh(offer)
    assert offer.status == "published"
    listed = console.get(f"/console/{club.slug}/offers?status=published")
    assert f'data-offer-id="{offer_id}"' in listed.text
    console.post(f"/console/{club.slug}/offers/{offer_id}/status", {"status": "unpublished"})
    session.refresh(offer)
    assert offer.status == "unpublished"
    refused = console.post(f"/console/{club.slug}/offers/{offer_id}/status", {"status": "archived"})
    assert refused.status_code == 422
    session.refresh(offer)
    assert offer.status == "unpublished"


def test_edit_keeps_what_the_form_shows_and_clears_what_was_emptied(console_as, club, session):
    console = console_as(club)
    offer = offers.offer(session, club, name={"en": "Tea"}, stock=10, internal_name="tea-1")
    form = console.get(f"/console/{club.slug}/offers/{offer.id}")
    assert form.status_code == 200 and 'value="Tea"' in form.text and 'value="10"' in form.text
    saved = console.post(
        f"/console/{club.slug}/offers/{offer.id}", {"type": "regular", "name.en": "Green tea", "stock": ""}
    )
    assert saved.status_code == 303, saved.text
    session.refresh(offer)
    assert offer.name == {"en": "Green tea"} and offer.stock is None and offer.internal_name is None


def test_the_apis_422_is_shown_next_to_the_right_field_and_nothing_is_saved(console_as, club, session, client, factory):
    console = console_as(club)
    body = {**VALID, "usable_until": "2026-11-01T10:00", "maximum_uses_per_user": "two", "name.en": "x" * 300}
    refused = console.post(f"/console/{club.slug}/offers", body)
    assert refused.status_code == 422
    html = refused.text
    assert _errors_of(html, "usable_until") == []  # the schema refused first: the service never ran
    assert _errors_of(html, "maximum_uses_per_user") == ["invalid_type"]
    assert (
        'id="f-maximum_uses_per_user" name="maximum_uses_per_user" type="text" value="two" aria-invalid="true"' in html
    )
    assert _offer_count(session, club) == 0
    # The service's rule (a window ending before it starts), as the API answers it.
    refused = console.post(f"/console/{club.slug}/offers", {**VALID, "usable_until": "2026-11-01T10:00"})
    assert refused.status_code == 422
    assert _errors_of(refused.text, "usable_until") == ["greater_than_property"]
    assert "must be after usable since" in refused.text
    assert 'value="Free coffee"' in refused.text  # what was typed stays
    api = client.post(
        f"/v3/{club.slug}/offers",
        headers=factory.headers(factory.client_token([club])),
        json={"usable_since": "2026-12-01T10:00:00+01:00", "usable_until": "2026-11-01T10:00:00+01:00"},
    )
    assert api.json()["details"] == {
        "usable_until": [{"error": "greater_than_property", "options": {"property": "usable_since"}}]
    }
    assert _offer_count(session, club) == 0


def test_an_edit_refused_by_the_api_changes_nothing(console_as, club, session):
    console = console_as(club)
    offer = offers.offer(session, club, name={"en": "Tea"})
    refused = console.post(
        f"/console/{club.slug}/offers/{offer.id}", {"type": "regular", "name.en": "Coffee", "stock": "0"}
    )
    assert refused.status_code == 422
    assert _errors_of(refused.text, "stock") == ["greater_than"]
    session.refresh(offer)
    assert offer.name == {"en": "Tea"}


def test_errors_of_fields_the_form_does_not_show_are_listed_above_it(console_as, club):
    console = console_as(club)
    refused = console.post(f"/console/{club.slug}/offers", {**VALID, "store_id": "999999"})
    assert refused.status_code == 422 and _errors_of(refused.text, "store_id") == ["does_not_exist"]
    refused = console.post(f"/console/{club.slug}/offers", {**VALID, "extras": "[1, 2]"})
    assert _errors_of(refused.text, "extras") == ["invalid_type"]


def test_the_list_filters_searches_and_pages(console_as, club, session):
    console = console_as(club)
    for n in range(23):
        offers.offer(session, club, name={"en": f"Pizza {n:02d}"}, status="published" if n % 2 else "draft")
    offers.offer(session, club, name={"en": "Burger"}, internal_name="grill")
    offers.offer(session, club, name={"en": "Parking"}, type="parking")
    first = console.get(f"/console/{club.slug}/offers?sort=name&direction=asc")
    assert first.text.count("data-offer-id=") == 20 and "24 offers" in first.text  # the standard scope
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = console.get(f"/console/{club.slug}/offers?sort=name&direction=asc&page=2")
    assert second.text.count("data-offer-id=") == 4 and "Pizza 22" in second.text
    search = console.get(f"/console/{club.slug}/offers?search=grill")
    assert search.text.count("data-offer-id=") == 1 and "Burger" in search.text
    drafts = console.get(f"/console/{club.slug}/offers?status=published&search=pizza")
    assert drafts.text.count("data-offer-id=") == 11
    parking = console.get(f"/console/{club.slug}/offers?scope=parking")
    assert parking.text.count("data-offer-id=") == 1 and "Parking" in parking.text
    nonsense = console.get(f"/console/{club.slug}/offers?scope=nope&page=x&sort=drop")
    assert nonsense.status_code == 200
    for page in ("²", "0", "9" * 30):  # "²" passes str.isdigit(): it was a 500
        assert console.get(f"/console/{club.slug}/offers?page={page}").status_code == 200
        assert console.get(f"/console/{club.slug}/members?page={page}").status_code == 200


def test_htmx_asks_only_for_the_results(console_as, club, session):
    console = console_as(club)
    offers.offer(session, club, name={"en": "Waffle"})
    partial = console.get(f"/console/{club.slug}/offers?search=waff", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "Waffle" in partial.text
    assert "<html" not in partial.text and "<table" in partial.text


def test_an_analyst_sees_offers_but_cannot_open_the_editor_or_change_one(console_as, club, session):
    offer = offers.offer(session, club, name={"en": "Tea"})
    analyst = console_as(club, role="analyst")
    listed = analyst.get(f"/console/{club.slug}/offers")
    assert listed.status_code == 200 and "Tea" in listed.text
    assert f"/offers/{offer.id}" not in listed.text and "New offer" not in listed.text
    editor = analyst.get(f"/console/{club.slug}/offers/{offer.id}")
    assert editor.status_code == 403 and "Missing permit Offers:Api:Offers:Update" in editor.text
    assert analyst.get(f"/console/{club.slug}/offers/new").status_code == 403
    assert analyst.post(f"/console/{club.slug}/offers", VALID).status_code == 403
    assert analyst.post(f"/console/{club.slug}/offers/{offer.id}/status", {"status": "published"}).status_code == 403
    session.refresh(offer)
    assert offer.status == "draft"
    assert analyst.get(f"/console/{club.slug}/dashboard").status_code == 200


def test_an_offers_manager_has_no_dashboard(console_as, club):
    manager = console_as(club, role="offers_manager")
    assert manager.get(f"/console/{club.slug}").headers["location"] == f"/console/{club.slug}/offers"
    page = manager.get(f"/console/{club.slug}/dashboard")
    assert page.status_code == 403 and "Missing permit Reporting:Api:Query" in page.text
    assert "/dashboard" not in manager.get(f"/console/{club.slug}/offers").text


def test_the_messages_page_of_a_club_without_messages_says_so(console_as, club):
    page = console_as(club).get(f"/console/{club.slug}/messages")
    assert page.status_code == 200 and "No messages in campaigns yet." in page.text


def test_clone_archive_and_grant(console_as, club, session):
    from sqlalchemy import select

    from loyaltyhub.offers.models import OfferGrant

    console = console_as(club)
    offer = offers.offer(
        session, club, name={"en": "Tea"}, type="exclusive", status="published", maximum_grants_per_user=1
    )
    member = mo.member(session, club)
    cloned = console.post(f"/console/{club.slug}/offers/{offer.id}/clone")
    assert cloned.status_code == 303
    copy_id = int(re.search(r"/offers/(\d+)\?done=cloned", cloned.headers["location"]).group(1))
    copy = session.get(Offer, copy_id)
    assert copy.name == {"en": "Tea"} and copy.status == "draft" and copy_id != offer.id

    granted = console.post(f"/console/{club.slug}/offers/{offer.id}/grant", {"member_ids": f"{member.id}"})
    assert granted.status_code == 303 and granted.headers["location"].endswith("?done=granted")
    grants = session.execute(select(OfferGrant).where(OfferGrant.offer_id == offer.id)).scalars().all()
    assert [g.member_id for g in grants] == [member.id]
    again = console.post(f"/console/{club.slug}/offers/{offer.id}/grant", {"member_ids": f"{member.id}, 999999"})
    assert again.status_code == 422 and 'data-field="member_ids"' in again.text
    assert "member #1: does not exist in this club" in again.text
    not_ids = console.post(f"/console/{club.slug}/offers/{offer.id}/grant", {"member_ids": "abc"})
    assert not_ids.status_code == 422 and "member #0: must be an integer" in not_ids.text
    assert len(session.execute(select(OfferGrant).where(OfferGrant.offer_id == offer.id)).scalars().all()) == 1

    archived = console.post(f"/console/{club.slug}/offers/{offer.id}/archive")
    assert archived.status_code == 303
    session.refresh(offer)
    assert offer.archived_at is not None
    assert f'data-offer-id="{offer.id}"' not in console.get(f"/console/{club.slug}/offers").text
    refused = console.post(f"/console/{club.slug}/offers/{offer.id}/grant", {"member_ids": f"{member.id}"})
    assert refused.status_code == 422 and "Offer is archived" in refused.text


def test_an_analyst_can_neither_clone_archive_nor_grant(console_as, club, session):
    offer = offers.offer(session, club, name={"en": "Tea"})
    analyst = console_as(club, role="analyst")
    for action in ("clone", "archive", "grant"):
        response = analyst.post(f"/console/{club.slug}/offers/{offer.id}/{action}", {"member_ids": "1"})
        assert response.status_code == 403, action
    session.refresh(offer)
    assert offer.archived_at is None


def test_every_field_of_the_offer_model_is_editable(console_as, club, session, factory):
    first, second = offers.collection(session, club), offers.collection(session, club)
    group = offers.member_group(session, club)
    console = console_as(club)
    form = offers_form = console.get(f"/console/{club.slug}/offers/new")
    assert f'id="f-collection-{first.id}"' in form.text and 'name="collections_shown"' in offers_form.text
    full = [
        *VALID.items(),
        ("external_source", "pos"),
        ("external_master", "M-1"),
        ("store_id", str(offers.store(session, club).id)),
        ("audience_id", str(group.id)),
        ("campaign_id", "77"),
        ("cms_tag_ids", "3, 5"),
        ("collections_shown", "1"),
        ("collection_ids", str(second.id)),
        ("collection_ids", str(first.id)),
        ("read_more.enabled", "on"),
        ("read_more.button_title", "More"),
        ("read_more.url", "https://example.com/more"),
        ("read_more.title", "About"),
        ("read_more.text", "Long text"),
        ("activation_texts.modal", "Show this at the till"),
        ("activation_texts.button", "Activate"),
        ("activation_texts.description", "Valid 15 minutes"),
        ("image_template", '{"width": 600, "height": 400, "rectangles": []}'),
        ("extras", '{"colour": "red"}'),
    ]
    created = console.post(f"/console/{club.slug}/offers", full)
    assert created.status_code == 303, created.text
    offer = session.get(Offer, int(re.search(r"/offers/(\d+)", created.headers["location"]).group(1)))
    assert (offer.external_source, offer.external_master, offer.campaign_id) == ("pos", "M-1", 77)
    assert offer.audience_id == group.id and offer.cms_tag_ids == [3, 5]
    assert offer.read_more == {
        "button_title": "More",
        "url": "https://example.com/more",
        "title": "About",
        "text": "Long text",
        "enabled": True,
    }
    assert offer.activation_texts == {
        "modal": "Show this at the till",
        "button": "Activate",
        "description": "Valid 15 minutes",
    }
    assert offer.files == [] and offer.image_template["width"] == 600  # files: read-only, from uploads
    page = console.get(created.headers["location"])
    assert re.search(rf'id="f-collection-{first.id}"[^>]*checked', page.text)
    assert re.search(rf'id="f-collection-{second.id}"[^>]*checked', page.text)
    assert 'value="More"' in page.text and "Show this at the till</textarea>" in page.text

    # Edit: every emptied field is cleared, an unticked collection is left.
    cleared = [*VALID.items(), ("collections_shown", "1"), ("collection_ids", str(first.id))]
    edited = console.post(f"/console/{club.slug}/offers/{offer.id}", cleared)
    assert edited.status_code == 303, edited.text
    session.expire_all()
    offer = session.get(Offer, offer.id)
    assert offer.external_source is None and offer.audience_id is None and offer.campaign_id is None
    assert offer.read_more is None and offer.activation_texts is None and offer.image_template is None
    assert offer.files == [] and offer.cms_tag_ids == [] and offer.extras == {}
    page = console.get(f"/console/{club.slug}/offers/{offer.id}")
    assert re.search(rf'id="f-collection-{first.id}"[^>]*checked', page.text)
    assert not re.search(rf'id="f-collection-{second.id}"[^>]*checked', page.text)


def test_the_new_fields_422s_are_next_to_them(console_as, club, session, factory):
    other = offers.collection(session, factory.club())
    console = console_as(club)
    before = _offer_count(session, club)
    refused = console.post(
        f"/console/{club.slug}/offers",
        [
            *VALID.items(),
            ("read_more.button_title", "x" * 256),
            ("activation_texts.button", "y" * 256),
            ("extras", "[{"),
            ("image_template", '{"width": 0, "height": 10}'),
            ("campaign_id", "x"),
            ("cms_tag_ids", "1, two"),
        ],
    )
    assert refused.status_code == 422, refused.text
    assert _errors_of(refused.text, "read_more.button_title") == ["too_long"]
    assert _errors_of(refused.text, "activation_texts.button") == ["too_long"]
    assert _errors_of(refused.text, "extras") == ["invalid_type"]
    assert _errors_of(refused.text, "image_template") == ["greater_or_equal_to"]
    assert _errors_of(refused.text, "campaign_id") == ["invalid_type"]
    assert _errors_of(refused.text, "cms_tag_ids") == ["invalid_type"]
    assert "width: must be at least 1" in refused.text  # the inner field of the image template is named
    assert "1: must be an integer" in refused.text  # and the place in the list
    assert _offer_count(session, club) == before
    # The service's rules too: a collection of another club does not exist here.
    refused = console.post(
        f"/console/{club.slug}/offers", [*VALID.items(), ("collections_shown", "1"), ("collection_ids", str(other.id))]
    )
    assert refused.status_code == 422, refused.text
    assert _errors_of(refused.text, "collection_ids") == ["does_not_exist"]
    assert _offer_count(session, club) == before


def test_a_form_that_did_not_list_the_collections_leaves_them_unchanged(console_as, club, session):
    from loyaltyhub.auth.context import ClubAccess
    from loyaltyhub.auth.permits import OFFERS_UPDATE
    from loyaltyhub.auth.principal import Principal
    from loyaltyhub.console.routes import _collection_choices
    from loyaltyhub.offers.service import collection_ids_of

    collection = offers.collection(session, club)
    offer = offers.offer(session, club, name={"en": "Kept"}, collection_ids=[collection.id])
    console = console_as(club, role="offers_manager")
    edited = console.post(f"/console/{club.slug}/offers/{offer.id}", {**VALID, "name.en": "Kept"})
    assert edited.status_code == 303, edited.text
    assert collection_ids_of(session, club.id, [offer.id])[offer.id] == [collection.id]
    # A role that may not list collections is not shown them (and so leaves them as they are).
    access = ClubAccess(Principal(kind="user", id=1, name="x", grants=()), club, frozenset({OFFERS_UPDATE}))
    assert _collection_choices(session, access) is None


RECTANGLE = {"offset_top": 10, "offset_left": 10, "width": 280, "height": 60, "font_size": 20, "color": "#112233"}
RECTANGLE["content"] = "Hi"
TEMPLATE = json.dumps({"width": 300, "height": 200, "rectangles": [RECTANGLE]})


def test_the_image_template_preview(console_as, club, session, factory):
    from urllib.parse import urlencode

    offer = offers.offer(session, club, name={"en": "Cinema"})
    console = console_as(club)
    form = console.get(f"/console/{club.slug}/offers/{offer.id}")
    assert "Preview the image" in form.text and 'name="offer_id" value="' + str(offer.id) in form.text
    query = urlencode({"image_template": TEMPLATE, "offer_id": str(offer.id)})
    fragment = console.get(f"/console/{club.slug}/image_templates/preview?{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200, fragment.text
    assert "<html" not in fragment.text and 'id="preview-image"' in fragment.text
    src = re.search(r'src="([^"]+)"', fragment.text).group(1).replace("&amp;", "&")
    png = console.get(src)
    assert (
        png.status_code == 200
        and png.headers["content-type"] == "image/png"
        and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    )
    from PIL import Image

    assert Image.open(__import__("io").BytesIO(png.content)).size == (300, 200)
    # The API's 422, with the template's inner path; nothing is saved anywhere.
    bad = urlencode({"image_template": '{"width": 0, "height": 10}'})
    refused = console.get(f"/console/{club.slug}/image_templates/preview?{bad}", headers={"HX-Request": "true"})
    assert refused.status_code == 422 and 'data-field="image_template"' in refused.text and "width: " in refused.text
    not_json = console.get(f"/console/{club.slug}/image_templates/preview?image_template=%7B")
    assert not_json.status_code == 422 and "<html" in not_json.text
    # Another club's offer is not found; an analyst may not preview.
    other = offers.offer(session, factory.club(), name={"en": "Secret"})
    query = urlencode({"image_template": TEMPLATE, "offer_id": str(other.id)})
    assert console.get(f"/console/{club.slug}/image_templates/preview.png?{query}").status_code == 404
    analyst = console_as(club, role="analyst")
    assert analyst.get(f"/console/{club.slug}/image_templates/preview?{query}").status_code == 403
