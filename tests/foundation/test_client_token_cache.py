"""The in-process cache of verified client tokens: fewer queries, same answers."""

from __future__ import annotations

from sqlalchemy import event, update

from loyaltyhub.auth import permits
from loyaltyhub.auth.cache import ClientTokenCache
from loyaltyhub.auth.models import ClientToken
from loyaltyhub.auth.principal import Grant, Principal
from loyaltyhub.auth.secrets import split
from loyaltyhub.auth.service import revoke_client_token
from loyaltyhub.db.base import utcnow


def _token_queries(client, connection, token: str) -> tuple[int, int]:
    statements: list[str] = []

    def listener(*args):
        statements.append(args[2])

    event.listen(connection, "before_cursor_execute", listener)
    try:
        response = client.get("/v1/me", headers={"X-Client-Authorization": token})
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    return response.status_code, sum("FROM client_tokens" in s for s in statements)


def test_a_verified_token_is_not_looked_up_again(client, factory, connection):
    club = factory.club()
    token = factory.client_token([club], [permits.OFFERS_LIST])
    assert _token_queries(client, connection, token) == (200, 1)
    assert _token_queries(client, connection, token) == (200, 0)


def test_a_wrong_secret_is_refused_even_when_the_public_id_is_cached(client, factory):
    club = factory.club()
    token = factory.client_token([club])
    assert client.get("/v1/me", headers={"X-Client-Authorization": token}).status_code == 200
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get("/v1/me", headers={"X-Client-Authorization": tampered}).status_code == 401
    assert client.get("/v1/me", headers={"X-Client-Authorization": token}).status_code == 200


def test_revoking_a_token_takes_effect_at_once_in_this_process(client, factory, session):
    club = factory.club()
    token = factory.client_token([club])
    assert client.get("/v1/me", headers={"X-Client-Authorization": token}).status_code == 200
    public_id, _ = split(token, "lhc")
    assert revoke_client_token(session, public_id) is True
    assert client.get("/v1/me", headers={"X-Client-Authorization": token}).status_code == 401
    assert revoke_client_token(session, public_id) is False


def test_a_token_revoked_elsewhere_keeps_working_until_its_entry_expires(app, client, factory, session):
    club = factory.club()
    token = factory.client_token([club])
    assert client.get("/v1/me", headers={"X-Client-Authorization": token}).status_code == 200
    public_id, _ = split(token, "lhc")
    # Another process revokes it: this process's cache does not know...
    session.execute(update(ClientToken).where(ClientToken.public_id == public_id).values(revoked_at=utcnow()))
    assert client.get("/v1/me", headers={"X-Client-Authorization": token}).status_code == 200
    # ...until the entry expires (here: the cache is emptied, as the TTL would).
    app.state.client_token_cache.clear()
    assert client.get("/v1/me", headers={"X-Client-Authorization": token}).status_code == 401


def test_entries_expire_after_the_ttl_and_a_zero_ttl_caches_nothing():
    now = [100.0]
    cache = ClientTokenCache(10, clock=lambda: now[0])
    principal = Principal(kind="client", id=1, name="app", grants=(Grant(permits=frozenset()),))
    cache.put("pub", "secret", principal)
    assert cache.get("pub", "secret") is principal
    assert cache.get("pub", "other") is None
    now[0] += 9.9
    assert cache.get("pub", "secret") is principal
    now[0] += 0.1
    assert cache.get("pub", "secret") is None
    off = ClientTokenCache(0)
    off.put("pub", "secret", principal)
    assert off.get("pub", "secret") is None
