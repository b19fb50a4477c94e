"""Place queries over the reference data of :mod:`loyaltyhub.places.data`.

Places are global reference data (like time zones), not tenant data: every customer sees the same
hierarchy. Reports give member counts per ``place_id`` / ``city_place_id``; the Geo API turns those
ids into names and coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence

from loyaltyhub.places import data
from loyaltyhub.places.data import Place


def list_places(
    *,
    ids: Sequence[str] | None = None,
    type: str | None = None,
    country: str | None = None,
    parent_id: str | None = None,
    search: str | None = None,
) -> list[Place]:
    """Matching places: countries first, then by country, most populous first."""
    index = data.index()
    if ids is not None:
        places = [place for place_id in dict.fromkeys(ids) if (place := index.places.get(place_id)) is not None]
    elif country:
        code = country.upper()
        head = [index.countries[code]] if code in index.countries else []
        places = head + list(data.cities_of(code))
    else:
        places = list(index.places.values())
    if type:
        places = [p for p in places if p.type == type]
    if country:
        places = [p for p in places if p.country == country.upper()]
    if parent_id:
        places = [p for p in places if p.parent_id == parent_id]
    if search:
        needle = data.fold(search)
        places = [p for p in places if needle in data.fold(p.name)]
    return sorted(places, key=lambda p: (p.type != "country", p.country, -p.population, p.name))


def locate(country: str | None, city: str | None) -> Place | None:
    """A place by name: the city in the country when given, else the country."""
    if city:
        return data.find_city(country, city)
    return data.country(country)
