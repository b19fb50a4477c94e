"""A stand-in row source for the export machinery's tests (the reporting engine plugs in the same way)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.exports.source import ReportInfo, RowStream

COLUMNS = ["id", "community_id", "name", "active", "score", "tags", "properties", "joined_at", "note"]
BASE_TIME = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)


def item(club_id: int, n: int) -> dict[str, Any]:
    return {
        "id": club_id * 1000 + n,
        "community_id": club_id,
        "name": ['Ann "the" Analyst', "Ola, Nordmann", "line\nbreak", "Zoë"][n % 4],
        "active": n % 2 == 0,
        "score": n + 0.5,
        "tags": [n, n + 1],
        "properties": {"k": n, "nested": {"x": "y"}},
        "joined_at": BASE_TIME + timedelta(hours=n),
        "note": None,
    }


@dataclass
class FakeSource:
    """Report ``items``: ``rows_per_club`` rows per selected club. ``on_row(n)`` runs before row n is
    yielded (to cancel, fail or pause mid-export)."""

    rows_per_club: int = 5
    with_columns: bool = True
    on_row: Callable[[int], None] | None = None
    opened: list[tuple[int, ...]] = field(default_factory=list)

    def describe(self, session: Session, access: CustomerAccess, query: dict[str, Any]) -> ReportInfo:
        if query.get("report") != "items":
            raise ValidationFailed.at(("report",), "inclusion", **{"in": ["items"]})
        return ReportInfo(name="items", permit=permits.REPORT_MEMBERS, cost=10)

    def open(self, session: Session, access: CustomerAccess, query: dict[str, Any]) -> RowStream:
        self.opened.append(tuple(access.club_ids))

        def rows() -> Iterator[dict[str, Any]]:
            n = 0
            for club_id in access.club_ids:
                for i in range(self.rows_per_club):
                    if self.on_row is not None:
                        self.on_row(n)
                    n += 1
                    yield item(club_id, i)

        total = self.rows_per_club * len(access.club_ids)
        return RowStream(rows=rows(), columns=list(COLUMNS) if self.with_columns else None, total=total)
