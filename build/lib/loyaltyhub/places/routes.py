"""Geo API (Reporting, Customer context, permit ``Reporting:Api:Geo``): coordinates and places."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.auth.dependencies import CustomerAuth
from loyaltyhub.errors import NotFound
from loyaltyhub.http.pagination import Page
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.places import data, service
from loyaltyhub.places.data import Place
from loyaltyhub.places.schemas import (
    Coordinates,
    CoordinatesList,
    CoordinatesQuery,
    PlaceOut,
    PlacesList,
    PlacesQuery,
)

router = LoyaltyRouter(prefix="/v1/reporting/geo", tags=["Reporting API: geo"])

GeoAccess = Annotated[CustomerAccess, Depends(CustomerAuth(permits.REPORTING_GEO))]
GEO_ERRORS = (401, 403, 422, 470, 471)


def place_by_id(place_id: str, _access: GeoAccess) -> Place:
    place = data.get(place_id)
    if place is None:
        raise NotFound(f"Place#{place_id} not found")
    return place


def _coordinates(place: Place) -> Coordinates:
    return Coordinates(
        place_id=place.id,
        type=place.type,
        name=place.name,
        country=place.country,
        latitude=place.latitude,
        longitude=place.longitude,
    )


@router.post("/coordinates", response_model=CoordinatesList, responses=errors(*GEO_ERRORS))
def find_coordinates(body: CoordinatesQuery, _access: GeoAccess) -> CoordinatesList:
    """Coordinates of each location (by ``place_id``, or by ``country`` and ``city`` name); null if unknown."""
    result: list[Coordinates | None] = []
    for location in body.locations:
        if location.place_id is not None:
            place = data.get(location.place_id)
        else:
            place = service.locate(location.country, location.city)
        result.append(_coordinates(place) if place else None)
    return CoordinatesList(coordinates=result)


@router.post("/places", response_model=PlacesList, responses=errors(*GEO_ERRORS))
def list_places(body: PlacesQuery, _access: GeoAccess) -> PlacesList:
    """Places (countries, cities) matching every given filter, a page at a time."""
    page = Page(page_no=body.page_no, per_page=body.per_page)
    places = service.list_places(**body.model_dump(exclude={"page_no", "per_page"}))
    chunk = places[page.offset : page.offset + page.per_page]
    return PlacesList(places=[PlaceOut.model_validate(p) for p in chunk], pagination_info=page.info(len(places)))


@router.get("/places/{place_id}", response_model=PlaceOut, responses=errors(*GEO_ERRORS, 404))
def show_place(place: Annotated[Place, Depends(place_by_id)]) -> PlaceOut:
    return PlaceOut.model_validate(place)
