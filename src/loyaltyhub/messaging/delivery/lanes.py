"""Concurrent delivery: one asyncio event loop per process (in a daemon thread) that owns the transports'
connections, so SMTP connections and HTTP keep-alive connections are reused from one batch to the next,
and :func:`run_lanes`, which sends a batch's items over a few concurrent lanes.

The transmitting job (a plain, synchronous function) hands a batch's coroutine to the loop with
:func:`submit` and waits for it, checking meanwhile whether its sendings were cancelled (a
:class:`threading.Event` the lanes look at before each item). Connections live in the loop, keyed by the
transport's configuration; an SMTP connection idle for a while is checked with a NOOP before use.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_pid: int | None = None


def _ensure() -> asyncio.AbstractEventLoop:
    global _loop, _pid
    with _lock:
        if _loop is None or _pid != os.getpid():  # a forked child gets a loop (and connections) of its own
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="loyaltyhub-delivery", daemon=True)
            thread.start()
            _loop, _pid = loop, os.getpid()
            POOLS.clear()
        return _loop


def submit(coroutine: Coroutine[Any, Any, T]) -> Future[T]:
    """Run ``coroutine`` on the delivery loop; its future."""
    return asyncio.run_coroutine_threadsafe(coroutine, _ensure())


POOLS: dict[Any, Any] = {}
"""Connection pools of the delivery loop, by transport configuration (used from the loop's thread only)."""


async def run_lanes(
    items: Sequence[T],
    lanes: int,
    send: Callable[[int, T], Awaitable[bool]],
) -> None:
    """Send ``items`` over ``lanes`` concurrent lanes, each taking the next item when it is done with one;
    ``send`` answers False to stop every lane (the sending was cancelled, or the transport is unusable)."""
    feed: Iterator[tuple[int, T]] = iter(enumerate(items))
    stopped = False

    async def lane() -> None:
        nonlocal stopped
        for index, item in feed:
            if stopped:
                return
            if not await send(index, item):
                stopped = True
                return

    await asyncio.gather(*(lane() for _ in range(max(1, min(lanes, len(items))))))
