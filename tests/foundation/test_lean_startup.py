"""The serving process loads what serves requests, nothing more (issue 19: the idle server is the memory
budget an upload runs in). Libraries used by one job or one kind of request are imported where they are
used; a module-level import that brings one back fails here, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from loyaltyhub.http.routing import include_flat

# library → what loads it on first use
LOADED_ON_FIRST_USE = {
    "alembic": "loyaltyhub migrate (readyz reads the tree itself: db/revisions.py)",
    "httpx": "webhook delivery and the HTTP messaging transports",
    "liquid": "checking or rendering a message template",
    "aiosmtplib": "sending mail",
    "PIL": "reading an uploaded image or rendering an offer image",
    "jinja2": "the first staff console page",
    "boto3": "an S3 bucket store",
    "polars": "exports",
}


def test_the_app_does_not_import_what_it_uses_later(tmp_path) -> None:
    code = (
        "import json, sys\n"
        "import loyaltyhub.asgi\n"
        f"print(json.dumps(sorted(m for m in {sorted(LOADED_ON_FIRST_USE)!r} if m in sys.modules)))\n"
    )
    env = {"LOYALTYHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'lean.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], {name: LOADED_ON_FIRST_USE[name] for name in loaded}


def test_the_domain_routes_are_added_as_declared_not_included(app) -> None:
    """An included router makes FastAPI build a second state of each of its routes at the first request
    (~15 MiB with every domain): the app holds the declared routes themselves (``include_flat``)."""
    included = [route for route in app.router.routes if hasattr(route, "original_router")]
    assert included == []
    assert len([route for route in app.router.routes if isinstance(route, APIRoute)]) > 250


def test_include_flat_refuses_a_router_included_with_options_of_its_own() -> None:
    inner = APIRouter()

    @inner.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    outer = APIRouter()
    outer.include_router(inner, prefix="/v9")
    with pytest.raises(ValueError, match="options of its own"):
        include_flat(FastAPI(), outer)

    plain = APIRouter()
    plain.include_router(inner)
    app = FastAPI()
    app.dependency_overrides[ping] = ping
    include_flat(app, plain)
    assert [getattr(route, "path", None) for route in app.router.routes][-1] == "/ping"
    assert app.router.routes[-1].dependency_overrides_provider is app
