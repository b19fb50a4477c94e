"""The messaging job: prepare due sendings, then transmit dispatches until none is left to claim."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from loyaltyhub.messaging.delivery.prepare import prepare_due
from loyaltyhub.messaging.delivery.transmit import transmit_batch
from loyaltyhub.messaging.links import PublicUrls

Units = Callable[..., AbstractContextManager[Session]]


def run_messaging(units: Units, worker: str, *, budget_seconds: float = 30.0, urls: PublicUrls | None = None) -> int:
    """One tick of the queue job: prepare what is due, transmit batches for at most ``budget_seconds``
    (the next tick goes on); how many dispatches were handled."""
    prepare_due(units, worker)
    handled, started = 0, time.monotonic()
    while time.monotonic() - started < budget_seconds:
        done = transmit_batch(units, worker, urls=urls)
        if not done:
            break
        handled += done
        if prepare_due(units, worker):
            continue
    return handled
