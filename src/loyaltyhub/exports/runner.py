"""Running an export: stream the rows to a temporary file, fsync, rename, then mark the job done.

A file becomes the job's file only in :func:`loyaltyhub.exports.jobs.finish`, after it is complete and
durable, so a killed worker leaves at most a ``.part`` file that nobody serves (the cleanup removes it).
Each attempt writes under its own claim token, so a slow worker that lost its job to another one can
never overwrite or delete the other's file.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.auth.principal import Grant, Principal
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.engine import make_session_factory, writer
from loyaltyhub.digits import decimal
from loyaltyhub.exports import jobs
from loyaltyhub.exports.formats import EXTENSIONS, writer_for
from loyaltyhub.exports.jobs import Claim, SessionMaker
from loyaltyhub.exports.service import ROWS_PER_CHARGE
from loyaltyhub.exports.source import RowStream
from loyaltyhub.services import SESSION_KEY, AppServices, services_of
from loyaltyhub.settings import Settings
from loyaltyhub.storage import LocalStorage

log = logging.getLogger(__name__)

PART_PREFIX = ".export-"
FILE_PREFIX = "export-"
ORPHAN_GRACE_SECONDS = 600.0


class JobLost(Exception):
    """The job was cancelled or taken over while this worker ran it."""


class AccessRevoked(Exception):
    pass


@dataclass
class Sessions:
    """Short write transactions (``write``) and the long read transaction of the rows (``read``)."""

    write: SessionMaker
    read: SessionMaker

    @classmethod
    def for_engine(cls, engine: Engine, services: AppServices) -> Sessions:
        """Sessions of ``engine`` with the app's ``services`` bound (the export row source among them)."""
        info = {SESSION_KEY: services}
        return cls(write=make_session_factory(writer(engine), info=info), read=make_session_factory(engine, info=info))


Charger = Callable[[CustomerAccess, int], None]
"""Charges the rate-limit bucket of ``access`` ``cost`` tokens (once per further 1,000 rows written)."""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def file_names(claim: Claim) -> tuple[str, str]:
    """(temporary name, final name) of one attempt."""
    stem = f"{claim.id}-{claim.claim_token[:16]}.{EXTENSIONS.get(claim.format, claim.format)}"
    return f"{PART_PREFIX}{stem}.part", f"{FILE_PREFIX}{stem}"


def access_for(session: Session, claim: Claim) -> CustomerAccess:
    """The caller's access as it was when the export was requested (its permits and clubs), provided the
    caller still exists and its token is not revoked."""
    from loyaltyhub.auth.models import ClientToken, User

    kind, _, raw_id = claim.actor_key.partition(":")
    principal_id = decimal(raw_id) or -1
    if kind == "client":
        token = session.get(ClientToken, principal_id)
        if token is None or token.revoked_at is not None:
            raise AccessRevoked("The client token that requested the export was revoked")
    elif kind == "user":
        if session.get(User, principal_id) is None:
            raise AccessRevoked("The user who requested the export no longer exists")
    else:
        raise AccessRevoked(f"Unknown caller {claim.actor_key}")
    clubs = list(
        session.execute(select(LoyaltyClub).where(LoyaltyClub.id.in_(claim.club_ids)).order_by(LoyaltyClub.id))
        .scalars()
        .all()
    )
    if len(clubs) != len(set(claim.club_ids)):
        raise AccessRevoked("A loyalty club of the export no longer exists")
    permits = frozenset(claim.permits)
    grant = Grant(permits=permits, club_ids=frozenset(claim.club_ids))
    principal = Principal(kind=kind, id=principal_id, name=claim.principal_name, grants=(grant,))  # type: ignore[arg-type]
    return CustomerAccess(
        principal=principal, clubs=tuple(clubs), permits=permits, organization_context=claim.organization_context
    )


def open_rows(session: Session, access: CustomerAccess, claim: Claim) -> RowStream:
    """All rows of the job: the query over the whole selection, or (tenants export) once per club with
    the club's id first in every row. Clubs are queried one after another, so one cursor is open at a time;
    the first club's query is opened up front to fix the header."""
    source = services_of(session).export_rows
    if not claim.per_club:
        return source.open(session, access, claim.query)

    def club_access(club: LoyaltyClub) -> CustomerAccess:
        return CustomerAccess(
            principal=access.principal, clubs=(club,), permits=access.permits, organization_context=False
        )

    first = source.open(session, club_access(access.clubs[0]), claim.query)
    columns = None
    if first.columns is not None:
        columns = ["loyalty_club_id", *[c for c in first.columns if c != "loyalty_club_id"]]

    def rows() -> Iterator[dict[str, Any]]:
        for club in access.clubs:
            stream = first if club is access.clubs[0] else source.open(session, club_access(club), claim.query)
            for row in stream.rows:
                yield {"loyalty_club_id": club.id, **row}

    total = first.total if len(access.clubs) == 1 else None
    return RowStream(rows=rows(), columns=columns, total=total)


class Heartbeat:
    """Keeps a claimed job alive: beats from the row loop (every 256 rows, when due) and, with
    ``keepalive``, from a thread as well, so that a slow query before the first row (a big aggregation)
    does not look like a dead worker. ``lost`` turns true when the job is no longer ours."""

    def __init__(self, factory: SessionMaker, claim: Claim, interval: float) -> None:
        self.factory, self.claim, self.interval = factory, claim, interval
        self.rows = 0
        self.total: int | None = None
        self.lost = False
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.interval

    def beat(self) -> None:
        with self._lock:
            if not self.lost and not jobs.heartbeat(self.factory, self.claim, self.rows, self.total):
                self.lost = True
            self._last = time.monotonic()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"export-{self.claim.id}-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval / 2):
            if self.due():
                try:
                    self.beat()
                except Exception:  # a missed beat is retried; the row loop beats too
                    log.exception("heartbeat of export %s failed", self.claim.id)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def run_claim(
    sessions: Sessions,
    settings: Settings,
    claim: Claim,
    *,
    charge: Charger | None = None,
    heartbeat_seconds: float = jobs.HEARTBEAT_SECONDS,
    keepalive: bool = False,
) -> str:
    """Run one claimed job to its end; returns the final status (``done``, ``failed`` or ``lost``).
    ``keepalive``: also beat from a thread (needs ``sessions`` that may be used from two threads)."""
    export_dir = Path(settings.export_dir)  # the part is written here, then handed to the store complete
    export_dir.mkdir(parents=True, exist_ok=True)
    store = settings.export_files()
    part_name, final_name = file_names(claim)
    part = export_dir / part_name
    heart = Heartbeat(sessions.write, claim, heartbeat_seconds)
    if keepalive:
        heart.start()
    rows = 0
    try:
        with sessions.read() as session:
            access = access_for(session, claim)
            stream = open_rows(session, access, claim)
            heart.total = stream.total
            with open(part, "w", encoding="utf-8", newline="") as out:
                row_writer = writer_for(claim.format, out, stream.columns)
                for row in stream.rows:
                    row_writer.write(row)
                    rows += 1
                    if rows % ROWS_PER_CHARGE == 0 and charge is not None:
                        charge(access, claim.cost)  # the first 1,000 rows were paid by the POST
                    if rows % 256 == 0:
                        heart.rows = rows
                        if heart.due():
                            heart.beat()
                        if heart.lost:
                            raise JobLost
                row_writer.close()
                out.flush()
                os.fsync(out.fileno())
        heart.stop()
        if heart.lost:
            raise JobLost
        size = part.stat().st_size
        store.put(final_name, part)
    except JobLost:
        heart.stop()
        part.unlink(missing_ok=True)
        log.info("export %s was cancelled or taken over; stopped after %s rows", claim.id, rows)
        return "lost"
    except AccessRevoked as exc:
        heart.stop()
        part.unlink(missing_ok=True)
        return "failed" if jobs.fail(sessions.write, claim, str(exc)) else "lost"
    except Exception as exc:
        heart.stop()
        part.unlink(missing_ok=True)
        log.exception("export %s failed", claim.id)
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return "failed" if jobs.fail(sessions.write, claim, f"Export failed after {rows} rows: {reason}") else "lost"
    if jobs.finish(
        sessions.write, claim, file_name=final_name, size_bytes=size, rows=rows, ttl=settings.export_ttl_seconds
    ):
        return "done"
    store.delete(final_name)  # cancelled while we were finishing: nobody will ask for it
    return "lost"


def run_pending(
    sessions: Sessions,
    settings: Settings,
    *,
    charge: Charger | None = None,
    max_jobs: int | None = None,
    stale_after: float | None = None,
    heartbeat_seconds: float = jobs.HEARTBEAT_SECONDS,
    keepalive: bool = False,
) -> list[tuple[int, str]]:
    """Recover stale jobs, then claim and run queued ones until none is left (or ``max_jobs`` ran). An idle
    tick is one read: write transactions (which serialize on SQLite) only happen when there is work.
    ``stale_after``: seconds without a heartbeat after which a running job's worker counts as dead
    (default: the ``export_stale_seconds`` setting)."""
    stale_after = settings.export_stale_seconds if stale_after is None else stale_after
    with sessions.read() as session:
        if not jobs.has_work(session, stale_after=stale_after):
            return []
    with sessions.write() as session, session.begin():
        jobs.recover_stale(session, stale_after=stale_after, backoff_seconds=settings.export_retry_backoff_seconds)
    done: list[tuple[int, str]] = []
    me = worker_id()
    while max_jobs is None or len(done) < max_jobs:
        claim = jobs.claim_next(sessions.write, me)
        if claim is None:
            break
        done.append(
            (
                claim.id,
                run_claim(
                    sessions, settings, claim, charge=charge, heartbeat_seconds=heartbeat_seconds, keepalive=keepalive
                ),
            )
        )
    return done


def cleanup(sessions: Sessions, settings: Settings, *, grace_seconds: float = ORPHAN_GRACE_SECONDS) -> list[str]:
    """Expire finished jobs past their TTL and delete files no live job owns (expired, cancelled, parts
    of killed workers). Returns the names deleted."""
    with sessions.write() as session, session.begin():
        expired = jobs.expire_done(session)
    store = settings.export_files()
    removed = []
    for name in expired:
        store.delete(name)
        removed.append(name)
    with sessions.read() as session:
        done_files, running_tokens = jobs.live_files(session)

    def orphaned(name: str, modified: float) -> bool:
        if name in done_files or time.time() - modified < grace_seconds:
            return False
        token = name.split("-", 2)[-1].split(".", 1)[0] if name.count("-") >= 2 else ""
        return not any(t.startswith(token) for t in running_tokens if token)

    for name, modified in list(store.listing(FILE_PREFIX)):
        if orphaned(name, modified):
            store.delete(name)
            removed.append(name)
    parts = LocalStorage(settings.export_dir)  # parts are always local to the node that writes them
    for name, modified in list(parts.listing(PART_PREFIX)):
        if orphaned(name, modified):
            parts.delete(name)
            removed.append(name)
    return removed


def run_exports(settings: Settings, engine: Engine, services: AppServices) -> None:
    """The worker's ``exports`` job: run every queued export (see :data:`loyaltyhub.worker.JOBS`)."""
    from loyaltyhub.exports.ratelimit import worker_charger

    run_pending(Sessions.for_engine(engine, services), settings, charge=worker_charger(settings), keepalive=True)


def clean_exports(settings: Settings, engine: Engine, services: AppServices) -> None:
    """The worker's ``exports_cleanup`` job: expire old exports and delete files nobody owns."""
    cleanup(Sessions.for_engine(engine, services), settings)
