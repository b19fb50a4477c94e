from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from loyaltyhub.exports.runner import Sessions
from loyaltyhub.services import SESSION_KEY, AppServices
from loyaltyhub.wiring import build_services
from tests.exports.fakes import FakeSource


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def services(request: pytest.FixtureRequest) -> AppServices:
    """The app's services; a test that asks for ``source`` gets its exports' rows from that fake."""
    services = build_services()
    if "source" in request.fixturenames:
        return replace(services, export_rows=request.getfixturevalue("source"))
    return services


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
