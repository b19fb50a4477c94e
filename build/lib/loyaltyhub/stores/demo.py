"""Demo step of the stores domain: the shops of each demo club (a mall has 60-120 of them).

Deterministic from ``context.rng``. Shares ``context.data["store_ids"][slug]`` (in order of the
stores' popularity: earlier stores are favourited more often by the members step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import insert
from sqlalchemy.orm import Session

from loyaltyhub.stores.models import Store

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext

# Chains one finds in Scandinavian shopping centres (demo content).
SHARED_BRANDS = [
    "H&M",
    "Lindex",
    "KappAhl",
    "Cubus",
    "Dressmann",
    "Zara",
    "Mango",
    "Vero Moda",
    "Jack & Jones",
    "Gina Tricot",
    "Weekday",
    "Monki",
    "COS",
    "& Other Stories",
    "Name It",
    "Polarn O. Pyret",
    "Peak Performance",
    "Tiger of Sweden",
    "Levi's",
    "Tommy Hilfiger",
    "Hugo Boss",
    "Nike",
    "Adidas",
    "Foot Locker",
    "JD Sports",
    "Skechers",
    "Ecco",
    "Scorett",
    "Din Sko",
    "Nilson Shoes",
    "Intersport",
    "XXL",
    "Clas Ohlson",
    "Søstrene Grene",
    "Flying Tiger Copenhagen",
    "Normal",
    "Jysk",
    "Kicks",
    "Rituals",
    "Lush",
    "The Body Shop",
    "Specsavers",
    "Synsam",
    "Pandora",
    "Swarovski",
    "Espresso House",
    "Starbucks",
    "Joe & The Juice",
    "McDonald's",
    "Burger King",
    "Max Burgers",
    "Subway",
    "Sushi Yama",
    "Telia",
    "Lekia",
    "Panduro",
    "Zizzi",
    "Boys of Europe",
]
COUNTRY_BRANDS = {
    "NO": [
        "Bik Bok",
        "Carlings",
        "Volt",
        "Match",
        "Bergans",
        "Norrøna",
        "Stormberg",
        "G-Sport",
        "Anton Sport",
        "Skoringen",
        "Euro Sko",
        "Vitusapotek",
        "Apotek 1",
        "Boots apotek",
        "Vinmonopolet",
        "Rema 1000",
        "Kiwi",
        "Meny",
        "Coop Extra",
        "Jernia",
        "Elkjøp",
        "Power",
        "Eplehuset",
        "Telenor",
        "Ice",
        "Norli",
        "Ark",
        "Notabene",
        "Tilbords",
        "Kitchn",
        "Kremmerhuset",
        "Princess",
        "Home & Cottage",
        "Nille",
        "Europris",
        "Br-Leker",
        "Ringo",
        "Mester Grønn",
        "Interflora",
        "Thune",
        "Gullfunn",
        "David-Andersen",
        "Brilleland",
        "Krogh Optikk",
        "Cutters",
        "Nikita",
        "Peppes Pizza",
        "Egon",
        "Kaffebrenneriet",
        "Baker Brun",
        "Godt Brød",
        "Deli de Luca",
        "Narvesen",
        "Plantasjen",
        "Bohus",
        "Kid Interiør",
        "Platekompaniet",
        "Outland",
        "Posten",
        "DNB",
        "Vita",
        "Hjem",
        "Lefdal",
        "Sportshuset",
    ],
    "SE": [
        "Åhléns",
        "Stadium",
        "Elgiganten",
        "Webhallen",
        "Systembolaget",
        "ICA Kvantum",
        "Coop",
        "Hemköp",
        "Apotek Hjärtat",
        "Apoteket",
        "Kronans Apotek",
        "Lyko",
        "Wayne's Coffee",
        "Pressbyrån",
        "7-Eleven",
        "Skopunkten",
        "Guldfynd",
        "Albrekts Guld",
        "Lagerhaus",
        "Kitchen Time",
        "Cervera",
        "Hemtex",
        "Rusta",
        "BR Leksaker",
        "Akademibokhandeln",
        "Pocket Shop",
        "Naturkompaniet",
        "Tele2",
        "Tre",
        "Bastard Burgers",
        "O'Learys",
        "Sibylla",
        "Indiska",
        "Ur&Penn",
        "Glitter",
        "Accent",
        "MQ",
        "Nordiska Galleriet",
        "Granit",
        "Team Sportia",
    ],
}
STORE_COUNTS = ((80, 120), (55, 75))  # (min, max) for the first club, then for the others


def load(session: Session, context: DemoContext) -> None:
    store_ids: dict[str, list[int]] = {}
    for index, (slug, club) in enumerate(context.clubs.items()):
        low, high = STORE_COUNTS[min(index, 1)]
        brands = SHARED_BRANDS + COUNTRY_BRANDS.get(club.country or "", [])
        names = context.rng.sample(brands, min(len(brands), context.rng.randint(low, high)))
        prefix = "".join(word[0] for word in club.name.split()).upper()
        rows = [
            {
                "loyalty_club_id": club.id,
                "name": name,
                "external_id": f"{prefix}-{number:04d}",
                "created_at": context.now,
                "updated_at": context.now,
            }
            for number, name in enumerate(names, start=1)
        ]
        ids = session.execute(insert(Store).returning(Store.id, sort_by_parameter_order=True), rows).scalars()
        store_ids[slug] = list(ids)
    context.data["store_ids"] = store_ids
