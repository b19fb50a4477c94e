"""Tenant isolation of the console, by walking every console page of a club (as the API's route walk
does for the APIs): a staff user of club A gets 404 for club B's slug and for club B's records under club
A's slug, with every method, exactly as for a club that does not exist."""

from __future__ import annotations

import re

from loyaltyhub.http.routing import api_routes
from loyaltyhub.messaging.models import Message, Sending
from tests.member_offers import factories as mo
from tests.members import factories as members
from tests.offers import factories as offers

PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?}")


def _console_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [
        (method, info.path)
        for info in api_routes(app)
        if info.path.startswith("/console/{loyalty_club_slug}")
        for method in sorted(info.methods - {"HEAD", "OPTIONS"})
    ]


def _fill(path: str, values: dict[str, object]) -> str:
    return PARAM.sub(lambda m: str(values[m.group(1)]), path)


def test_the_walk_sees_the_club_pages(app):
    paths = {path for _method, path in _console_routes(app)}
    assert "/console/{loyalty_club_slug}/offers/{offer_id:int}" in paths and len(paths) >= 7


def test_another_clubs_pages_and_records_are_not_found(app, console_as, factory, session):
    club_a, club_b = factory.club(), factory.club()
    offer_b = offers.offer(session, club_b, name={"en": "B's secret"})
    member_b = mo.member(session, club_b, properties={"first_name": "B's secret"})
    message_b = Message(loyalty_club_id=club_b.id, service="generic", name="B's secret")
    session.add(message_b)
    session.flush()
    sending_b = Sending(
        loyalty_club_id=club_b.id, message_id=message_b.id, status="transmitting", recipients=[], properties={}
    )
    session.add(sending_b)
    session.flush()
    collection_b = offers.collection(session, club_b, title={"en": "B's secret"})
    group_b = members.group(session, club_b, name="B's secret")
    console = console_as(club_a)
    from sqlalchemy import select

    from loyaltyhub.auth.models import User
    from tests.exports.factories import export_job

    user_id = session.execute(select(User.id).where(User.email == console.email)).scalar_one()
    export_b = export_job(session, [club_b], actor_key=f"user:{user_id}", report="offers", query={"report": "offers"})
    failures = []
    for method, path in _console_routes(app):
        values = {
            "offer_id": offer_b.id,
            "member_id": member_b.id,
            "chart": "uses",
            "service_name": "generic",
            "message_id": message_b.id,
            "sending_id": sending_b.id,
            "collection_id": collection_b.id,
            "group_id": group_b.id,
            "export_id": export_b.id,
        }
        assert set(PARAM.findall(path)) <= {"loyalty_club_slug", *values}, path
        for slug in (club_b.slug, club_a.slug):
            if slug == club_a.slug and not {
                "offer_id",
                "member_id",
                "message_id",
                "sending_id",
                "collection_id",
                "group_id",
            } & set(PARAM.findall(path)):
                continue
            url = _fill(path, {**values, "loyalty_club_slug": slug})
            data = {"status": "published", "name.en": "taken over", "action": "ban", "until": "2030-01-01T00:00"}
            response = console.post(url, data) if method == "POST" else console.get(url)
            if response.status_code != 404 or "B&#39;s secret" in response.text or "B's secret" in response.text:
                failures.append((method, url, response.status_code))
    assert not failures, failures
    session.refresh(offer_b)
    session.refresh(member_b)
    assert offer_b.status == "draft" and offer_b.name == {"en": "B's secret"} and member_b.banned_until is None
    session.refresh(message_b)
    session.refresh(sending_b)
    assert message_b.deleted_at is None and sending_b.status == "transmitting"
    session.refresh(collection_b)
    assert collection_b.archived_at is None and collection_b.title == {"en": "B's secret"}


def test_an_organization_user_opens_every_club_of_it_and_no_other(app, staff_user, factory, session):
    from fastapi.testclient import TestClient

    from tests.console.conftest import sign_in

    mine = factory.club(organization="Steen & Strøm")
    also_mine = factory.club(organization="Steen & Strøm")
    other = factory.club(organization="Other")
    email = staff_user(role="analyst", organization="Steen & Strøm")
    with TestClient(app) as client:
        assert sign_in(client, email).status_code == 303
        assert client.get(f"/console/{mine.slug}/offers").status_code == 200
        assert client.get(f"/console/{also_mine.slug}/dashboard").status_code == 200
        assert client.get(f"/console/{other.slug}/offers").status_code == 404
        clubs = client.get("/console/clubs").text
        assert mine.name in clubs and also_mine.name in clubs and other.name not in clubs
