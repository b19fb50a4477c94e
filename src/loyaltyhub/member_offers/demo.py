"""Demo step of the member_offers domain (see :mod:`loyaltyhub.demo`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext


def load(session: Session, context: DemoContext) -> None:
    """Nothing yet: this domain's demo data lands with its issue."""
