"""The Files API tests' club, its client token's headers and an offer to attach files to."""

from __future__ import annotations

import pytest

from tests.offers import factories as offers


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


@pytest.fixture
def offer(session, club):
    return offers.offer(session, club)
