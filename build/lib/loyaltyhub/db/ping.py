"""``python -m loyaltyhub.db.ping URL``: exit 0 when the database answers (used by make test)."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text


def main(url: str) -> int:
    engine = create_engine(url, connect_args={"connect_timeout": 3} if url.startswith("postgresql") else {})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return 0
    except Exception:
        return 1
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
