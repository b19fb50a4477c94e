"""Reproducible installs: the lock files pin every dependency of pyproject.toml, by hash, and production's
lock leaves out what only the demo and the tests need."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pinned(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {name.lower(): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)}


def _names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[<>=\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-") for requirement in requirements
    }


def test_the_locks_pin_every_dependency_with_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _names(project["dependencies"])
    extras = _names(project["optional-dependencies"]["dev"] + project["optional-dependencies"]["demo"])
    production, development = _pinned("requirements.lock"), _pinned("requirements-dev.lock")
    assert runtime <= set(production), runtime - set(production)
    assert runtime | extras <= set(development), (runtime | extras) - set(development)
    for lock in ("requirements.lock", "requirements-dev.lock"):
        entries = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", (ROOT / lock).read_text())
        assert all("--hash=sha256:" in entry for entry in entries[1:]), lock
    assert all(development[name] == version for name, version in production.items())  # production runs what was tested


def test_production_installs_neither_the_demo_nor_the_test_tools():
    production = _pinned("requirements.lock")
    assert not {"faker", "pytest", "playwright", "schemathesis", "openapi-python-client"} & set(production)


def test_make_and_the_dockerfile_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements-dev.lock" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.lock" in dockerfile
