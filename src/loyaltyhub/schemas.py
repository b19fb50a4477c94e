"""Building blocks of every domain's request and response models.

* :class:`StrictModel` — a request body: unknown fields are refused (SPEC §4).
* :class:`UpdateModel` — a PATCH body: a ``StrictModel`` that must change something.
* :class:`PaginationInfo` — ``pagination_info`` of every page-based list (reference B.5).

Query-string lists (``ids=1&ids=2``, ``ids[]=1``, ``ids=1,2``) are parsed by :mod:`loyaltyhub.http.params`.
"""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError


class StrictModel(BaseModel):
    """Request bodies reject unknown fields (SPEC §4)."""

    model_config = ConfigDict(extra="forbid")


class UpdateModel(StrictModel):
    """A PATCH body: unknown fields are refused, and so is an empty body (nothing to update)."""

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise PydanticCustomError("blank", "nothing to update", {})
        return self


class PaginationInfo(BaseModel):
    total_count: int
    per_page: int
    total_pages: int
    current_page: int
    next_page: int | None
    prev_page: int | None
    is_first_page: bool
    is_last_page: bool
    is_out_of_range: bool
