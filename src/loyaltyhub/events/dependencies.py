"""Query parameters of the member events list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from loyaltyhub.errors import ValidationFailed
from loyaltyhub.http.params import int_list_param, list_param


@dataclass(frozen=True)
class EventFilters:
    member_ids: list[int] | None
    types: list[str] | None
    source: str | None
    occurred_from: datetime | None
    occurred_to: datetime | None
    sort_direction: str


def event_filters(
    request: Request,
    source: Annotated[str | None, Query(max_length=100, description="X-Product-Name of the sender")] = None,
    occurred_from: Annotated[datetime | None, Query(description="Occurred at or after (ISO 8601)")] = None,
    occurred_to: Annotated[datetime | None, Query(description="Occurred before (ISO 8601)")] = None,
    sort_direction: Literal["asc", "desc"] = "desc",
) -> EventFilters:
    """``member_ids`` and ``types`` are lists (``member_ids=1,2``, repeated, or ``member_ids[]=``)."""
    for name, value in (("occurred_from", occurred_from), ("occurred_to", occurred_to)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed.at((name,), "invalid_format", format="ISO 8601 with an offset")
    return EventFilters(
        member_ids=int_list_param(request, "member_ids"),
        types=list_param(request, "types"),
        source=source,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        sort_direction=sort_direction,
    )


Filters = Annotated[EventFilters, Depends(event_filters)]
