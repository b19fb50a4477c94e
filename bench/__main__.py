"""``python -m bench``: list the benchmarks (run one with ``python -m bench.<name>``)."""

from __future__ import annotations

import pkgutil
from pathlib import Path

if __name__ == "__main__":
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))
    print("benchmarks:", ", ".join(names) or "(none yet)")
    print("run one with: .venv/bin/python -m bench.<name>")
