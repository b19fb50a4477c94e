"""Request and response bodies of the member events API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from loyaltyhub.schemas import PaginationInfo, StrictModel

EventTypeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ClientEventId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")
]
MAX_PER_MEMBER = 100
MAX_BULK = 1000


class EventIn(StrictModel):
    type: EventTypeName
    client_event_id: ClientEventId = Field(
        description="The sender's id of the event (a UUID is best): a retried request naming it again is not "
        "counted twice"
    )
    occurred_at: AwareDatetime | None = Field(default=None, description="When it happened (default: when received)")
    data: dict[str, Any] | None = Field(default=None, description="As the type's schema says (event types schema)")


class BulkEventIn(EventIn):
    member_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]


class MemberEventsBody(StrictModel):
    events: Annotated[list[EventIn], Field(min_length=1, max_length=MAX_PER_MEMBER)]


class BulkEventsBody(StrictModel):
    events: Annotated[list[BulkEventIn], Field(min_length=1, max_length=MAX_BULK)]


class IngestedEvent(BaseModel):
    id: int
    client_event_id: str
    status: Literal["created", "duplicate"]


class IngestOut(BaseModel):
    created: int
    duplicates: int
    events: list[IngestedEvent]


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int
    type: str
    client_event_id: str
    source: str | None
    occurred_at: datetime
    received_at: datetime
    data: dict[str, Any]


class EventList(BaseModel):
    events: list[EventOut]
    pagination_info: PaginationInfo


class EventTypeOut(BaseModel):
    type: str
    description: str
    produced_by: Literal["client", "loyaltyhub"]
    schema_: dict[str, Any] = Field(alias="schema", serialization_alias="schema")

    model_config = ConfigDict(populate_by_name=True)


class EventTypesOut(BaseModel):
    event_types: list[EventTypeOut]
