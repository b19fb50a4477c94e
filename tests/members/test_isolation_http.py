"""Club A's token never reads or changes club B's members, groups or stores (the route walk checks
every route generically; these name the cases)."""

from __future__ import annotations

from sqlalchemy import select

from loyaltyhub.members.models import Member
from tests.members import factories as members
from tests.stores import factories as stores


def test_club_a_token_cannot_reach_club_b(client, session, factory):
    club_a, club_b = factory.club(), factory.club()
    headers = factory.headers(factory.client_token([club_a]))
    member_b = members.member(session, club_b, properties={"first_name": "Berit"})
    group_b = members.group(session, club_b)
    store_b = stores.store(session, club_b)

    # With club B's slug the token is not valid at all.
    assert client.get(f"/v3/{club_b.slug}/members/{member_b.id}", headers=headers).status_code == 401
    assert client.get(f"/v3/{club_b.slug}/members", headers=headers).status_code == 401
    # With club A's slug, club B's ids do not exist.
    a = f"/v3/{club_a.slug}"
    assert client.get(f"{a}/members/{member_b.id}", headers=headers).status_code == 404
    assert client.patch(f"{a}/members/{member_b.id}", headers=headers, json={"banned_until": None}).status_code == 404
    assert client.delete(f"{a}/members/{member_b.id}", headers=headers).status_code == 404
    assert client.get(f"{a}/members/groups/{group_b.id}", headers=headers).status_code == 404
    assert client.get(f"{a}/stores/{store_b.id}", headers=headers).status_code == 404
    assert client.get(f"{a}/members", headers=headers, params={"ids": [member_b.id]}).json()["members"] == []
    # A member token of club B is not a member token of club A.
    token_b = members.access_token(session, member_b)
    assert client.get(f"{a}/members/me", headers={**headers, "Authorization": f"Bearer {token_b}"}).status_code == 460

    session.expire_all()
    unchanged = session.execute(select(Member).where(Member.id == member_b.id)).scalar_one()
    assert unchanged.deleted_at is None and unchanged.properties["first_name"] == "Berit"
