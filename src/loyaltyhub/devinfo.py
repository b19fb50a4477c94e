"""Printed by ``make run`` before serving: where it runs and the demo credentials."""

from __future__ import annotations

import json
from pathlib import Path

CREDENTIALS_FILE = Path("var/demo-credentials.json")


def main() -> None:
    print("loyaltyhub: http://127.0.0.1:8000  (interactive docs: http://127.0.0.1:8000/docs)")
    if CREDENTIALS_FILE.exists():
        credentials = json.loads(CREDENTIALS_FILE.read_text())
        print("Demo credentials:")
        print(json.dumps(credentials, indent=2))
        token = credentials.get("client_token")
        if token:
            print(f"Try: curl -H 'X-Client-Authorization: {token}' http://127.0.0.1:8000/v1/me")


if __name__ == "__main__":
    main()
