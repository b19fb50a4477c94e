"""The offers list of reference C.6: filters, sorting and grouping on the club's offers.

Every statement starts from :func:`club_offers`, filtered by the caller's club.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from loyaltyhub.db import dialect
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.http.pagination import Page
from loyaltyhub.offers.models import Offer, OfferCollection
from loyaltyhub.offers.types import DEFAULT_SCOPE, types_of_scope
from loyaltyhub.schemas import PaginationInfo

SortBy = Literal[
    "name", "usable_since", "usable_until", "visible_since", "visible_until", "created_at", "updated_at", "archived_at"
]
GroupBy = Literal["type", "status", "store_id", "collection_id", "campaign_id", "audience_id"]
SORT_FIELDS: tuple[str, ...] = get_args(SortBy)
GROUP_FIELDS: tuple[str, ...] = get_args(GroupBy)


@dataclass(frozen=True)
class OfferFilters:
    scope: str = DEFAULT_SCOPE
    types: tuple[str, ...] | None = None
    collection_ids: tuple[int, ...] | None = None
    store_ids: tuple[int, ...] | None = None
    ids: tuple[int, ...] | None = None
    status: str | None = None
    campaign_id: int | None = None
    audience_id: int | None = None
    search: str | None = None
    extras: dict[str, Any] | None = None
    without_collection: bool = False
    without_audience_id: bool = False
    without_campaign_id: bool = False
    without_store: bool = False
    with_archived: bool = False


@dataclass(frozen=True)
class OfferSort:
    sort_by: str = "name"
    sort_direction: str = "asc"


def club_offers(club_id: int) -> Select[Any]:
    return select(Offer).where(in_club(Offer, club_id))


# The filters' subqueries read their own alias of the offers' collections: the collection_id grouping joins
# ``OfferCollection`` to the outer query, and a subquery naming the same table would correlate to that
# join and have no FROM left (a 500 for ``group_by=collection_id&without_collection=true``, issue #14).


def _in_collections(collection_ids: tuple[int, ...]) -> ColumnElement[bool]:
    link = aliased(OfferCollection)
    return (
        exists()
        .where(same_club(link, Offer), link.offer_id == Offer.id, link.collection_id.in_(collection_ids))
        .correlate(Offer)
    )


def collection_offers(club_id: int, collection_id: int) -> Select[Any]:
    """The club's offers in one collection that are not archived (the staff console orders them)."""
    return club_offers(club_id).where(_in_collections((collection_id,)), Offer.archived_at.is_(None))


def _without_collection() -> ColumnElement[bool]:
    link = aliased(OfferCollection)
    return ~exists().where(same_club(link, Offer), link.offer_id == Offer.id).correlate(Offer)


def _search(term: str, languages: list[str]) -> ColumnElement[bool]:
    """Case-insensitive substring of the name or description (any club language) or internal name."""
    conditions = [Offer.internal_name.icontains(term, autoescape=True)]
    for language in languages:
        conditions.append(Offer.name[language].as_string().icontains(term, autoescape=True))
        conditions.append(Offer.description[language].as_string().icontains(term, autoescape=True))
    return or_(*conditions)


def filter_offers(statement: Select[Any], filters: OfferFilters, languages: list[str]) -> Select[Any]:
    scope_types = types_of_scope(filters.scope)
    types = [t for t in filters.types if t in scope_types] if filters.types is not None else list(scope_types)
    statement = statement.where(Offer.type.in_(types)) if types else statement.where(literal(False))
    conditions: list[ColumnElement[bool]] = []
    if not filters.with_archived:
        conditions.append(Offer.archived_at.is_(None))
    if filters.ids is not None:
        conditions.append(Offer.id.in_(filters.ids))
    if filters.collection_ids is not None:
        conditions.append(_in_collections(filters.collection_ids))
    if filters.store_ids is not None:
        conditions.append(Offer.store_id.in_(filters.store_ids))
    if filters.status is not None:
        conditions.append(Offer.status == filters.status)
    if filters.campaign_id is not None:
        conditions.append(Offer.campaign_id == filters.campaign_id)
    if filters.audience_id is not None:
        conditions.append(Offer.audience_id == filters.audience_id)
    if filters.search:
        conditions.append(_search(filters.search, languages))
    if filters.extras:
        conditions.append(dialect.json_contains(Offer.extras, filters.extras))
    if filters.without_collection:
        conditions.append(_without_collection())
    if filters.without_audience_id:
        conditions.append(Offer.audience_id.is_(None))
    if filters.without_campaign_id:
        conditions.append(Offer.campaign_id.is_(None))
    if filters.without_store:
        conditions.append(Offer.store_id.is_(None))
    return statement.where(and_(*conditions)) if conditions else statement


def sort_keys(sort: OfferSort, language: str) -> list[Any]:
    """``name`` sorts by the name in the club's default language, case-insensitively. Nulls (no
    value) come last in both directions; ``id`` breaks ties so pages never overlap."""
    if sort.sort_by == "name":
        column: Any = func.lower(Offer.name[language].as_string())
    else:
        column = getattr(Offer, sort.sort_by)
    descending = sort.sort_direction == "desc"
    key = column.desc() if descending else column.asc()
    return [key.nulls_last(), Offer.id.desc() if descending else Offer.id.asc()]


def list_offers(
    session: Session,
    club_id: int,
    filters: OfferFilters,
    sort: OfferSort,
    page: Page,
    languages: list[str],
    default_language: str,
) -> tuple[list[Offer], PaginationInfo]:
    statement = filter_offers(club_offers(club_id), filters, languages)
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    ordered = statement.order_by(*sort_keys(sort, default_language))
    offers = list(session.execute(page.apply(ordered)).scalars())
    return offers, page.info(total)


def _group_column(group_by: str) -> Any:
    if group_by == "collection_id":
        return OfferCollection.collection_id
    return getattr(Offer, group_by)


def _grouped_base(club_id: int, group_by: str, filters: OfferFilters, languages: list[str]) -> Select[Any]:
    statement = club_offers(club_id)
    if group_by == "collection_id":
        statement = statement.outerjoin(
            OfferCollection,
            and_(same_club(OfferCollection, Offer), OfferCollection.offer_id == Offer.id),
        )
    return filter_offers(statement, filters, languages)


def grouped_offers(
    session: Session,
    club_id: int,
    group_by: str,
    filters: OfferFilters,
    sort: OfferSort,
    page: Page,
    languages: list[str],
    default_language: str,
) -> list[tuple[Any, list[Offer], PaginationInfo]]:
    """Groups of the filtered offers by ``group_by`` (value order, null last); each group holds the
    ``page`` of its offers in ``sort`` order. An offer in several collections is in each of their groups."""
    column = _group_column(group_by)
    base = _grouped_base(club_id, group_by, filters, languages)
    counts_query = base.with_only_columns(column.label("value"), func.count().label("n")).group_by(column)
    counts = {row.value: row.n for row in session.execute(counts_query)}
    if not counts:
        return []
    row_number = func.row_number().over(partition_by=column, order_by=sort_keys(sort, default_language))
    numbered = base.with_only_columns(Offer.id.label("offer_id"), column.label("value"), row_number.label("rn"))
    inner = numbered.subquery()
    rows = session.execute(
        select(inner.c.offer_id, inner.c.value)
        .where(inner.c.rn > page.offset, inner.c.rn <= page.offset + page.per_page)
        .order_by(inner.c.value, inner.c.rn)
    ).all()
    offers = {
        offer.id: offer
        for offer in session.execute(
            select(Offer).where(in_club(Offer, club_id), Offer.id.in_({r.offer_id for r in rows}))
        ).scalars()
    }
    by_value: dict[Any, list[Offer]] = {value: [] for value in counts}
    for row in rows:
        by_value[row.value].append(offers[row.offer_id])
    ordered_values = sorted(counts, key=lambda v: (v is None, v if v is not None else 0))
    return [(value, by_value[value], page.info(counts[value])) for value in ordered_values]
