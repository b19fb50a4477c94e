"""``python -m bench.ops_middleware``: what the metrics and request-logging middlewares add to a request.

Each middleware wraps an ASGI app that answers at once; the difference to the bare app is the middleware's
own cost per request, with no network, routing or database in the way (the median of several rounds).
The access log is measured writing JSON lines to /dev/null, as production formats them.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from loyaltyhub.http.logging import RequestLogging
from loyaltyhub.http.metrics import RequestMetrics
from loyaltyhub.ops.logging import configure_logging
from loyaltyhub.settings import Settings


class _Route:
    path_format = "/v3/{loyalty_club_slug}/members/{member_ref}/offers/{offer_id}/use"


async def _answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    scope["route"] = _Route  # what routing leaves in the scope
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/v3/infinity-mall/members/me/offers/1/use",
        "headers": [(b"x-request-id", b"bench-1")],
        "state": {},
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _send(_message: dict[str, Any]) -> None:
    return None


def _per_request_us(app: Callable[..., Any], requests: int) -> float:
    async def run() -> float:
        started = time.perf_counter()
        for _ in range(requests):
            await app(_scope(), _receive, _send)
        return (time.perf_counter() - started) / requests * 1e6

    return asyncio.run(run())


def measure(requests: int = 20_000, rounds: int = 5) -> dict[str, float]:
    """Microseconds per request: the bare app, and what each middleware adds to it."""
    configure_logging(Settings(env="prod", secret_key="0123456789abcdef" * 4), stream=io.StringIO())
    logging.getLogger().handlers[-1].stream = open("/dev/null", "w")  # type: ignore[attr-defined]  # noqa: SIM115
    apps = {
        "bare": _answer,
        "metrics": RequestMetrics(_answer),
        "request_id": RequestLogging(_answer, access_log=False),
        "request_id_and_access_log": RequestLogging(_answer, access_log=True),
    }
    medians = {
        name: statistics.median(_per_request_us(app, requests) for _ in range(rounds)) for name, app in apps.items()
    }
    bare = medians.pop("bare")
    return {"bare_us": round(bare, 2), **{f"{name}_added_us": round(us - bare, 2) for name, us in medians.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one short round; fail unless every figure is measured")
    parser.add_argument("--database-url", help="unused (no database): accepted like every benchmark's smoke mode")
    args = parser.parse_args(argv)
    figures = measure(requests=500, rounds=1) if args.smoke else measure()
    for name, us in figures.items():
        print(f"{name:34} {us:8.2f}")
    if args.smoke and not all(math.isfinite(us) for us in figures.values()):
        print("smoke FAILED: a middleware figure is not a number")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
