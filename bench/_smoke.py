"""What the benchmarks' ``--smoke`` modes share.

A smoke run is a benchmark on tiny data, one short round, that checks its answers agree (the API and
the baseline write the same counts, a report equals its hand-written SQL, ...) and runs every statement
the benchmark has, so a schema change that breaks one fails it. It never writes docs/benchmarks.md.
A failed check raises :class:`SmokeFailure`; a broken statement raises the driver's error: either way
the benchmark exits non-zero. ``python -m bench --smoke`` runs them all.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def analyze(engine: Any) -> None:
    """Gather the planner's statistics after a bulk seed, as autovacuum would within a minute of it.

    Without them PostgreSQL plans the freshly filled tables as empty ones (a member's 100 grants were
    joined to the club's offers by a scan of all of them, ~1.3 ms instead of 0.1 ms), and the plans
    change in the middle of a run when autovacuum's own ``ANALYZE`` lands: a benchmark would measure
    whichever it caught. A no-op on SQLite."""
    from sqlalchemy import text

    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


class SmokeFailure(AssertionError):
    """A smoke check found answers that disagree."""


def _short(value: Any, width: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def agree(what: str, **answers: Any) -> Any:
    """Check that every named answer is equal; their common value."""
    values = list(answers.values())
    if any(value != values[0] for value in values[1:]):
        details = "; ".join(f"{name} = {_short(value)}" for name, value in answers.items())
        raise SmokeFailure(f"{what}: the answers disagree: {details}")
    print(f"smoke ok: {what}: {' = '.join(answers)} = {_short(values[0], 80)}", flush=True)
    return values[0]


def check(what: str, condition: bool, detail: Any = None) -> None:
    if not condition:
        raise SmokeFailure(f"{what}: {_short(detail)}" if detail is not None else what)
    print(f"smoke ok: {what}", flush=True)


def postgres_base_url(url: str | None) -> str:
    """The PostgreSQL database whose name prefixes the benchmark's own databases: ``url``, else the test
    run's (``LOYALTYHUB_TEST_DATABASE_URL``), else the local ``test`` database."""
    from tests.member_offers import live

    if url and url.startswith("sqlite"):
        raise SystemExit("this benchmark runs on PostgreSQL only")
    if url:
        return url
    base = live.postgres_base_url()
    if base is None:
        raise SystemExit("PostgreSQL is required for this benchmark (none answers; pass --database-url)")
    return base


@contextmanager
def scratch_database(base_url: str | None, name: str) -> Iterator[str]:
    """A new empty database for one smoke run, dropped afterwards: ``<base database>_<name>`` on the
    base URL's PostgreSQL server, or a SQLite file in a temporary folder when ``base_url`` is SQLite."""
    from tests.member_offers import live

    if base_url and base_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix=f"loyaltyhub-{name}-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    url = live.fresh_postgres(postgres_base_url(base_url), name)
    try:
        yield url
    finally:
        live.drop_postgres(url)
