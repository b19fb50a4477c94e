"""Webhook tests allow loopback targets (the receiver runs on 127.0.0.1) and retry at once."""

from __future__ import annotations

import pytest

from loyaltyhub.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"webhook_allow_private_targets": True, "webhook_backoff_seconds": 0.0, "webhook_timeout_seconds": 2.0}
    )
