"""The migration tree and a database's revision, read without Alembic.

The serving process answers ``/readyz`` (is the database at the code's head?) but never migrates, so it
does not load Alembic (about 10 MiB resident): the revisions are read from the ``revision`` and
``down_revision`` assignments of the files in ``migrations/versions`` (Alembic's own source of truth), and
the database's revisions from Alembic's ``alembic_version`` table. :mod:`loyaltyhub.db.migrate` (Alembic)
migrates; ``tests/foundation/test_revisions.py`` checks that both read the same tree.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, inspect, text

VERSIONS = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"


def _assigned(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        targets = (
            [node.target] if isinstance(node, ast.AnnAssign) else node.targets if isinstance(node, ast.Assign) else []
        )
        if any(isinstance(target, ast.Name) and target.id == name for target in targets) and node.value:
            return ast.literal_eval(node.value)
    raise ValueError(f"no {name} assignment")


@cache
def tree() -> dict[str, frozenset[str]]:
    """Every revision of the package's migration tree → the revisions it follows."""
    revisions: dict[str, frozenset[str]] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"), str(path))
        revision = _assigned(module, "revision")
        down = _assigned(module, "down_revision")
        parents = () if down is None else (down,) if isinstance(down, str) else tuple(down)  # type: ignore[arg-type]
        revisions[str(revision)] = frozenset(str(parent) for parent in parents)
    return revisions


def known_revisions() -> frozenset[str]:
    return frozenset(tree())


def head_revisions() -> frozenset[str]:
    """The revisions no other revision follows."""
    revisions = tree()
    followed = set().union(*revisions.values()) if revisions else set()
    return frozenset(revisions) - followed


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database is at (empty for a database never migrated)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    return frozenset(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
