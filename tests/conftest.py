"""Shared fixtures: a real database (SQLite by default, PostgreSQL with LOYALTYHUB_TEST_DATABASE_URL),
migrated once per run; every test runs in a transaction that is rolled back afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session

from loyaltyhub.app import create_app
from loyaltyhub.db import migrate, tenancy
from loyaltyhub.db.engine import make_engine
from loyaltyhub.exports.runner import Sessions
from loyaltyhub.services import SESSION_KEY, AppServices
from loyaltyhub.settings import Settings
from loyaltyhub.wiring import build_services
from tests.compat.report import pytest_terminal_summary  # noqa: F401  (the vendor examples' report)
from tests.factories import Factory
from tests.messaging.smtp_sink import SmtpSink

pytest_plugins = ["tests.s3"]  # a real S3 server (moto) for the storage tests


def _test_database_url(tmp_dir: Path) -> str:
    url = os.environ.get("LOYALTYHUB_TEST_DATABASE_URL", "").strip()
    if url and not url.startswith("sqlite"):
        return url
    return f"sqlite:///{tmp_dir / 'test.db'}"


@contextmanager
def own_postgres_database(server_url: str) -> Iterator[str]:
    """A new database ``<named database>_<random>`` on the server of ``server_url`` (whose database is only
    used to connect), dropped afterwards: the suite never touches a database it did not create."""
    name = f"{make_url(server_url).database}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url, pool_size=1).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="loyaltyhub-test-") as tmp:
        url = _test_database_url(Path(tmp))
        if url.startswith("sqlite"):
            migrate.upgrade(url)
            yield url
            return
        with own_postgres_database(url) as own:
            migrate.upgrade(own)
            yield own


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def tenancy_audit(engine: Engine) -> Iterator[tenancy.Audit]:
    """Every statement loyaltyhub runs in the suite is checked for club criteria on tenant tables
    (loyaltyhub.db.tenancy); statements of the tests themselves (reading tables to check an outcome) are not."""
    audit = tenancy.install_audit(engine)
    yield audit
    audit.uninstall()


@pytest.fixture(autouse=True)
def _no_unscoped_statements(tenancy_audit: tenancy.Audit) -> Iterator[None]:
    """A test fails when a statement it caused (directly or through the app) lacked a club criterion,
    also when the app turned the audit's error into a 500 that the test did not look at."""
    seen = len(tenancy_audit.violations)
    yield
    assert not tenancy_audit.violations[seen:], "\n".join(tenancy_audit.violations[seen:])


@pytest.fixture(scope="session")
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


def bound_session(connection: Connection, services: AppServices) -> Session:
    """A session inside the test's transaction (its commits are savepoints), with ``services`` bound."""
    return Session(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        info={SESSION_KEY: services},
    )


@pytest.fixture
def services() -> AppServices:
    """The platform's services as the app wires them. A test that needs others builds its app with
    ``app_with(dataclasses.replace(services, outbox_sender=...))``, or a test package overrides this fixture."""
    return build_services()


@pytest.fixture
def session(connection: Connection, services: AppServices) -> Iterator[Session]:
    session = bound_session(connection, services)
    yield session
    session.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        export_dir=str(tmp_path / "exports"),
        files_dir=str(tmp_path / "files"),
        run_worker_in_server=False,
        redis_url=None,
        export_retry_backoff_seconds=0,  # a job taken back from a dead worker is ready again at once
        # The suite's own bodies are exact, so it reads them strictly: a typo in a test is a 422, not a key
        # silently dropped. The vendor's reading (the default) is tested in tests/compat.
        strict_input=True,
    )


@pytest.fixture
def app_with(settings: Settings, engine: Engine, connection: Connection) -> Callable[[AppServices], FastAPI]:
    """Builds the app with the given services, every request's session joined to the test's transaction."""

    def build(services: AppServices) -> FastAPI:
        return create_app(
            settings,
            engine=engine,
            services=services,
            session_factory=lambda _write: bound_session(connection, services),
            start_background_jobs=False,
        )

    return build


@pytest.fixture
def app(app_with: Callable[[AppServices], FastAPI], services: AppServices) -> FastAPI:
    return app_with(services)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def factory(session: Session) -> Factory:
    return Factory(session)


@pytest.fixture
def scratch_url(database_url: str, tmp_path) -> Iterator[str]:
    """A fresh, empty database of the same backend as the suite's."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"{make_url(database_url).database}_m{uuid.uuid4().hex[:10]}"
    admin = make_engine(database_url, pool_size=1).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sessions(connection: Connection, services: AppServices) -> Sessions:
    """Worker sessions joined to the test's transaction: writes in savepoints, the long read session
    never rolls the test's transaction back."""
    info = {SESSION_KEY: services}
    return Sessions(
        write=lambda: Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, info=info
        ),
        read=lambda: Session(bind=connection, join_transaction_mode="rollback_only", expire_on_commit=False, info=info),
    )


@pytest.fixture
def units(connection: Connection, services: AppServices) -> Callable[..., Any]:
    """A job's units of work (``units(write=...)``), inside the test's transaction."""

    @contextmanager
    def unit(*, write: bool) -> Iterator[Session]:
        session = bound_session(connection, services)
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    return unit


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 keeping what it receives."""
    with SmtpSink() as running:
        yield running
