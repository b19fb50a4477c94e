"""Printed by ``make run`` before serving: where it runs and the demo credentials."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

CREDENTIALS_FILE = Path("var/demo-credentials.json")


def write_credentials(credentials: dict[str, Any], path: Path = CREDENTIALS_FILE) -> None:
    """Save the demo credentials readable by their owner only (mode 600), whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w") as file:
        json.dump(credentials, file, indent=2, default=str)


def main(base_url: str = "http://127.0.0.1:8000") -> None:
    from loyaltyhub.settings import Settings

    print(f"loyaltyhub: {base_url}  (interactive docs: {base_url}/docs, staff console: {base_url}/console)")
    if Settings().env == "prod":
        return  # production never shows (or has) demo credentials
    if CREDENTIALS_FILE.exists():
        credentials = json.loads(CREDENTIALS_FILE.read_text())
        print("Demo credentials:")
        print(json.dumps(credentials, indent=2))
        token = credentials.get("client_token")
        if token:
            print(f"Try: curl -H 'X-Client-Authorization: {token}' {base_url}/v1/me")


if __name__ == "__main__":
    main(*sys.argv[1:2])
