"""``GET /healthz`` (the process answers) and ``GET /readyz`` (it can serve: database reachable, schema at
the code's migration head (or ahead of it, migrated by a newer release during a rolling upgrade), Redis
reachable when configured; 503 naming the failing part otherwise).

Load balancers and orchestrators poll these without credentials, so a failure is named but not
explained (an error text can name hosts and users): the details go to the log.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine, text

from loyaltyhub.db.revisions import current_revisions, head_revisions, known_revisions
from loyaltyhub.http.responses import JSONResponse
from loyaltyhub.http.routing import LoyaltyRouter

log = logging.getLogger(__name__)

router = LoyaltyRouter(tags=["Operations"])

OK = "ok"
NOT_CONFIGURED = "not configured"
AHEAD = "ahead of this release"


class Health(BaseModel):
    status: Literal["ok"] = Field(description="Always `ok`: the process answers")


class Readiness(BaseModel):
    status: Literal["ready"]
    checks: dict[str, str] = Field(
        description="Each part checked (`database`, `migrations`, `redis`) and `ok` (or `not configured`)",
        examples=[{"database": "ok", "migrations": "ok", "redis": "not configured"}],
    )


class NotReady(BaseModel):
    error: Literal["Not ready"]
    checks: dict[str, str] = Field(
        description="Each part checked and what is wrong with it",
        examples=[{"database": "ok", "migrations": "database at 0007, code expects 0008", "redis": "unreachable"}],
    )


@router.get("/healthz", response_model=Health)
async def healthz() -> dict[str, str]:
    """The process is alive and serving HTTP (it checks nothing else: use `/readyz` to route traffic)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": NotReady, "description": "Not ready"}})
def readyz(request: Request) -> Any:
    """Ready to serve: the database answers, its schema is at the code's migration head, and Redis
    answers when one is configured. 503 names each failing part."""
    checks = check_readiness(request.app.state)
    if all(value in (OK, NOT_CONFIGURED) or value.startswith(AHEAD) for value in checks.values()):
        return {"status": "ready", "checks": checks}
    return JSONResponse({"error": "Not ready", "checks": checks}, status_code=503)


def check_readiness(state: Any) -> dict[str, str]:
    checks = dict(_database_checks(state.engine))
    checks["redis"] = _redis_check(state)
    return checks


@cache
def _code_heads() -> frozenset[str]:
    return frozenset(head_revisions())


@cache
def _code_revisions() -> frozenset[str]:
    return frozenset(known_revisions())


def _database_checks(engine: Engine) -> list[tuple[str, str]]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = current_revisions(connection)
            connection.rollback()
    except Exception:
        log.warning("readiness: the database does not answer", exc_info=True)
        return [("database", "unreachable"), ("migrations", "unknown")]
    heads = _code_heads()
    if current == heads:
        return [("database", OK), ("migrations", OK)]
    at = ", ".join(sorted(current)) or "no migration"
    if current and not current & _code_revisions():
        # Migrated by a newer release: during a rolling upgrade this node still serves (migrations are
        # additive until every node runs the new code, docs/deploy.md), so it stays in the rotation.
        return [("database", OK), ("migrations", f"{AHEAD}: database at {at}")]
    return [("database", OK), ("migrations", f"database at {at}, code expects {', '.join(sorted(heads))}")]


def _redis_check(state: Any) -> str:
    url = state.settings.redis_url
    if not url:
        return NOT_CONFIGURED
    client = getattr(state, "readiness_redis", None)
    if client is None:
        import redis

        client = state.readiness_redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception:
        log.warning("readiness: Redis does not answer", exc_info=True)
        return "unreachable"
    return OK
