"""``loyaltyhub serve --workers N``: every worker listens on a socket of its own (``loyaltyhub.ops.server``),
so the connections of one client are spread over the workers instead of all landing on one."""

from __future__ import annotations

import http.client
import os
import pickle
import socket
from collections import Counter
from pathlib import Path

import pytest

from loyaltyhub.ops.server import ReusePortListener, reuse_port_available
from tests.ops.servers import environment, free_port, run, serve

pytestmark = pytest.mark.skipif(not reuse_port_available(), reason="SO_REUSEPORT workers are Linux only")


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of the established TCP connections whose local port is ``port`` (the server's ends)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                inodes.add(fields[9])
    return inodes


def connections_per_process(port: int) -> Counter[int]:
    """How many of the connections to ``port`` each process holds (by its open file descriptors)."""
    wanted = {f"socket:[{inode}]" for inode in _established_inodes(port)}
    held: Counter[int] = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                    held[int(pid)] += 1
        except OSError:  # a process that ended meanwhile, or not ours
            continue
    return held


def test_a_worker_unpickles_a_socket_of_its_own_on_the_shared_address() -> None:
    port = free_port()
    listener = ReusePortListener("127.0.0.1", port)
    first, second = pickle.loads(pickle.dumps(listener)), pickle.loads(pickle.dumps(listener))
    try:
        assert isinstance(first, socket.socket) and first.fileno() != second.fileno()
        assert first.getsockname() == second.getsockname() == ("127.0.0.1", port)
        assert first.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # both listen: the connection is queued on one of them
    finally:
        first.close()
        second.close()


def test_connections_of_one_client_reach_every_worker(scratch_url: str, tmp_path: Path) -> None:
    env = environment(scratch_url)
    run(["migrate"], env, tmp_path)
    with serve(env, tmp_path, tmp_path / "serve.log", workers=2) as base:
        port = int(base.rsplit(":", 1)[1])
        connections = []
        try:
            for _ in range(16):  # one after another, as a client's pool opens them
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/healthz")
                assert connection.getresponse().read() is not None
                connections.append(connection)
            held = connections_per_process(port)
        finally:
            for connection in connections:
                connection.close()
    # With one socket shared by the workers, the same worker took all 16 (9 tries in 10 with 8). By the
    # kernel's hash of the addresses, all 16 on one of two sockets has a chance of 2 in 65,536.
    assert sum(held.values()) == 16, held
    assert len(held) == 2, held


def test_serve_refuses_a_taken_address_with_a_clear_error(scratch_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = environment(scratch_url)
        result = run(["serve", "--port", str(port), "--workers", "2"], env, tmp_path, check=False)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr, result.stderr
