"""The ``X-Customer`` header (reference B.4): its grammar, as a pure parser, and the clubs it selects.

Forms: ``1000941``, ``1000941_1000942``, ``id=1000941``, ``id=1_2``, ``all=all``,
``chain=Cats``, ``chain=Cats;country=PL`` (filters AND-joined with ``;``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from loyaltyhub.auth.principal import Principal
from loyaltyhub.clubs.models import LoyaltyClub, Organization
from loyaltyhub.errors import Forbidden

MAX_IDS = 40
FILTER_KEYS = frozenset({"chain", "country", "organization", "organization_id", "slug", "timezone"})
_IDS = re.compile(r"^\d{1,18}(_\d{1,18})*$")


class CustomerHeaderError(ValueError):
    pass


@dataclass(frozen=True)
class CustomerSelector:
    """What the header asks for: explicit ids, everything, or attribute filters."""

    ids: tuple[int, ...] = ()
    all: bool = False
    filters: dict[str, str] = field(default_factory=dict)


def parse_customer(value: str) -> CustomerSelector:
    value = value.strip()
    if not value:
        raise CustomerHeaderError("empty")
    if _IDS.match(value):
        return _ids(value)
    pairs: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, raw = part.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key or not raw:
            raise CustomerHeaderError(f"expected key=value, got {part!r}")
        if key in pairs:
            raise CustomerHeaderError(f"{key} given twice")
        pairs[key] = raw
    if "id" in pairs:
        if len(pairs) > 1:
            raise CustomerHeaderError("id= cannot be combined with other selectors")
        if not _IDS.match(pairs["id"]):
            raise CustomerHeaderError("id= takes integer ids joined with _")
        return _ids(pairs["id"])
    if "all" in pairs:
        if pairs != {"all": "all"}:
            raise CustomerHeaderError("use all=all alone")
        return CustomerSelector(all=True)
    unknown = set(pairs) - FILTER_KEYS
    if unknown:
        raise CustomerHeaderError(f"unknown selector {sorted(unknown)[0]!r}")
    return CustomerSelector(filters=pairs)


def _ids(value: str) -> CustomerSelector:
    ids = tuple(dict.fromkeys(int(part) for part in value.split("_")))
    if len(ids) > MAX_IDS:
        raise CustomerHeaderError(f"at most {MAX_IDS} ids")
    return CustomerSelector(ids=ids)


def clubs_of(session: Session, principal: Principal) -> list[LoyaltyClub]:
    """Every club the principal may access, by id."""
    return list(
        session.execute(select(LoyaltyClub).where(principal.club_condition()).order_by(LoyaltyClub.id)).scalars()
    )


# Built once (every Reporting API request names its clubs by id in X-Customer): building the statement and its
# cache key per request cost more than reading the rows.
_CLUBS_BY_ID = select(LoyaltyClub).where(LoyaltyClub.id.in_(bindparam("club_ids", expanding=True)))

_FILTER_COLUMNS = {
    "chain": LoyaltyClub.chain,
    "slug": LoyaltyClub.slug,
    "timezone": LoyaltyClub.timezone,
}


def clubs_for_customer(
    session: Session, principal: Principal, selector: CustomerSelector
) -> tuple[list[LoyaltyClub], bool]:
    """The clubs a selector names, and whether that is an organization context (explicit ids: when there
    are several; filters: always). Naming a club the principal may not access, or one that does not exist,
    is the same 403, so existence does not leak."""
    if selector.ids:
        clubs = list(session.execute(_CLUBS_BY_ID, {"club_ids": selector.ids}).scalars())
        found = {club.id for club in clubs}
        for club_id in selector.ids:
            if club_id not in found:
                raise Forbidden(f"No access to customer {club_id}")
        for club in clubs:
            if not principal.covers(club):
                raise Forbidden(f"No access to customer {club.id}")
        return sorted(clubs, key=lambda c: c.id), len(clubs) > 1
    statement = select(LoyaltyClub).where(principal.club_condition()).order_by(LoyaltyClub.id)
    for key, value in selector.filters.items():
        if key in _FILTER_COLUMNS:
            statement = statement.where(_FILTER_COLUMNS[key] == value)
        elif key == "country":
            statement = statement.where(LoyaltyClub.country == value.upper())
        elif key == "organization_id":
            wanted = int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else -1
            statement = statement.where(LoyaltyClub.organization_id == wanted)
        elif key == "organization":
            statement = statement.join(Organization, Organization.id == LoyaltyClub.organization_id).where(
                Organization.name == value
            )
    clubs = list(session.execute(statement).scalars())
    if not clubs:
        raise Forbidden("X-Customer selects no loyalty club you can access")
    return clubs, True
