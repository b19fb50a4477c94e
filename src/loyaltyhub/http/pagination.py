"""Page-based pagination for non-reporting lists (reference B.5)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from loyaltyhub.schemas import PaginationInfo

MAX_PER_PAGE = 100
# The largest page whose offset still fits a signed 64-bit integer (SQLite and PostgreSQL OFFSET).
MAX_PAGE_NO = (2**63 - 1) // MAX_PER_PAGE


@dataclass(frozen=True)
class Page:
    page_no: int = 1
    per_page: int = MAX_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page_no - 1) * self.per_page

    def info(self, total_count: int) -> PaginationInfo:
        total_pages = math.ceil(total_count / self.per_page) if total_count else 0
        current = self.page_no
        return PaginationInfo(
            total_count=total_count,
            per_page=self.per_page,
            total_pages=total_pages,
            current_page=current,
            next_page=current + 1 if current < total_pages else None,
            prev_page=current - 1 if 1 < current <= total_pages + 1 else None,
            is_first_page=current == 1,
            is_last_page=current >= total_pages,
            is_out_of_range=current > max(total_pages, 1),
        )

    def apply(self, statement: Select[Any]) -> Select[Any]:
        return statement.limit(self.per_page).offset(self.offset)


async def page_params(
    page_no: Annotated[int, Query(ge=1, le=MAX_PAGE_NO, description="Page number, from 1")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page (max 100)")] = MAX_PER_PAGE,
) -> Page:
    """``async``: no I/O, so no trip through the thread pool (every paginated list has this dependency)."""
    return Page(page_no=page_no, per_page=per_page)


PageDep = Annotated[Page, Depends(page_params)]


def count_of(session: Session, statement: Select[Any]) -> int:
    """Total rows of ``statement`` (ordering and paging removed)."""
    inner = statement.order_by(None).limit(None).offset(None).subquery()
    return session.execute(select(func.count()).select_from(inner)).scalar_one()


def paginate(session: Session, statement: Select[Any], page: Page) -> tuple[list[Any], PaginationInfo]:
    """Run one page of ``statement`` (scalars) and count the whole."""
    items = list(session.execute(page.apply(statement)).scalars().all())
    return items, page.info(count_of(session, statement))
