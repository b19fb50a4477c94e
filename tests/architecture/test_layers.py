"""Where code of each kind may live: queries outside HTTP modules, club criteria only in the tenancy layer."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "loyaltyhub"
HTTP_MODULES = ("routes.py", "dependencies.py", "context.py")


def _sources(names: tuple[str, ...] | None = None) -> list[Path]:
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and (names is None or path.name in names)
    ]


def test_route_and_dependency_modules_run_no_query() -> None:
    """Handlers and FastAPI dependencies call services and repositories; they build no SQL themselves."""
    query = re.compile(r"\bselect\(|session\.execute\(|session\.get\(")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _sources(HTTP_MODULES)
        if path != PACKAGE / "auth" / "context.py" and query.search(path.read_text())
    ]
    assert offenders == []


def test_club_criteria_are_written_only_by_the_tenancy_layer() -> None:
    hand_written = re.compile(r"loyalty_club_id\s*==")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _sources()
        if path != PACKAGE / "db" / "tenancy.py" and hand_written.search(path.read_text())
    ]
    assert offenders == []


def test_the_checks_read_real_files() -> None:
    assert (PACKAGE / "db" / "tenancy.py").is_file()
    assert len(_sources(HTTP_MODULES)) > 10
