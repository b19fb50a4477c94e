"""Real ``loyaltyhub`` processes for the operations tests: the installed command line, run as an operator
runs it (``loyaltyhub migrate``, ``loyaltyhub serve``), with its environment and its log captured."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

LOYALTYHUB = str(Path(sys.executable).parent / "loyaltyhub")
"""The console script of the installed package (what ``make install`` puts in ``.venv/bin``)."""
PROD_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"  # 64 hex digits: 256 bits
PUBLIC_HEADERS = {"X-Product-Name": "ops-test", "X-User-Agent": "loyaltyhub ops test"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LOYALTYHUB_") and key != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(
        {
            "LOYALTYHUB_DATABASE_URL": database_url,
            "LOYALTYHUB_RUN_WORKER_IN_SERVER": "false",
            "LOYALTYHUB_TENANCY_AUDIT": "true",
            "LOYALTYHUB_ENV": "prod",
            "LOYALTYHUB_SECRET_KEY": PROD_SECRET,
        }
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LOYALTYHUB, *args], env=env, cwd=cwd, capture_output=True, text=True, check=check, timeout=120
    )


@contextmanager
def serve(env: dict[str, str], cwd: Path, log: Path, *, workers: int = 1, timeout: float = 120.0) -> Iterator[str]:
    """``loyaltyhub serve`` on a free port until the block ends; its standard error goes to ``log``."""
    port = free_port()
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            [LOYALTYHUB, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and its worker processes (its own session)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
