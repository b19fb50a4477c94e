"""A club's slug can never be one of the console's own paths: ``/console/{slug}`` beside ``/console/login``,
``/console/static/...`` and the rest. Such a slug is refused when the club is made (422 naming why), and
every literal first segment of the console's routes and mounts is in the reserved list (a new console path
that forgets it fails here)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from starlette.routing import Mount
from typer.testing import CliRunner

from loyaltyhub.cli import app as cli_app
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import RESERVED_SLUGS, create_club
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.http.routing import api_routes


def _first_segments(app) -> set[str]:  # type: ignore[no-untyped-def]
    """The fixed words that follow ``/console/`` in the app's routes and mounts."""
    paths = [info.path for info in api_routes(app)]
    paths += [route.path for route in app.routes if isinstance(route, Mount)]
    found = set()
    for path in paths:
        if path.startswith("/console/"):
            first = path.removeprefix("/console/").split("/")[0]
            if first and "{" not in first:
                found.add(first)
    return found


def test_every_console_path_word_is_reserved(app):
    words = _first_segments(app)
    assert {"login", "logout", "clubs", "language", "organizations", "static"} <= words
    assert words <= RESERVED_SLUGS, f"reserve these slugs in clubs.service.RESERVED_SLUGS: {words - RESERVED_SLUGS}"


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_a_reserved_slug_is_refused_with_its_reason_and_nothing_is_made(session, slug):
    before = session.execute(select(func.count()).select_from(LoyaltyClub)).scalar_one()
    with pytest.raises(ValidationFailed) as refused:
        create_club(session, slug=slug, name="Mall", timezone="Europe/Oslo")
    assert refused.value.status_code == 422
    [detail] = refused.value.extra["details"]["slug"]
    assert detail["error"] == "reserved"
    assert detail["options"]["reason"] == f"is a path of the staff console (/console/{slug})"
    assert session.execute(select(func.count()).select_from(LoyaltyClub)).scalar_one() == before


def test_a_slug_that_only_contains_a_reserved_word_is_fine(session):
    club = create_club(session, slug="login-mall", name="Login Mall", timezone="Europe/Oslo")
    assert club.slug == "login-mall"


@pytest.fixture
def cli_env(scratch_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOYALTYHUB_DATABASE_URL", scratch_url)
    monkeypatch.chdir(tmp_path)
    migrated = CliRunner().invoke(cli_app, ["migrate", "--json"])
    assert migrated.exit_code == 0, migrated.output


def test_the_cli_says_why(cli_env):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    result = runner.invoke(
        cli_app, ["clubs", "create", "--slug", "static", "--name", "S", "--timezone", "Europe/Oslo", "--json"]
    )
    assert result.exit_code == 1
    error = json.loads(result.stdout or result.output)
    assert error["details"]["slug"][0]["error"] == "reserved"
    assert "staff console" in error["details"]["slug"][0]["options"]["reason"]
