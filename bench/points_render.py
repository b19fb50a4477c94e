"""A/B of the member status body for 1,000 transactions (``.venv/bin/python -m bench.points_render``): the
first pass's rendering (``strftime`` timestamps, ``json.dumps``) against the current one (``isoformat``,
orjson), alternating in one process so that machine load hits both alike. Prints the medians and their
ratio; checks both bodies are the same JSON. ``--smoke``: 5 rounds. No database: the query is measured by
``bench.points``."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson

from loyaltyhub.rewards.points.repository import render_transaction


def _first_pass_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _first_pass(rows: list[Any]) -> bytes:
    rendered = [
        {
            "id": row.id,
            "type": row.type,
            "date": _first_pass_iso(row.occurred_at),
            "amount": row.amount,
            "expired_at": _first_pass_iso(row.expired_at),
            "cancelled_at": _first_pass_iso(row.cancelled_at),
            "details": row.details or {},
        }
        for row in rows
    ]
    return json.dumps({"transactions": rendered}, ensure_ascii=False).encode()


def _current(rows: list[Any]) -> bytes:
    return orjson.dumps({"transactions": [render_transaction(row) for row in rows]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--database-url", help="ignored: no database is used (for python -m bench --smoke)")
    args = parser.parse_args()
    now = datetime.now(UTC)
    rows = [
        SimpleNamespace(
            id=i,
            type="grant",
            occurred_at=now - timedelta(minutes=i),
            amount=10,
            expired_at=now if i % 3 == 0 else None,
            cancelled_at=None,
            details={"grant_type": "campaign", "grant_properties": {"store_id": 1}},
        )
        for i in range(1000)
    ]
    assert json.loads(_first_pass(rows)) == json.loads(_current(rows)), "the two renderings differ"
    old, new = [], []
    for _ in range(5 if args.smoke else args.rounds):
        start = time.perf_counter()
        _first_pass(rows)
        old.append(time.perf_counter() - start)
        start = time.perf_counter()
        _current(rows)
        new.append(time.perf_counter() - start)
    a, b = statistics.median(old), statistics.median(new)
    print(f"first pass median {a * 1000:.2f} ms, current median {b * 1000:.2f} ms, ratio {a / b:.1f}x")


if __name__ == "__main__":
    main()
