from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from loyaltyhub.exports.runner import Sessions
from loyaltyhub.exports.source import use_source
from tests.exports.fakes import FakeSource


@pytest.fixture
def source() -> Iterator[FakeSource]:
    fake = FakeSource()
    use_source(fake)
    yield fake
    use_source(None)


@pytest.fixture
def sessions(connection: Connection) -> Sessions:
    """Worker sessions joined to the test's transaction: writes in savepoints, the long read session
    never rolls the test's transaction back."""
    return Sessions(
        write=lambda: Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False),
        read=lambda: Session(bind=connection, join_transaction_mode="rollback_only", expire_on_commit=False),
    )
