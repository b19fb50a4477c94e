"""The compatibility suite's report at the end of a run (registered in ``tests/conftest.py``, so that it runs
in the controlling process under pytest-xdist too): how many vendor examples exist, how many were sent and
passed, and each one not sent (with its reason), corrected (``fixed``) or passing with listed differences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """The compatibility suite's report: how many vendor examples exist, how many were sent and passed,
    and each one not sent (with its reason), corrected (``fixed``) or passing with listed differences."""
    from tests.compat import examples

    outcomes: dict[str, str] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if "test_examples.py::test_vendor_example[" in nodeid and report.when in ("call", "setup"):
                key = nodeid.split("[", 1)[1].rstrip("]")
                if outcomes.get(key) not in ("failed", "error"):
                    outcomes[key] = outcome
    if not outcomes:
        return
    every = examples.load()
    sent = [e for e in every if not e.skip]
    passed = sum(1 for e in sent if outcomes.get(e.id) == "passed")
    failed = sum(1 for e in sent if outcomes.get(e.id) in ("failed", "error"))
    not_run = len(sent) - passed - failed
    write = terminalreporter.write_line
    terminalreporter.section("vendor examples (tests/compat/examples)")
    write(
        f"{len(every)} examples: {len(sent)} of served areas sent, {passed} passed, {failed} failed"
        + (f", {not_run} not run in this session" if not_run else "")
        + f"; {len(every) - len(sent)} not sent (reasons below)"
    )
    by_reason: dict[str, list[str]] = {}
    for example in every:
        if example.skip:
            by_reason.setdefault(example.skip, []).append(example.id)
    for reason, ids in sorted(by_reason.items(), key=lambda item: -len(item[1])):
        write(f"  not sent ({len(ids)}): {reason}")
        write(f"      {', '.join(ids)}")
    fixes: dict[str, list[str]] = {}
    for example in sent:
        if example.data.get("fixed"):
            fixes.setdefault(example.data["fixed"], []).append(example.id)
    for fix, ids in fixes.items():
        write(f"  sent corrected ({len(ids)}): {fix}")
        write(f"      {', '.join(ids)}")
    for example in sent:
        for key, reason in example.data["response"].get("differences", {}).items():
            write(f"  difference {example.id} `{key}`: {reason}")
    for area in json.loads((Path(__file__).parent / "areas_not_served.json").read_text())["areas"]:
        write(f"  area not served: {area['area']} ({area['reason']}; {', '.join(area['documented_in'])})")
