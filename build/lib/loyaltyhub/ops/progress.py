"""Progress of long commands (``loyaltyhub demo``, ``loyaltyhub migrate``) over named steps.

On a terminal: a progress bar (rich). Otherwise (CI logs, ``docker logs``, a pipe): one line when a step
starts, one when it ends, and one every ``interval`` seconds while a step runs, so a log shows that the
command is alive. Progress goes to standard error, so ``--json`` output on standard output stays clean.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class StepProgress:
    def __init__(self, title: str, total: int, *, stream: TextIO | None = None, interval: float = 5.0) -> None:
        self.title = title
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.done = 0
        self._bar: Progress | None = None
        self._task: int | None = None

    @property
    def on_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __enter__(self) -> StepProgress:
        if self.on_terminal:
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
            )
            self._bar.start()
            self._task = self._bar.add_task(self.title, total=self.total)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one step: the bar shows its name; without a terminal, lines say it started, is still running
        (every ``interval`` seconds) and ended."""
        position = f"{self.done + 1}/{self.total}"
        started = time.monotonic()
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=f"{self.title}: {name}")
            yield
            self.done += 1
            self._bar.update(self._task, completed=self.done)
            return
        self._line(f"{self.title}: {position} {name}")
        finished = threading.Event()
        heartbeat = threading.Thread(target=self._heartbeat, args=(position, name, started, finished), daemon=True)
        heartbeat.start()
        try:
            yield
        finally:
            finished.set()
            heartbeat.join()
        self.done += 1
        self._line(f"{self.title}: {position} {name} done in {time.monotonic() - started:.1f} s")

    def _heartbeat(self, position: str, name: str, started: float, finished: threading.Event) -> None:
        while not finished.wait(self.interval):
            self._line(f"{self.title}: {position} {name} still running ({time.monotonic() - started:.0f} s)")

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)
