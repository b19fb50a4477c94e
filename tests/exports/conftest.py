from __future__ import annotations

from dataclasses import replace

import pytest

from loyaltyhub.services import AppServices
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
