"""Printed by ``make run`` before serving: where it runs and the demo credentials."""

from __future__ import annotations

import json
import sys
from pathlib import Path

CREDENTIALS_FILE = Path("var/demo-credentials.json")


def main(base_url: str = "http://127.0.0.1:8000") -> None:
    print(f"loyaltyhub: {base_url}  (interactive docs: {base_url}/docs)")
    if CREDENTIALS_FILE.exists():
        credentials = json.loads(CREDENTIALS_FILE.read_text())
        print("Demo credentials:")
        print(json.dumps(credentials, indent=2))
        token = credentials.get("client_token")
        if token:
            print(f"Try: curl -H 'X-Client-Authorization: {token}' {base_url}/v1/me")


if __name__ == "__main__":
    main(*sys.argv[1:2])
