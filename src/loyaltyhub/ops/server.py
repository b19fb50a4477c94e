"""Serving with several worker processes, each with its own listening socket (``SO_REUSEPORT``).

uvicorn's ``--workers N`` binds one socket in the parent and hands it to every worker; each worker's
event loop waits on it and the first to wake takes the connection. On Linux the same worker wins almost
every time: with 2 idle workers, 8 keep-alive connections opened one after another landed 8 / 0 in nine
tries out of ten (``ss -tnp``), so a client's connections (a proxy's keep-alive pool, a load generator)
were served by one process on one core while the other idled. Here every worker binds its own socket on
the same address with ``SO_REUSEPORT``, and the kernel spreads new connections over the sockets by a hash
of their addresses: 8 connections split 4 / 4, 5 / 3 or 6 / 2 instead of 8 / 0.

uvicorn's supervisor is kept (health checks, restarts, ``SIGHUP``, ``SIGTTIN`` / ``SIGTTOU``): it sends
the workers the :class:`ReusePortListener` in place of a socket, and unpickling it in a new worker binds
that worker's socket. A worker that cannot bind (the port is taken by another program) exits with
uvicorn's start-up failure code, so the supervisor stops instead of restarting it forever.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

BACKLOG = 2048  # uvicorn's default


def reuse_port_available() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind_reuse_port(host: str, port: int, backlog: int | None = BACKLOG) -> socket.socket:
    """A TCP socket bound to ``host:port`` that other sockets of this user may share (``SO_REUSEPORT``),
    listening with ``backlog`` (None: bound only, so it takes no connections)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if backlog is not None:
            sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _worker_socket(host: str, port: int, backlog: int) -> socket.socket:
    """Called when a worker unpickles its :class:`ReusePortListener`: that worker's own socket."""
    try:
        return bind_reuse_port(host, port, backlog)
    except OSError as exc:
        print(f"loyaltyhub: worker cannot listen on {host}:{port}: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(STARTUP_FAILURE) from exc


@dataclass(frozen=True)
class ReusePortListener:
    """Stands for a socket in the list uvicorn's supervisor sends each worker it starts: pickled as the
    address, unpickled as a socket the worker binds for itself."""

    host: str
    port: int
    backlog: int = BACKLOG

    def __reduce__(self) -> tuple[Any, tuple[str, int, int]]:
        return _worker_socket, (self.host, self.port, self.backlog)


def run(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve the ASGI app ``app`` (an import string) like ``uvicorn.run``; with more than one worker on
    Linux, each worker listens on a socket of its own."""
    if workers <= 1 or not reuse_port_available():
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    # The parent binds the address once, as uvicorn does, so a taken port fails here with a clear error
    # before any worker starts. It never listens: only listening sockets take connections.
    probe = bind_reuse_port(host, port, backlog=None)
    try:
        config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
        Multiprocess(config, sockets=[ReusePortListener(host, port, config.backlog)]).run()  # type: ignore[list-item]
    except KeyboardInterrupt:
        pass
    finally:
        probe.close()


def main(argv: list[str] | None = None) -> None:
    """``python -m loyaltyhub.ops.server APP [--host H] [--port P] [--workers N]``: any ASGI app (the
    benchmarks' floor apps, the tests' servers) served as ``loyaltyhub serve`` serves the API."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("app", help="the ASGI app as an import string, module:attribute")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    args = parser.parse_args(argv)
    run(
        args.app,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=args.access_log,
    )


if __name__ == "__main__":
    main()
