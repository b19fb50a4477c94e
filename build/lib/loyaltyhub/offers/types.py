"""Offer types, their scopes, statuses and the other enums of seed ``management-offers-introduction``.

This module is the single source of these vocabularies: the management API validates against it and
the member-offers domain imports it (scope filtering, grant-only visibility).
"""

from __future__ import annotations

from typing import Literal, get_args

OfferType = Literal[
    "regular",
    "exclusive",
    "welcome",
    "birthday",
    "competition",
    "informational",
    "carbon_offset_item",
    "parking",
    "parking_exclusive",
    "game_prize",
]
OfferScope = Literal["standard", "informational", "parking", "carbon_offset", "reward"]
OfferStatus = Literal["draft", "published", "unpublished"]
Timespan = Literal["hour", "day", "week", "month", "year"]

OFFER_TYPES: tuple[str, ...] = get_args(OfferType)
SCOPES: tuple[str, ...] = get_args(OfferScope)
STATUSES: tuple[str, ...] = get_args(OfferStatus)
TIMESPANS: tuple[str, ...] = get_args(Timespan)

DEFAULT_TYPE: OfferType = "regular"
DEFAULT_STATUS: OfferStatus = "draft"
DEFAULT_SCOPE: OfferScope = "standard"

# The seed's "Offers types" table: type -> scope. The ``reward`` scope exists (permit
# ``Offers:Api:Scopes:Reward``) but no offer type of the seed belongs to it.
TYPE_SCOPES: dict[str, str] = {
    "regular": "standard",
    "exclusive": "standard",
    "welcome": "standard",
    "birthday": "standard",
    "competition": "standard",
    "informational": "informational",
    "carbon_offset_item": "carbon_offset",
    "parking": "parking",
    "parking_exclusive": "parking",
    "game_prize": "standard",
}

# Types a member sees and may use only after being granted the offer (SPEC §5).
GRANT_ONLY_TYPES: frozenset[str] = frozenset({"exclusive", "welcome", "game_prize", "parking_exclusive"})

# Types that can never be used (Use Offer answers 405).
NON_USABLE_TYPES: frozenset[str] = frozenset({"informational"})


def scope_of(offer_type: str) -> str:
    return TYPE_SCOPES[offer_type]


def types_of_scope(scope: str) -> tuple[str, ...]:
    """The offer types belonging to ``scope`` (empty for ``reward``)."""
    return tuple(t for t in OFFER_TYPES if TYPE_SCOPES[t] == scope)


def is_grant_only(offer_type: str) -> bool:
    return offer_type in GRANT_ONLY_TYPES
