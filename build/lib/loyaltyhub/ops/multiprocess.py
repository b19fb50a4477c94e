"""Prometheus multi-process mode for ``loyaltyhub serve --workers N``.

prometheus-client decides when it is imported whether values live in this process's memory or in files
shared by every process (``PROMETHEUS_MULTIPROC_DIR``). So the serve command prepares the folder and sets
the variable before any worker process starts (and imports nothing of prometheus-client itself): every
worker then writes its samples there and ``/metrics``, whichever worker answers, adds them all up.
"""

from __future__ import annotations

import os
from pathlib import Path

from loyaltyhub.settings import Settings

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(settings: Settings) -> Path:
    """Create (or empty) the folder, set ``PROMETHEUS_MULTIPROC_DIR`` for the worker processes; its path.

    An operator's own ``PROMETHEUS_MULTIPROC_DIR`` wins over ``LOYALTYHUB_METRICS_DIR``. Samples of an
    earlier run are deleted: counters would otherwise carry on from values of processes long gone.
    """
    directory = Path(os.environ.get(ENV) or settings.metrics_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[ENV] = str(directory.resolve())
    return directory
