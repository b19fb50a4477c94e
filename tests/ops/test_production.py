"""The README's production section, run line by line as written (on PostgreSQL, what it is for): production
refuses the default secret key; two app nodes behind one database serve the same data; readiness and
metrics answer, the metrics adding up every worker process of a node; the worker runs the jobs.

Only what cannot be the same here is swapped: the database and Redis addresses, the ports (two "nodes" on
one machine), the bind address (loopback) and ``.venv/bin`` (this test's own environment)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from loyaltyhub.settings import Settings
from tests.ops.servers import free_port, serve

ROOT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)
REDIS = "redis://127.0.0.1:6379/14"


def readme_steps() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- production-steps[^>]*-->\s*```sh\n(.*?)```", text, re.S)
    assert block, "the README's production steps"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def postgres_url(scratch_url):
    if scratch_url.startswith("sqlite"):
        pytest.skip("the production section runs on PostgreSQL")
    return scratch_url


@pytest.mark.slow
def test_the_readme_production_section_as_written(postgres_url, tmp_path):
    steps = readme_steps()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOYALTYHUB_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    commands: list[list[str]] = []
    for line in steps:
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            if name == "LOYALTYHUB_DATABASE_URL":
                assert value.startswith("postgresql+psycopg://")
                value = postgres_url
            elif name == "LOYALTYHUB_REDIS_URL":
                assert value.startswith("redis://")
                value = REDIS
            else:  # as a shell evaluates it: $(openssl rand -hex 32)
                value = subprocess.run(["bash", "-c", f"printf %s {value}"], capture_output=True, text=True).stdout
            env[name] = value
        elif line == "make install":
            continue  # this test runs inside the installed environment
        else:
            commands.append(shlex.split(line.replace(".venv/bin", BIN)))
    assert env["LOYALTYHUB_ENV"] == "prod" and len(env["LOYALTYHUB_SECRET_KEY"]) == 64
    migrate, serve_line, worker_line, *probes = commands
    assert migrate[1:] == ["migrate"] and serve_line[1] == "serve" and worker_line[1] == "worker"

    # Production refuses to start with the published default key, or a short one.
    for key in (None, "too-short-a-key"):
        refused_env = {k: v for k, v in env.items() if k != "LOYALTYHUB_SECRET_KEY"}
        if key is not None:
            refused_env["LOYALTYHUB_SECRET_KEY"] = key
        refused = subprocess.run(serve_line, env=refused_env, capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0
        assert "LOYALTYHUB_SECRET_KEY must be" in refused.stderr

    subprocess.run(migrate, env=env, check=True, cwd=tmp_path, capture_output=True, timeout=120)
    cli = [migrate[0]]
    subprocess.run([*cli, "clubs", "create", "--slug", "prod-mall", "--name", "Prod Mall", "--timezone",
                    "Europe/Oslo", "--default-language", "en"], env=env, check=True, cwd=tmp_path,
                   capture_output=True)  # fmt: skip
    token = json.loads(
        subprocess.run(
            [*cli, "tokens", "create", "--club", "prod-mall", "--all-permits", "--json"],
            env=env,
            check=True,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        ).stdout
    )["token"]

    workers = int(serve_line[serve_line.index("--workers") + 1])
    node_dirs = [tmp_path / "node-1", tmp_path / "node-2"]
    for directory in node_dirs:
        directory.mkdir()
    worker_port = free_port()
    worker_command = [*worker_line[:-1], str(worker_port)]
    worker = subprocess.Popen(worker_command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with (
            serve(env, node_dirs[0], tmp_path / "node-1.log", workers=workers) as node_1,
            serve(env, node_dirs[1], tmp_path / "node-2.log", workers=workers) as node_2,
        ):
            # The README's probes, against each node.
            for node in (node_1, node_2):
                for probe in probes:
                    url = probe[-1].replace("http://127.0.0.1:8000", node)
                    assert subprocess.run([*probe[:-1], url], capture_output=True, timeout=30).returncode == 0
            assert httpx.get(f"{node_1}/readyz").json()["checks"] == {
                "database": "ok",
                "migrations": "ok",
                "redis": "ok",
            }

            # Two nodes, one database: an offer created through one is served by the other.
            headers = {"X-Client-Authorization": token}
            created = httpx.post(
                f"{node_1}/v3/prod-mall/offers", headers=headers, json={"name": {"en": "Tea"}}, timeout=30
            )
            assert created.status_code == 201, created.text
            shown = httpx.get(f"{node_2}/v3/prod-mall/offers/{created.json()['id']}", headers=headers, timeout=30)
            assert shown.status_code == 200 and shown.json()["name"] == {"en": "Tea"}

            # Metrics add up every worker process of a node, whichever one answers the scrape.
            for _ in range(12):
                assert httpx.get(f"{node_1}/v3/prod-mall/offers", headers=headers, timeout=30).status_code == 200
            route = (("method", "GET"), ("route", "/v3/{loyalty_club_slug}/offers"), ("status", "200"))
            defaults = Settings(_env_file=None)
            per_process = defaults.database_pool_size + defaults.database_max_overflow
            for _ in range(4):
                scraped = samples(httpx.get(f"{node_1}/metrics", timeout=30).text)
                assert scraped[("loyaltyhub_http_requests_total", route)] == 12
                assert scraped[("loyaltyhub_db_pool_capacity", ())] == workers * per_process  # every process's pool
            # The worker ran its jobs and shows them on its metrics port.
            deadline = time.monotonic() + 30
            while True:
                try:
                    jobs = samples(httpx.get(f"http://127.0.0.1:{worker_port}/metrics", timeout=5).text)
                    if jobs.get(("loyaltyhub_job_runs_total", (("job", "exports"), ("outcome", "ok"))), 0) >= 1:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the worker's metrics"
                time.sleep(0.5)
        # Production logs are JSON lines.
        for line in (tmp_path / "node-2.log").read_text().splitlines():
            json.loads(line)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
