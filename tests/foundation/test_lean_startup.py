"""The serving process loads what serves requests, nothing more (issue 19: the idle server is the memory
budget an upload runs in). Libraries used by one job or one kind of request are imported where they are
used; a module-level import that brings one back fails here, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

# library → what loads it on first use
LOADED_ON_FIRST_USE = {
    "alembic": "loyaltyhub migrate (readyz reads the tree itself: db/revisions.py)",
    "httpx": "webhook delivery and the HTTP messaging transports",
    "liquid": "checking or rendering a message template",
    "aiosmtplib": "sending mail",
    "PIL": "reading an uploaded image or rendering an offer image",
    "jinja2": "the first staff console page",
    "boto3": "an S3 bucket store",
    "polars": "exports",
}


def test_the_app_does_not_import_what_it_uses_later(tmp_path) -> None:
    code = (
        "import json, sys\n"
        "import loyaltyhub.asgi\n"
        f"print(json.dumps(sorted(m for m in {sorted(LOADED_ON_FIRST_USE)!r} if m in sys.modules)))\n"
    )
    env = {"LOYALTYHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'lean.db'}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], {name: LOADED_ON_FIRST_USE[name] for name in loaded}
