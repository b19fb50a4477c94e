"""Demo step of the offers domain: collections, image templates, 40-80 offers per club and grants.

Deterministic from ``context.rng``. Stores, audiences (member groups) and members are read from the
database, so the step works whatever the earlier steps created (and with none of them).
Shares ``context.data["offer_ids"][slug]`` and ``context.data["collection_ids"][slug]``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.models import Member
from loyaltyhub.offers.models import Collection, ImageTemplate, Offer, OfferCollection, OfferGrant
from loyaltyhub.offers.types import GRANT_ONLY_TYPES, TYPE_SCOPES
from loyaltyhub.stores.models import Store

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext

# (scope, {language: title})
COLLECTIONS = [
    (None, {"en": "Fashion", "no": "Mote", "sv": "Mode"}),
    (None, {"en": "Food & drinks", "no": "Mat og drikke", "sv": "Mat och dryck"}),
    ("standard", {"en": "Weekend deals", "no": "Helgetilbud", "sv": "Helgerbjudanden"}),
    ("standard", {"en": "Members only", "no": "Kun for medlemmer", "sv": "Endast för medlemmar"}),
    (None, {"en": "Kids & family", "no": "Barn og familie", "sv": "Barn och familj"}),
    ("parking", {"en": "Parking", "no": "Parkering", "sv": "Parkering"}),
    ("informational", {"en": "News from the centre", "no": "Nytt fra senteret", "sv": "Nytt från centret"}),
]
SCOPE_OF_COLLECTION_INDEX = {i: scope for i, (scope, _) in enumerate(COLLECTIONS)}

DEALS = [
    ({"en": "{pct}% off everything", "no": "{pct}% på alt", "sv": "{pct}% på allt"}, 0),
    ({"en": "Buy two, get one free", "no": "Kjøp to, få én gratis", "sv": "Köp två, få en gratis"}, 1),
    ({"en": "Free coffee with any purchase", "no": "Gratis kaffe ved kjøp", "sv": "Gratis kaffe vid köp"}, 1),
    ({"en": "{pct}% off the new collection", "no": "{pct}% på ny kolleksjon", "sv": "{pct}% på nya kollektionen"}, 0),
    ({"en": "Lunch deal", "no": "Lunsjtilbud", "sv": "Luncherbjudande"}, 1),
    ({"en": "Kids eat free", "no": "Barn spiser gratis", "sv": "Barn äter gratis"}, 4),
    ({"en": "Double points weekend", "no": "Dobbel poeng-helg", "sv": "Dubbla poäng i helgen"}, 2),
    ({"en": "Gift with purchase", "no": "Gave ved kjøp", "sv": "Present vid köp"}, 0),
]
TYPE_WEIGHTS = {
    "regular": 30,
    "exclusive": 10,
    "welcome": 3,
    "birthday": 4,
    "competition": 4,
    "informational": 6,
    "carbon_offset_item": 3,
    "parking": 5,
    "parking_exclusive": 3,
    "game_prize": 4,
}
SPECIAL_NAMES = {
    "welcome": {"en": "Welcome gift", "no": "Velkomstgave", "sv": "Välkomstgåva"},
    "birthday": {"en": "Happy birthday: a treat on us", "no": "Gratulerer med dagen", "sv": "Grattis på födelsedagen"},
    "competition": {"en": "Win a shopping spree", "no": "Vinn et gavekort", "sv": "Vinn ett presentkort"},
    "informational": {"en": "Extended opening hours", "no": "Utvidede åpningstider", "sv": "Utökade öppettider"},
    "carbon_offset_item": {"en": "Plant a tree", "no": "Plant et tre", "sv": "Plantera ett träd"},
    "parking": {"en": "2 hours free parking", "no": "2 timer gratis parkering", "sv": "2 timmar gratis parkering"},
    "parking_exclusive": {"en": "Free evening parking", "no": "Gratis kveldsparkering", "sv": "Gratis kvällsparkering"},
    "game_prize": {"en": "Prize: free ice cream", "no": "Premie: gratis is", "sv": "Vinst: gratis glass"},
}
PICTURE = "https://images.example.com/offers/{slug}-{n}.jpg"


def _localized(texts: dict[str, str], club: LoyaltyClub, **fmt: Any) -> dict[str, str]:
    return {lang: texts.get(lang, texts["en"]).format(**fmt) for lang in club.languages}


def _ids(session: Session, model: Any, club_id: int) -> list[int]:
    return list(session.execute(select(model.id).where(in_club(model, club_id)).order_by(model.id)).scalars())


def load(session: Session, context: DemoContext) -> None:
    offer_ids: dict[str, list[int]] = {}
    collection_ids: dict[str, list[int]] = {}
    for index, (slug, club) in enumerate(context.clubs.items()):
        count = 64 if index == 0 else 42
        collections = _collections(session, club, context.now)
        _templates(session, club, context.now)
        offer_ids[slug] = _offers(session, club, context, collections, count)
        collection_ids[slug] = collections
        _grants(session, club, context)
    context.data["offer_ids"] = offer_ids
    context.data["collection_ids"] = collection_ids


def _collections(session: Session, club: LoyaltyClub, now: datetime) -> list[int]:
    rows = [
        {
            "loyalty_club_id": club.id,
            "scope": scope,
            "title": _localized(title, club),
            "description": {},
            "offers_order": [],
            "position": position,
            "files": [],
            "created_at": now,
            "updated_at": now,
        }
        for position, (scope, title) in enumerate(COLLECTIONS, start=1)
    ]
    return list(session.scalars(insert(Collection).returning(Collection.id, sort_by_parameter_order=True), rows))


def _templates(session: Session, club: LoyaltyClub, now: datetime) -> None:
    title = {
        "name": "Title",
        "width": 560,
        "height": 120,
        "padding": 10,
        "offset_top": 40,
        "offset_left": 20,
        "text_align": "center",
        "color": "#FFFFFF",
        "font_size": 42,
        "font_family": "'Playfair Display', serif",
        "font_weight": "bold",
        "font_style": "normal",
        "text_decoration": "none",
        "content": "{{name}}",
    }
    stores = {**title, "name": "Stores", "offset_top": 680, "font_size": 24, "content": "{{stores}}"}
    for name, default in (("Standard portrait", True), ("Square", False)):
        session.add(
            ImageTemplate(
                loyalty_club_id=club.id,
                name=name,
                width=600,
                height=800 if default else 600,
                background_url=f"https://images.example.com/templates/{club.slug}-{name.lower()}.png",
                is_default=default,
                rectangles=[title, stores],
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()


def _window(rng: random.Random, now: datetime, days: int) -> dict[str, Any]:
    created = now - timedelta(days=rng.uniform(1, days), minutes=rng.randrange(0, 600))
    scheduled = rng.random() < 0.15
    start = now + timedelta(days=rng.randint(2, 20)) if scheduled else created + timedelta(hours=rng.randint(0, 48))
    end = start + timedelta(days=rng.choice([7, 14, 30, 60, 120])) if rng.random() < 0.75 else None
    return {
        "created_at": created,
        "updated_at": min(now, created + timedelta(hours=rng.randint(0, 72))),
        "visible_since": start - timedelta(days=rng.choice([0, 1, 3])),
        "visible_until": end,
        "usable_since": start,
        "usable_until": end,
    }


def _offers(session: Session, club: LoyaltyClub, context: DemoContext, collections: list[int], count: int) -> list[int]:
    rng, now = context.rng, context.now
    stores = _ids(session, Store, club.id)
    audiences = _ids(session, MemberGroup, club.id)
    types = list(TYPE_WEIGHTS)
    rows: list[dict[str, Any]] = []
    links: list[list[int]] = []
    for n in range(count):
        offer_type = types[n] if n < len(types) else rng.choices(types, weights=list(TYPE_WEIGHTS.values()))[0]
        deal, collection_index = rng.choice(DEALS)
        name = SPECIAL_NAMES.get(offer_type) or deal
        status = rng.choices(["published", "draft", "unpublished"], weights=[80, 12, 8])[0]
        row: dict[str, Any] = {
            "loyalty_club_id": club.id,
            "type": offer_type,
            "status": status,
            "name": _localized(name, club, pct=rng.choice([10, 15, 20, 25, 30, 40, 50])),
            "description": _localized(
                {
                    "en": "Show this offer at the till.",
                    "no": "Vis tilbudet i kassen.",
                    "sv": "Visa erbjudandet i kassan.",
                },
                club,
            ),
            "internal_name": f"{offer_type}-{n + 1:03d}",
            "store_id": rng.choice(stores) if stores and offer_type not in ("informational", "parking") else None,
            "audience_id": rng.choice(audiences) if audiences and rng.random() < 0.12 else None,
            "campaign_id": rng.choice([101, 102, 103]) if rng.random() < 0.3 else None,
            "maximum_uses_per_user": rng.choice([None, None, 1, 1, 3, 5]),
            "maximum_grants_per_user": 1 if offer_type in GRANT_ONLY_TYPES else None,
            "stock": rng.choice([None, None, None, 50, 100, 500]),
            "usable_in_seconds_after_granting": 14 * 86400 if offer_type in ("exclusive", "game_prize") else None,
            "extras": {
                "category": rng.choice(["fashion", "food", "family", "services"]),
                "featured": rng.random() < 0.2,
            },
            "files": [
                {
                    "url": PICTURE.format(slug=club.slug, n=n + 1),
                    "width": 600,
                    "height": 800,
                    "kind": "offer_default",
                    "size_type": "base",
                }
            ],
            "cms_tag_ids": [],
            "read_more": None,
            "activation_texts": None,
            "image_template": None,
            "grants_count": 0,
            "archived_at": None,
            "periodic_usage_timespan": None,
            "periodic_usage_limit": None,
            "usage_authorization_token": None,
            "usage_authorization_token_required": False,
            **_window(rng, now, context.options.days),
        }
        if rng.random() < 0.25:
            row["periodic_usage_timespan"] = rng.choice(["day", "week", "month"])
            row["periodic_usage_limit"] = rng.choice([1, 2])
        if rng.random() < 0.15 and offer_type != "informational":
            row["usage_authorization_token"] = f"{rng.randrange(1000, 9999)}"
            row["usage_authorization_token_required"] = True
        if rng.random() < 0.1:
            row["archived_at"] = min(now, row["created_at"] + timedelta(days=rng.randint(1, 30)))
        rows.append(row)
        links.append(_collections_for(rng, offer_type, collection_index, collections))
    ids = list(session.scalars(insert(Offer).returning(Offer.id, sort_by_parameter_order=True), rows))
    link_rows = [
        {"loyalty_club_id": club.id, "offer_id": offer_id, "collection_id": collection_id}
        for offer_id, collection_ids in zip(ids, links, strict=True)
        for collection_id in collection_ids
    ]
    if link_rows:
        session.execute(insert(OfferCollection), link_rows)
    return ids


def _collections_for(rng: random.Random, offer_type: str, preferred: int, collections: list[int]) -> list[int]:
    """Collections whose scope admits the offer's type (unscoped ones admit every type)."""
    scope = TYPE_SCOPES[offer_type]
    fits = [i for i, s in SCOPE_OF_COLLECTION_INDEX.items() if s is None or s == scope]
    if not fits:
        return []
    chosen = {preferred} if preferred in fits else {rng.choice(fits)}
    if rng.random() < 0.3:
        chosen.add(rng.choice(fits))
    if offer_type in GRANT_ONLY_TYPES and 3 in fits:
        chosen.add(3)  # "Members only"
    return [collections[i] for i in sorted(chosen)]


def _grants(session: Session, club: LoyaltyClub, context: DemoContext) -> None:
    """Welcome offers granted to every member at sign-up; other grant-only offers to a sample."""
    rng = context.rng
    members = session.execute(
        select(Member.id, Member.created_at).where(in_club(Member, club.id)).order_by(Member.id)
    ).all()
    if not members:
        return
    offers = session.execute(
        select(Offer.id, Offer.type)
        .where(in_club(Offer, club.id), Offer.type.in_(GRANT_ONLY_TYPES), Offer.archived_at.is_(None))
        .order_by(Offer.id)
    ).all()
    rows: list[dict[str, Any]] = []
    counts: dict[int, int] = {}
    for offer_id, offer_type in offers:
        chosen = members if offer_type == "welcome" else rng.sample(members, k=max(1, len(members) // 10))
        for member_id, joined in chosen:
            if offer_type == "welcome":
                granted_at = joined
            else:
                granted_at = context.now - timedelta(days=rng.uniform(0, 10))
            rows.append(
                {"loyalty_club_id": club.id, "offer_id": offer_id, "member_id": member_id, "granted_at": granted_at}
            )
        counts[offer_id] = len(chosen)
    if rows:
        session.execute(insert(OfferGrant), rows)
    for offer_id, n in counts.items():
        session.execute(update(Offer).where(Offer.id == offer_id, in_club(Offer, club.id)).values(grants_count=n))
