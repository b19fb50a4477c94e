"""``python -m bench``: list the benchmarks (run one with ``python -m bench.<name>``).

``python -m bench --smoke``: run every benchmark's smoke mode (tiny data, one short round, its answers
checked; nothing written to docs/benchmarks.md) on PostgreSQL and, where the benchmark supports it, on
SQLite. Each run is its own process, ``python -m bench.<name> --smoke --database-url URL``; the
PostgreSQL ones create databases named ``<database of URL>_<name>...`` and drop them. The exit status is
1 when any run fails (a disagreeing answer, a broken statement) or the whole takes longer than
``--budget`` seconds; a benchmark module without a registered smoke mode fails it too, so none rots
unseen. PostgreSQL not answering skips its runs, unless ``LOYALTYHUB_REQUIRE_POSTGRES=1`` (as in CI).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pkgutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Each benchmark and the backends its smoke mode runs on.
BENCHMARKS: dict[str, tuple[str, ...]] = {
    "use_offer": ("postgresql",),
    "reporting": ("postgresql",),
    "exports": ("postgresql", "sqlite"),
    "profile_request": ("postgresql", "sqlite"),
    "ops_middleware": ("sqlite",),
    "overhead": ("postgresql",),
    "points": ("postgresql",),
    "points_render": ("sqlite",),
    "events": ("postgresql", "sqlite"),
    "console": ("postgresql",),
    "messaging": ("postgresql",),
}
NOT_BENCHMARKS = {"reporting_app": "the server bench.reporting starts"}
BACKENDS = ("postgresql", "sqlite")


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))


def postgres_url(url: str | None) -> str | None:
    """The PostgreSQL database the smoke databases are named after, if it answers."""
    from tests.member_offers import live

    if url is None:
        return live.postgres_base_url()
    from loyaltyhub.db import ping

    return url if ping.main(url) == 0 else None


def run_one(name: str, url: str, timeout: float) -> tuple[bool, float]:
    """``python -m bench.<name> --smoke`` in its own process group; on timeout it is interrupted (its
    ``finally`` blocks stop its servers and drop its databases), then killed with its children."""
    command = [sys.executable, "-m", f"bench.{name}", "--smoke", "--database-url", url]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=HERE.parent, start_new_session=True)
    try:
        ok = process.wait(timeout=max(timeout, 1)) == 0
    except subprocess.TimeoutExpired:
        print(f"!! bench.{name} --smoke: over the time budget, interrupted", flush=True)
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        ok = False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever it left running (a server it started)
        process.wait()
    return ok, time.monotonic() - started


def smoke(args: argparse.Namespace) -> int:
    failed: list[str] = []
    unregistered = [m for m in modules() if m not in BENCHMARKS and m not in NOT_BENCHMARKS]
    for module in unregistered:
        failed.append(f"bench/{module}.py: no smoke mode registered in bench/__main__.py")
    backends = BACKENDS if args.backend == "all" else (args.backend,)
    urls: dict[str, str] = {"sqlite": "sqlite"}
    if "postgresql" in backends:
        pg = postgres_url(args.database_url)
        if pg is not None:
            urls["postgresql"] = pg
        elif os.environ.get("LOYALTYHUB_REQUIRE_POSTGRES") == "1":
            failed.append(f"PostgreSQL is required but does not answer ({args.database_url or 'default URL'})")
        else:
            print("== PostgreSQL not reachable: its smoke runs are skipped ==", flush=True)
    runs = [
        (name, backend)
        for backend in backends
        for name, supported in BENCHMARKS.items()
        if backend in supported and backend in urls and (not args.only or name in args.only)
    ]
    deadline = time.monotonic() + args.budget
    timings: list[tuple[str, str, float, bool]] = []
    for name, backend in runs:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            failed.append(f"{name} on {backend}: not run, the {args.budget:g} s budget is spent")
            continue
        print(f"\n== bench.{name} --smoke on {backend} ==", flush=True)
        ok, seconds = run_one(name, urls[backend], remaining)
        timings.append((name, backend, seconds, ok))
        if not ok:
            failed.append(f"{name} on {backend}")
    print("\n== benchmark smoke runs ==")
    for name, backend, seconds, ok in timings:
        print(f"{name:<16} {backend:<11} {seconds:6.1f} s  {'ok' if ok else 'FAILED'}")
    print(f"total {sum(t[2] for t in timings):.1f} s (budget {args.budget:g} s)")
    for failure in failed:
        print(f"FAILED: {failure}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="run every benchmark's smoke mode")
    parser.add_argument("--backend", choices=["all", *BACKENDS], default="all")
    parser.add_argument("--database-url", help="PostgreSQL database the smoke databases are named after")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="this benchmark (repeatable)")
    parser.add_argument("--budget", type=float, default=240.0, help="seconds for all smoke runs together")
    args = parser.parse_args()
    if args.smoke:
        return smoke(args)
    names = [m for m in modules() if m not in NOT_BENCHMARKS]
    print("benchmarks:", ", ".join(names) or "(none yet)")
    print("run one with: .venv/bin/python -m bench.<name>; all smoke modes: .venv/bin/python -m bench --smoke")
    return 0


if __name__ == "__main__":
    sys.exit(main())
