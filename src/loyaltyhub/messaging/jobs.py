"""The messaging job: prepare due sendings, then transmit dispatches until none is left to claim."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from loyaltyhub.messaging.delivery.prepare import prepare_due
from loyaltyhub.messaging.delivery.transmit import begin_batch, end_batch
from loyaltyhub.messaging.links import PublicUrls

Units = Callable[..., AbstractContextManager[Session]]
PREPARE_EVERY_SECONDS = 1.0


def run_messaging(units: Units, worker: str, *, budget_seconds: float = 30.0, urls: PublicUrls | None = None) -> int:
    """One tick of the queue job: prepare what is due, transmit batches for at most ``budget_seconds``
    (the next tick goes on); how many dispatches were handled.

    Pipelined: the next batch is claimed, rendered and started while the previous one is being sent, and
    the previous one's results are recorded while the next one is being sent; at most two batches of a
    worker are in flight."""
    prepare_due(units, worker)
    handled, started = 0, time.monotonic()
    looked = started
    current = begin_batch(units, worker, urls=urls)
    while current is not None:
        following = begin_batch(units, worker, urls=urls) if time.monotonic() - started < budget_seconds else None
        handled += end_batch(units, current, (following,) if following is not None else ())
        # New due sendings are looked for once a second, not after every batch (a transaction fewer a batch).
        prepared = 0
        if time.monotonic() - looked >= PREPARE_EVERY_SECONDS:
            prepared, looked = prepare_due(units, worker), time.monotonic()
        current = following
        if current is None and prepared and time.monotonic() - started < budget_seconds:
            current = begin_batch(units, worker, urls=urls)
    return handled
