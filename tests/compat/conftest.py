"""The compatibility tests run the app as it is deployed: bodies read as the vendor reads them
(``strict_input`` off, the default), whereas the rest of the suite reads its own bodies strictly."""

from __future__ import annotations

import pytest

from loyaltyhub.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"strict_input": False})
