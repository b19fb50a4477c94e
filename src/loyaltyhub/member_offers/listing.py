"""The member's offers: list, meta counts and show (the read side of the member offers API).

One list request costs a fixed number of queries whatever the page size: the member's groups,
grants, counters and likes (one statement), the candidate offers as plain rows (1), then for the page
the offers' texts and images not cached at their version (:mod:`.shown`: 0 or 1) and their collection
links and store names (1). Visibility's SQL part (status, archive, scope, visible window, audience,
grant-only) runs in the database; what depends on the member's counters (``usable``, the usage object)
is computed by :mod:`rules` in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, false, func, literal, or_, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.dialect import one_of
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.http.pagination import Page, count_of
from loyaltyhub.member_offers.rules import OfferTerms, is_visible, iso, usage_view
from loyaltyhub.member_offers.shown import ShownOffer, shown_offers
from loyaltyhub.member_offers.state import (
    TERM_COLUMNS,
    MemberView,
    club_clock,
    collection_links,
    links_and_store_names,
    terms_from,
)
from loyaltyhub.offers.models import Offer, OfferCollection
from loyaltyhub.offers.types import GRANT_ONLY_TYPES, types_of_scope
from loyaltyhub.stores.models import Store

ORDER_FIELDS = (
    "name",
    "usable",
    "liked",
    "id",
    "type",
    "created_at",
    "updated_at",
    "usable_since",
    "usable_until",
    "visible_since",
    "visible_until",
)
DEFAULT_ORDER = "name"
PUBLISHED = frozenset({"published"})
"""The statuses a member sees; a staff preview (:mod:`.preview_routes`) may judge drafts as if published."""

# What the rules and the member-dependent part of the public offer model read: plain rows, no ORM objects,
# no JSON columns (the texts and images come from :mod:`.shown`, by ``updated_at``).
PAGE_COLUMNS = (*TERM_COLUMNS, Offer.store_id, Offer.campaign_id, Offer.created_at, Offer.updated_at)


@dataclass(frozen=True)
class ListFilters:
    """The filters of reference C.2 (paging and ordering aside)."""

    collection_ids: list[int] | None = None
    stores: list[str] | None = None
    store_ids: list[int] | None = None
    ids: list[int] | None = None
    type: str | None = None
    campaign_ids: list[int] | None = None
    search: str | None = None
    usable: bool = False
    liked: bool = False


@dataclass
class Candidate:
    row: Any
    terms: OfferTerms
    usage: dict[str, Any]
    liked: bool
    name: str | None


@dataclass
class MemberOffers:
    """The visible offers of one member (or guest) after filters, in the requested order."""

    club: LoyaltyClub
    member_view: MemberView
    now: datetime
    locale: str | None
    items: list[Candidate] = field(default_factory=list)
    total: int | None = None


def parse_order_by(value: str | None) -> list[tuple[str, bool]]:
    """``"usable ASC, created_at DESC"`` → ``[("usable", False), ("created_at", True)]`` (desc flag)."""
    order: list[tuple[str, bool]] = []
    for part in (value or DEFAULT_ORDER).split(","):
        words = part.split()
        if not words:
            continue
        name = words[0].lower()
        direction = words[1].upper() if len(words) > 1 else "ASC"
        if name not in ORDER_FIELDS:
            raise ValidationFailed.at(("order_by",), "inclusion", **{"in": list(ORDER_FIELDS)})
        if direction not in ("ASC", "DESC") or len(words) > 2:
            raise ValidationFailed.at(("order_by",), "invalid_format", format="<field> [ASC|DESC][, ...]")
        order.append((name, direction == "DESC"))
    if not order:
        raise ValidationFailed.at(("order_by",), "blank")
    return order


def localized(content: dict[str, Any] | None, locale: str | None, default_language: str) -> str | None:
    """The text for ``X-Locale`` (exact tag, then its language), else the club's default language,
    else any language present; None when there is no text at all."""
    if not content:
        return None
    if locale:
        if content.get(locale):
            return str(content[locale])
        base = locale.split("-")[0]
        if content.get(base):
            return str(content[base])
    if content.get(default_language):
        return str(content[default_language])
    for value in content.values():
        if value:
            return str(value)
    return None


def _visible_statement(
    session: Session,
    statement: Select[Any],
    club_id: int,
    scope_types: frozenset[str],
    filters: ListFilters,
    view: MemberView,
    now: datetime,
    statuses: frozenset[str] = PUBLISHED,
) -> Select[Any]:
    """Visibility (SPEC §5) and the C.2 filters, all in SQL."""
    statement = statement.where(
        in_club(Offer, club_id),
        Offer.status == "published" if statuses == PUBLISHED else Offer.status.in_(sorted(statuses)),
        Offer.archived_at.is_(None),
        or_(Offer.visible_since.is_(None), Offer.visible_since <= now),
        or_(Offer.visible_until.is_(None), Offer.visible_until >= now),
    )
    types = set(scope_types)
    if filters.type is not None:
        types &= {filters.type.lower()}
    statement = statement.where(Offer.type.in_(sorted(types)))
    statement = statement.where(
        Offer.audience_id.is_(None)
        if not view.group_ids
        else or_(Offer.audience_id.is_(None), one_of(session, Offer.audience_id, view.group_ids))
    )
    grant_only = sorted(GRANT_ONLY_TYPES & types)
    live_grants = view.live_grant_ids(now)
    if grant_only:
        statement = statement.where(
            Offer.type.not_in(grant_only)
            if not live_grants
            else or_(
                Offer.type.not_in(grant_only), and_(Offer.type.in_(grant_only), one_of(session, Offer.id, live_grants))
            )
        )
    if filters.liked:
        statement = statement.where(one_of(session, Offer.id, view.likes) if view.likes else false())
    if filters.ids is not None:
        statement = statement.where(Offer.id.in_(filters.ids))
    if filters.store_ids is not None:
        statement = statement.where(Offer.store_id.in_(filters.store_ids))
    if filters.stores is not None:
        statement = statement.where(
            Offer.store_id.in_(select(Store.id).where(in_club(Store, club_id), Store.name.in_(filters.stores)))
        )
    if filters.campaign_ids is not None:
        statement = statement.where(Offer.campaign_id.in_(filters.campaign_ids))
    if filters.collection_ids is not None:
        statement = statement.where(
            Offer.id.in_(
                select(OfferCollection.offer_id).where(
                    in_club(OfferCollection, club_id),
                    OfferCollection.collection_id.in_(filters.collection_ids),
                )
            )
        )
    return statement


def _matches_search(row: Any, needle: str) -> bool:
    needle = needle.casefold()
    for content in (row.name, row.description):
        for value in (content or {}).values():
            if isinstance(value, str) and needle in value.casefold():
                return True
    return False


def _sort_key(name: str) -> Callable[[Candidate], Any]:
    if name == "name":
        return lambda c: c.name.casefold() if c.name else None
    if name == "usable":
        return lambda c: c.usage["usable"]
    if name == "liked":
        return lambda c: c.liked
    return lambda c: getattr(c.row, name)


def _sort(items: list[Candidate], order: list[tuple[str, bool]]) -> None:
    items.sort(key=lambda c: c.row.id)  # final tie-break: id ascending
    for name, descending in reversed(order):
        key = _sort_key(name)
        if descending:
            items.sort(key=lambda c, key=key: (key(c) is not None, key(c)), reverse=True)  # nulls last
        else:
            items.sort(key=lambda c, key=key: (key(c) is None, key(c)))


def _name_expression(locale: str | None, default_language: str) -> Any:
    keys = [k for k in (locale, locale.split("-")[0] if locale else None, default_language) if k]
    texts = [Offer.name[key].as_string() for key in dict.fromkeys(keys)]
    return func.lower(texts[0] if len(texts) == 1 else func.coalesce(*texts))


def _sql_order(
    session: Session, order: list[tuple[str, bool]], view: MemberView, locale: str | None, default_language: str
) -> list:
    clauses = []
    for name, descending in order:
        if name == "name":
            expression: Any = _name_expression(locale, default_language)
        elif name == "liked":
            expression = case((one_of(session, Offer.id, view.likes), 1), else_=0) if view.likes else literal(0)
        else:
            expression = getattr(Offer, name)
        clauses.append((expression.desc() if descending else expression.asc()).nulls_last())
    clauses.append(Offer.id.asc())
    return clauses


def _judged(terms: OfferTerms, statuses: frozenset[str]) -> OfferTerms:
    """The terms the rules judge: an offer of a previewed status counts as published."""
    if terms.status != "published" and terms.status in statuses:
        return replace(terms, status="published")
    return terms


def member_offers(
    session: Session,
    *,
    club: LoyaltyClub,
    view: MemberView,
    scope: str,
    filters: ListFilters,
    now: datetime,
    locale: str | None,
    order: list[tuple[str, bool]] | None = None,
    page: Page | None = None,
    count: bool = False,
    statuses: frozenset[str] = PUBLISHED,
) -> MemberOffers:
    """The member's visible offers matching ``filters``, each with its usage object, ordered.

    With a ``page`` and nothing that depends on the member's counters (``usable`` filter or order)
    or on every text (``search``), filtering, ordering and paging all happen in SQL and only the
    page's offers are loaded. Otherwise every visible offer is judged in Python, then paged.
    ``total`` is the number of matching offers (counted when ``count`` or judged in Python).
    ``statuses`` other than published are judged as if published (a staff preview).
    """
    order = order or parse_order_by(None)
    clock = club_clock(club, now)
    scope_types = frozenset(types_of_scope(scope))
    result = MemberOffers(club=club, member_view=view, now=now, locale=locale)
    in_sql = page is not None and not filters.usable and not filters.search and all(n != "usable" for n, _ in order)
    if in_sql and page is not None:
        statement = _visible_statement(
            session, select(*PAGE_COLUMNS), club.id, scope_types, filters, view, now, statuses
        )
        ordered = statement.order_by(*_sql_order(session, order, view, locale, club.default_language))
        for offer in session.execute(page.apply(ordered)):
            terms = _judged(terms_from(offer), statuses)
            standing = view.standing(offer.id)
            usage = usage_view(terms, standing, view.state(offer.id), clock, scope_types)
            result.items.append(Candidate(row=offer, terms=terms, usage=usage, liked=offer.id in view.likes, name=None))
        result.total = count_of(session, statement) if count else None
        return result
    columns = list(PAGE_COLUMNS)
    needs_name = any(n == "name" for n, _ in order)
    if needs_name or filters.search:
        columns.append(Offer.name)
    if filters.search:
        columns.append(Offer.description)
    statement = _visible_statement(session, select(*columns), club.id, scope_types, filters, view, now, statuses)
    for row in session.execute(statement):
        terms = _judged(terms_from(row), statuses)
        standing = view.standing(row.id)
        if not is_visible(terms, standing, now, scope_types):
            continue
        if filters.search and not _matches_search(row, filters.search):
            continue
        usage = usage_view(terms, standing, view.state(row.id), clock, scope_types)
        if filters.usable and not usage["usable"]:
            continue
        name = localized(row.name, locale, club.default_language) if needs_name else None
        result.items.append(Candidate(row=row, terms=terms, usage=usage, liked=row.id in view.likes, name=name))
    _sort(result.items, order)
    result.total = len(result.items)
    if page is not None:
        result.items = result.items[page.offset : page.offset + page.per_page]
    return result


def render(session: Session, offers: MemberOffers, items: list[Candidate]) -> list[dict[str, Any]]:
    """The public offer model (reference C.1) of ``items``: at most two queries for any number of items."""
    if not items:
        return []
    club = offers.club
    rows = [c.row for c in items]
    shown = shown_offers(session, club.id, rows)
    links, store_names = links_and_store_names(
        session, club.id, [row.id for row in rows], [row.store_id for row in rows if row.store_id is not None]
    )
    return [
        public_offer(
            c.row,
            shown[c.row.id],
            locale=offers.locale,
            default_language=club.default_language,
            collection_ids=links[c.row.id],
            stores=[store_names[c.row.store_id]] if c.row.store_id in store_names else [],
            liked=c.liked,
            usage=c.usage,
        )
        for c in items
        if c.row.id in shown  # an offer deleted since the page was read is left out
    ]


def public_offer(
    offer: Any,
    shown: ShownOffer,
    *,
    locale: str | None,
    default_language: str,
    collection_ids: list[int],
    stores: list[str],
    liked: bool,
    usage: dict[str, Any],
) -> dict[str, Any]:
    """Reference C.1: type UPPERCASE, texts localized, the usage object computed for the member.

    ``offer`` is a row of :data:`PAGE_COLUMNS` (or an ``Offer``), ``shown`` its texts and images."""
    return {
        "id": offer.id,
        "name": localized(shown.name, locale, default_language),
        "description": localized(shown.description, locale, default_language),
        "type": offer.type.upper(),
        "external_url": shown.external_url,
        "usable_since": iso(offer.usable_since) if offer.usable_since else None,
        "usable_until": iso(offer.usable_until) if offer.usable_until else None,
        "usage_authorization_token_required": bool(offer.usage_authorization_token_required),
        "collection_ids": collection_ids,
        "stores": stores,
        "images": shown.images,
        "display": shown.display,
        "liked": liked,
        "usage": usage,
        "extras": shown.extras,
    }


def meta(session: Session, offers: MemberOffers) -> dict[str, Any]:
    """Counts the app needs to draw its offer tabs: all, usable, liked, active, and per collection."""
    items = offers.items
    links = collection_links(session, offers.club.id, [c.row.id for c in items])
    per_collection: dict[int, dict[str, int]] = {}
    for c in items:
        for collection_id in links[c.row.id]:
            counts = per_collection.setdefault(collection_id, {"offers_count": 0, "usable_count": 0, "liked_count": 0})
            counts["offers_count"] += 1
            counts["usable_count"] += int(c.usage["usable"])
            counts["liked_count"] += int(c.liked)
    return {
        "offers_count": len(items),
        "usable_count": sum(1 for c in items if c.usage["usable"]),
        "liked_count": sum(1 for c in items if c.liked),
        "active_count": sum(1 for c in items if c.usage["active_until"] is not None),
        "collections": [{"id": cid, **counts} for cid, counts in sorted(per_collection.items())],
    }
