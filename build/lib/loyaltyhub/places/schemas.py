"""Geo API bodies (reporting, Customer context)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from loyaltyhub.http.pagination import MAX_PER_PAGE
from loyaltyhub.schemas import PaginationInfo, StrictModel

PlaceId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^\d+$")]


class PlaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    type: Literal["country", "city"]
    name: str
    country: str
    parent_id: str | None
    latitude: float
    longitude: float
    population: int
    timezone: str | None


class PlacesQuery(StrictModel):
    ids: Annotated[list[PlaceId], Field(max_length=1000)] | None = None
    type: Literal["country", "city"] | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    parent_id: PlaceId | None = None
    search: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    page_no: Annotated[StrictInt, Field(ge=1)] = 1
    per_page: Annotated[StrictInt, Field(ge=1, le=MAX_PER_PAGE)] = MAX_PER_PAGE

    @model_validator(mode="after")
    def _some_filter(self) -> PlacesQuery:
        if not self.model_fields_set - {"page_no", "per_page"}:
            from pydantic_core import PydanticCustomError

            raise PydanticCustomError("blank", "give at least one of ids, type, country, parent_id, search", {})
        return self


class PlacesList(BaseModel):
    places: list[PlaceOut]
    pagination_info: PaginationInfo


class LocationQuery(StrictModel):
    """A place by id, or by name: ``country`` (ISO alpha-2) and optionally ``city``."""

    place_id: PlaceId | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    city: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> LocationQuery:
        if self.place_id is None and self.country is None:
            from pydantic_core import PydanticCustomError

            raise PydanticCustomError("blank", "place_id or country is required", {})
        return self


class CoordinatesQuery(StrictModel):
    locations: Annotated[list[LocationQuery], Field(min_length=1, max_length=1000)]


class Coordinates(BaseModel):
    place_id: str
    type: Literal["country", "city"]
    name: str
    country: str
    latitude: float
    longitude: float


class CoordinatesList(BaseModel):
    coordinates: list[Coordinates | None]
