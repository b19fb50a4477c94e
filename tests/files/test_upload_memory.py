"""A 50 MB file uploaded in parts to a real server on PostgreSQL keeps the server under 150 MB resident:
parts are streamed to the storage and checked from the stored file, never held in memory (issue 19)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from PIL import Image

from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.wiring import unit_of_work
from tests.factories import Factory
from tests.offers import factories as offers
from tests.ops.servers import LOYALTYHUB, environment, free_port

ROOT = Path(__file__).resolve().parents[2]
# Issue #19 asks for a server under 150 MB resident through the upload. The upload itself is streamed: it adds
# little to the idle server (asserted). The idle server is ~124 MiB with every domain merged since the domain
# routers are added to the app as declared instead of included (http/routing.include_flat: FastAPI built a
# second state of every included route at the first request, ~15 MiB); docs/benchmarks.md.
MAX_RESIDENT_BYTES = 150 * 1000 * 1000
MAX_GROWTH_BYTES = 32 * 1024 * 1024
PART_BYTES = 8 * 1024 * 1024


def _status(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


@contextmanager
def server(env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """``loyaltyhub serve`` (one process: uvicorn runs in it) on a free port; its base URL and pid."""
    port = free_port()
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            [LOYALTYHUB, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _noise_png(path: Path, side: int) -> None:
    """An incompressible PNG (random pixels, no compression) of about ``side² × 3`` bytes."""
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, format="PNG", compress_level=0)


def _chunks(path: Path, offset: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as source:
        source.seek(offset)
        left = length
        while left > 0:
            chunk = source.read(min(256 * 1024, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def test_a_50_mb_upload_in_parts_keeps_the_server_under_150_mb(scratch_url: str, tmp_path: Path) -> None:
    if scratch_url.startswith("sqlite"):
        pytest.skip("measured on PostgreSQL, the production database")
    migrate.upgrade(scratch_url)
    engine = make_engine(scratch_url, pool_size=1)
    with unit_of_work(engine, write=True) as session:
        factory = Factory(session)
        club = factory.club()
        offer_id = offers.offer(session, club).id
        headers = factory.headers(factory.client_token([club]))
        slug = club.slug
    engine.dispose()

    image = tmp_path / "big.png"
    _noise_png(image, 4200)
    size = image.stat().st_size
    assert size >= 50 * 1024 * 1024
    digest = hashlib.sha256(image.read_bytes()).hexdigest()

    env = environment(scratch_url, LOYALTYHUB_FILES_DIR=str(tmp_path / "files"), LOYALTYHUB_ACCESS_LOG="false")
    with server(env, tmp_path / "server.log") as (base, pid), httpx.Client(base_url=base, timeout=120) as http:
        at_start = _status(pid)["VmRSS"]
        started = http.post(
            f"/v3/{slug}/files/uploads",
            headers=headers,
            json={
                "fileable_type": "offers",
                "fileable_id": offer_id,
                "kind": "offer_default",
                "filename": "big.png",
                "content_type": "image/png",
                "size": size,
            },
        )
        assert started.status_code == 201, started.text
        upload_id = started.json()["id"]
        for number, offset in enumerate(range(0, size, PART_BYTES), start=1):
            length = min(PART_BYTES, size - offset)
            sent = http.put(
                f"/v3/{slug}/files/uploads/{upload_id}/parts/{number}",
                headers={**headers, "Content-Type": "application/octet-stream", "Content-Length": str(length)},
                content=_chunks(image, offset, length),
            )
            assert sent.status_code == 200, sent.text
        finished = http.post(f"/v3/{slug}/files/uploads/{upload_id}/finish", headers=headers)
        assert finished.status_code == 200, finished.text
        record = finished.json()
        assert (record["size"], record["width"], record["height"]) == (size, 4200, 4200)
        downloaded = hashlib.sha256()
        with http.stream("GET", f"/v3/{slug}/files/{record['id']}/content", headers=headers) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                downloaded.update(chunk)
        assert downloaded.hexdigest() == digest
        peak = _status(pid)["VmHWM"]
    measured = f"RSS at start {at_start / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB, upload {size / 2**20:.1f} MiB"
    print(measured)
    # The upload adds little (a part or the file held in memory would show as 8 or 50 MiB more).
    assert peak - at_start < MAX_GROWTH_BYTES, measured
    assert peak < MAX_RESIDENT_BYTES, f"over issue #19's 150 MB: {measured}"
