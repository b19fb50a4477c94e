"""Bad input to the console's forms never gives a 500 nor changes anything: JSON instead of a form,
broken encodings, oversized bodies and unstorable text are answered with a 4xx page."""

from __future__ import annotations

from sqlalchemy import func, select

from loyaltyhub.http.routing import api_routes
from loyaltyhub.offers.models import Offer
from tests.console.test_isolation import PARAM
from tests.member_offers import factories as mo
from tests.offers import factories as offers


def _posts(app, club, offer_id: int, member_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    values = {
        "loyalty_club_slug": club.slug,
        "offer_id": offer_id,
        "member_id": member_id,
        "service_name": "generic",
        "message_id": 1,
        "sending_id": 1,
        "collection_id": 1,
        "group_id": 1,
        "export_id": 1,
    }
    urls = [
        PARAM.sub(lambda m: str(values[m.group(1)]), info.path)
        for info in api_routes(app)
        if info.path.startswith("/console") and "POST" in info.methods
    ]
    return sorted(urls, key=lambda url: url == "/console/logout")  # signing out last


def test_every_form_refuses_bad_bodies_with_a_page(app, console_as, club, session, settings):
    console = console_as(club)
    offer = offers.offer(session, club, name={"en": "Tea"})
    member = mo.member(session, club)
    before = session.execute(select(func.count()).select_from(Offer)).scalar_one()
    bodies = {
        "json": ({"Content-Type": "application/json"}, b'{"name.en": "x"}'),
        "broken utf-8": ({"Content-Type": "application/x-www-form-urlencoded"}, b"name.en=%FF%FE&x=\xff"),
        "nul": (
            {"Content-Type": "application/x-www-form-urlencoded"},
            f"csrf_token={console.csrf}&name.en=a%00b".encode(),
        ),
        "oversized": (
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"a=" + b"x" * (settings.max_body_bytes + 10),
        ),
    }
    failures = []
    for url in _posts(app, club, offer.id, member.id):
        for case, (headers, content) in bodies.items():
            response = console.client.post(url, headers=headers, content=content, follow_redirects=False)
            if not 400 <= response.status_code < 500:
                failures.append((url, case, response.status_code, response.text[:200]))
    assert not failures, failures
    session.refresh(offer)
    assert offer.name == {"en": "Tea"} and offer.status == "draft"
    assert session.execute(select(func.count()).select_from(Offer)).scalar_one() == before
    nul = console.post(f"/console/{club.slug}/offers", {"name.en": "a\x00b"})
    assert nul.status_code == 422 and "Invalid parameters" in nul.text
