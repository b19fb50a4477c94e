"""Idempotency-Key: replay, conflicting reuse, per-actor keys, and nothing stored for failures."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, text

from loyaltyhub.auth.dependencies import CurrentPrincipal
from loyaltyhub.clubs.models import Organization
from loyaltyhub.errors import UnprocessableEntity
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep


class OrganizationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def _install_route(app):
    router = LoyaltyRouter()

    @router.post("/test/organizations", status_code=201)
    def create_organization(body: OrganizationIn, principal: CurrentPrincipal, session: SessionDep, _: Idempotent):
        if body.name == "refuse":
            raise UnprocessableEntity("Refused")
        organization = Organization(name=f"{body.name}-{session.scalar(select(func.count(Organization.id)))}")
        session.add(organization)
        session.flush()
        return {"id": organization.id, "name": organization.name}

    app.include_router(router)


@pytest.fixture
def token(app, factory):
    _install_route(app)
    return factory.client_token([factory.club()])


def _post(client, token, body, key=None):
    headers = {"X-Client-Authorization": token}
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/test/organizations", json=body, headers=headers)


def _count(session, prefix):
    return session.scalar(select(func.count(Organization.id)).where(Organization.name.like(f"{prefix}%")))


def test_a_retry_replays_the_first_answer_and_changes_nothing(client, session, token):
    first = _post(client, token, {"name": "acme"}, key="k-1")
    second = _post(client, token, {"name": "acme"}, key="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(session, "acme") == 1


def test_without_a_key_every_request_acts(client, session, token):
    _post(client, token, {"name": "plain"})
    _post(client, token, {"name": "plain"})
    assert _count(session, "plain") == 2


def test_the_same_key_with_another_body_is_422(client, token):
    _post(client, token, {"name": "one"}, key="k-2")
    response = _post(client, token, {"name": "two"}, key="k-2")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]


def test_keys_belong_to_their_actor(client, session, factory, token):
    other = factory.client_token([factory.club()])
    _post(client, token, {"name": "shared"}, key="k-3")
    response = _post(client, other, {"name": "shared"}, key="k-3")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert _count(session, "shared") == 2


def test_a_failed_request_is_not_stored(client, token):
    assert _post(client, token, {"name": "refuse"}, key="k-4").status_code == 422
    assert _post(client, token, {"name": "refuse"}, key="k-4").status_code == 422
    # the key is still free for a request that succeeds
    assert _post(client, token, {"name": "refuse"}, key="k-4").json() == {"error": "Refused"}


def test_a_malformed_key_is_471(client, token):
    assert _post(client, token, {"name": "x"}, key="x" * 300).status_code == 471


def test_a_key_still_in_flight_is_409(client, engine, is_postgres, token, app):
    if not is_postgres:
        pytest.skip("SQLite serializes write transactions: a second request waits and then replays")
    me = client.get("/v1/me", headers={"X-Client-Authorization": token}).json()
    actor = f"client:{me['principal']['id']}"
    name = f"idempotency:{actor}:k-5"
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        try:
            response = _post(client, token, {"name": "busy"}, key="k-5")
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            holder.commit()
    assert response.status_code == 409
