"""The CLI of SPEC §1, every command with --json, against a fresh database of the suite's backend."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from loyaltyhub.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(scratch_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LOYALTYHUB_DATABASE_URL", scratch_url)
    monkeypatch.setenv("LOYALTYHUB_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["migrate", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["migrated"] is True


def _json(args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_clubs_tokens_and_users(cli_env):
    club = _json(
        [
            "clubs", "create", "--slug", "infinity-mall", "--name", "Infinity Mall", "--timezone", "Europe/Oslo",
            "--country", "no", "--default-language", "no", "--languages", "no,en", "--organization", "Group",
        ]
    )  # fmt: skip
    assert club["slug"] == "infinity-mall" and isinstance(club["id"], int)
    assert club["languages"] == ["no", "en"] and club["country"] == "NO"
    token = _json(["tokens", "create", "--club", "infinity-mall", "--permit", "Offers:Api:Offers:List"])
    assert token["token"].startswith("lhc_") and token["permits"] == ["Offers:Api:Offers:List"]
    everything = _json(["tokens", "create", "--organization", "Group", "--all-permits"])
    assert "Reporting:Api:Query" in everything["permits"]
    user = _json(["users", "create", "--email", "a@b.example", "--password", "long-enough", "--role", "analyst",
                  "--club", "infinity-mall"])  # fmt: skip
    assert user["email"] == "a@b.example"


def test_bad_input_exits_non_zero_with_a_json_error(cli_env):
    result = runner.invoke(app, ["clubs", "create", "--slug", "x", "--name", "X", "--timezone", "Mars/Base", "--json"])
    assert result.exit_code == 1
    result = runner.invoke(app, ["tokens", "create", "--club", "nope", "--all-permits", "--json"])
    assert result.exit_code == 1
    result = runner.invoke(app, ["users", "create", "--email", "a@b", "--password", "x", "--role", "god",
                                 "--organization", "G", "--json"])  # fmt: skip
    assert result.exit_code == 1


def test_demo_is_deterministic_and_idempotent_with_if_empty(cli_env):
    first = _json(["demo", "--members", "50", "--days", "3", "--seed", "7"])
    assert first["loaded"] is True
    assert first["credentials"]["loyalty_club"] == "infinity-mall"
    assert first["credentials"]["client_token"].startswith("lhc_")
    again = _json(["demo", "--if-empty"])
    assert again == {"loaded": False}


def test_prod_refuses_the_default_secret(monkeypatch):
    from pydantic import ValidationError

    from loyaltyhub.settings import Settings

    with pytest.raises(ValidationError):
        Settings(env="prod")
    assert Settings(env="prod", secret_key="s3cr3t-from-vault").env == "prod"


def test_background_jobs_are_named_once():
    from loyaltyhub.worker import JOBS

    names = [job.name for job in JOBS]
    assert len(names) == len(set(names)), names
