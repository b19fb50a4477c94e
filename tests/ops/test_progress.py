"""Long commands show progress: a bar on a terminal, periodic lines otherwise."""

from __future__ import annotations

import io
import time

from loyaltyhub.ops.progress import StepProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_each_step_says_it_started_runs_and_ended():
    stream = io.StringIO()
    with StepProgress("demo", 2, stream=stream, interval=0.05) as progress:
        with progress.step("members"):
            time.sleep(0.18)
        with progress.step("offers"):
            pass
    lines = stream.getvalue().splitlines()
    assert lines[0] == "demo: 1/2 members"
    assert any(line.startswith("demo: 1/2 members still running (") for line in lines[1:-3])
    assert lines[-3].startswith("demo: 1/2 members done in 0.")
    assert lines[-2:] == ["demo: 2/2 offers", lines[-1]] and lines[-1].startswith("demo: 2/2 offers done in")
    assert progress.done == 2


def test_on_a_terminal_a_progress_bar_is_drawn():
    stream = Terminal()
    with StepProgress("migrate", 3, stream=stream) as progress:
        for revision in ("0001", "0002", "0003"):
            with progress.step(revision):
                pass
    output = stream.getvalue()
    assert "migrate: 0003" in output and "3/3" in output
    assert "done in" not in output  # no log lines: the bar says it
