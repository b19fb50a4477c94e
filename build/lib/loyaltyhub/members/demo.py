"""Demo step of the members domain: members with realistic distributions, groups and push devices.

Deterministic from ``context.rng``. Per club (``--members`` for the first, a share of it for the
others): names of the club's country (Faker), ages weighted like a shopping centre's club, genders,
opt-in channels (apps, web forms, website), consents and channel statuses, cities of the club's country
weighted by population around the centre's own city, favourite stores, push devices, a few banned and a
few departed (anonymised) members. Rows are bulk-inserted with their derived reporting fields; the
change listeners are not called (the reporting step builds its data from the tables).

Shares ``context.data["member_ids"][slug]`` (live members) and ``context.data["group_ids"][slug]``;
adds a member login (``credentials["member"]``) for the first club.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from faker import Faker
from sqlalchemy import insert
from sqlalchemy.orm import Session

from loyaltyhub.auth.passwords import hash_password
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.derived import derive
from loyaltyhub.members.groups.models import MemberGroup, MemberGroupMembership
from loyaltyhub.members.identity.models import MemberAppToken
from loyaltyhub.members.models import AGE_BANDS, Member
from loyaltyhub.members.properties import public_properties
from loyaltyhub.places import data as places

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext

DEMO_MEMBER_PASSWORD = "demo-member-password"
FAKER_LOCALES = {"NO": "no_NO", "SE": "sv_SE", "DK": "da_DK", "FI": "fi_FI", "PL": "pl_PL", "DE": "de_DE"}
MOBILE_PREFIXES = {"NO": ("474", "479", "4790", "4748"), "SE": ("4670", "4672", "4673", "4676")}
FOREIGN_MSISDN = (("DK", "452"), ("PL", "4850"), ("GB", "4474"), ("DE", "49151"))
# Share of members per age band (-14 ... 80-): a shopping centre's club skews 20-50.
AGE_WEIGHTS = (0.5, 6, 10, 12, 13, 12, 11, 10, 8, 6, 5, 3, 2, 1, 0.5)
CHANNELS = (
    ("android-app", None, 34),
    ("ios-app", None, 31),
    ("webforms", "summer-campaign", 6),
    ("webforms", "black-friday", 5),
    ("webforms", None, 8),
    ("website", None, 9),
    ("default", None, 5),
    ("kiosk", "entrance-north", 2),
)
INTERESTS = (
    "fashion",
    "food_and_drinks",
    "sports",
    "kids_and_family",
    "beauty",
    "electronics",
    "home_and_interior",
    "dietary_and_nutrition",
    "culture",
    "outdoor",
)
CONSENT_RATES = {"sms_marketing": 0.72, "email_marketing": 0.61, "dmp_profiling": 0.44, "cookie_tracking": 0.58}
GROUPS = (
    ("VIP", "Most active members"),
    ("Newsletter", "Weekly newsletter readers"),
    ("Students", "Members aged 15-24"),
    ("Families", "Members interested in kids and family"),
    ("Seniors", "Members aged 65 and over"),
    ("Staff", "Employees of the centre's shops"),
)
JOIN_WINDOW_SHARE = 0.45  # members who joined during the demo period; the others joined in the years before
DEPARTED_SHARE = 0.03
BANNED_SHARE = 0.005


def load(session: Session, context: DemoContext) -> None:
    member_ids: dict[str, list[int]] = {}
    group_ids: dict[str, list[int]] = {}
    for index, (slug, club) in enumerate(context.clubs.items()):
        count = (
            context.options.members
            if index == 0
            else round(context.options.members * context.options.second_club_share)
        )
        store_ids = (context.data.get("store_ids") or {}).get(slug, [])
        groups = _groups(session, club, context.now)
        builder = _Builder(club, context, store_ids, groups)
        rows = [builder.row(n) for n in range(count)]
        if index == 0 and rows:
            _make_login(rows, context)
        ids = list(
            session.execute(
                insert(Member).returning(Member.id, sort_by_parameter_order=True), [r["member"] for r in rows]
            ).scalars()
        )
        _children(session, club, ids, rows, groups)
        member_ids[slug] = [i for i, r in zip(ids, rows, strict=True) if r["member"]["deleted_at"] is None]
        group_ids[slug] = list(groups.values())
        if index == 0 and rows:
            context.credentials["member"]["id"] = ids[0]
    context.data["member_ids"] = member_ids
    context.data["group_ids"] = group_ids


def _groups(session: Session, club: LoyaltyClub, now: datetime) -> dict[str, int]:
    rows = [
        {"loyalty_club_id": club.id, "name": name, "description": description, "created_at": now, "updated_at": now}
        for name, description in GROUPS
    ]
    ids = session.execute(insert(MemberGroup).returning(MemberGroup.id, sort_by_parameter_order=True), rows).scalars()
    return dict(zip((name for name, _ in GROUPS), ids, strict=True))


def _make_login(rows: list[dict[str, Any]], context: DemoContext) -> None:
    """The first member of the main club (live, verified, unbanned: see ``row``) gets a password."""
    member = rows[0]["member"]
    member["password_hash"] = hash_password(DEMO_MEMBER_PASSWORD)
    context.credentials["member"] = {
        "identifier_type": "msisdn",
        "identifier": member["msisdn"],
        "password": DEMO_MEMBER_PASSWORD,
    }


def _children(
    session: Session, club: LoyaltyClub, ids: list[int], rows: list[dict[str, Any]], groups: dict[str, int]
) -> None:
    memberships, devices = [], []
    for member_id, row in zip(ids, rows, strict=True):
        member = row["member"]
        memberships += [
            {"loyalty_club_id": club.id, "group_id": g, "member_id": member_id, "created_at": member["created_at"]}
            for g in member["group_ids"]
        ]
        devices += [
            {
                "loyalty_club_id": club.id,
                "member_id": member_id,
                "token": token,
                "platform": platform,
                "product_name": member["optin_channel"],
                "created_at": member["created_at"],
                "updated_at": member["created_at"],
            }
            for token, platform in row["devices"]
        ]
    if memberships:
        session.execute(insert(MemberGroupMembership), memberships)
    if devices:
        session.execute(insert(MemberAppToken), devices)


class _Builder:
    def __init__(self, club: LoyaltyClub, context: DemoContext, store_ids: list[int], groups: dict[str, int]):
        self.club = club
        self.rng: random.Random = context.rng
        self.now = context.now
        self.days = max(context.options.days, 1)
        self.store_ids = store_ids
        self.groups = groups
        self.faker = Faker(FAKER_LOCALES.get(club.country or "", "en_GB"))
        self.faker.seed_instance(self.rng.randrange(2**31))
        cities = places.cities_of(club.country or "")[:60]
        self.home_city = cities[0] if cities else None
        self.cities = list(cities[1:])
        self.city_weights = [c.population**0.8 for c in self.cities]
        self.used_msisdns: set[str] = set()
        self.used_emails: set[str] = set()
        self.today = self.now.date()
        self.country = club.country or "NO"

    # --- single attributes ---------------------------------------------------------------------------

    def _birthday(self) -> date | None:
        if self.rng.random() < 0.08:
            return None
        band = self.rng.choices(range(len(AGE_BANDS)), weights=AGE_WEIGHTS)[0]
        if band == 0:
            low, high = 13, 14
        elif band == len(AGE_BANDS) - 1:
            low, high = 80, 92
        else:
            low, high = 15 + 5 * (band - 1), 19 + 5 * (band - 1)
        age = self.rng.randint(low, high)
        year = self.today.year - age
        day = 28 if (self.today.month, self.today.day) == (2, 29) else self.today.day
        latest = date(year, self.today.month, day)  # the day this member turned ``age``
        return latest - timedelta(days=self.rng.randrange(365))

    def _msisdn(self) -> str:
        while True:
            if self.rng.random() < 0.03:
                _country, prefix = self.rng.choice(FOREIGN_MSISDN)
                total = {"45": 10, "48": 11, "44": 12, "49": 13}[prefix[:2]]
            else:
                prefix = self.rng.choice(MOBILE_PREFIXES.get(self.country, MOBILE_PREFIXES["NO"]))
                total = 10 if prefix.startswith("47") else 11
            number = prefix + "".join(str(self.rng.randrange(10)) for _ in range(total - len(prefix)))
            if number not in self.used_msisdns:
                self.used_msisdns.add(number)
                return number

    def _email(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower().replace(" ", "")
        base = places.fold(base).replace(" ", "")
        domain = self.rng.choice(("gmail.com", "hotmail.com", "outlook.com", "online.no", "icloud.com", "yahoo.com"))
        email = f"{base}@{domain}"
        while email in self.used_emails:
            email = f"{base}{self.rng.randrange(10, 99)}@{domain}"
        self.used_emails.add(email)
        return email

    def _city(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.05 or self.home_city is None:
            return None
        if roll < 0.45 or not self.cities:
            return self.home_city.name
        return self.rng.choices(self.cities, weights=self.city_weights)[0].name

    def _created_at(self) -> datetime:
        if self.rng.random() < JOIN_WINDOW_SHARE:
            seconds = self.rng.randrange(self.days * 86400)
        else:
            seconds = self.days * 86400 + self.rng.randrange(3 * 365 * 86400)
        return self.now - timedelta(seconds=seconds)

    # --- one member ----------------------------------------------------------------------------------

    def row(self, n: int) -> dict[str, Any]:
        rng = self.rng
        gender = rng.choices(("woman", "man", "other", None), weights=(52, 42, 2, 4))[0]
        first = self.faker.first_name_female() if gender == "woman" else self.faker.first_name_male()
        last = self.faker.last_name()
        channel, subchannel, _ = rng.choices(CHANNELS, weights=[c[2] for c in CHANNELS])[0]
        app_user = channel.endswith("-app")
        birthday = self._birthday()
        msisdn = self._msisdn()
        email = self._email(first, last) if rng.random() < 0.8 else None
        properties: dict[str, Any] = {"first_name": first, "last_name": last, "msisdn": msisdn}
        if email:
            properties["email"] = email
        if birthday:
            properties["birthday"] = birthday.isoformat()
        if gender:
            properties["gender"] = gender
        city = self._city()
        if city:
            properties["city"] = city
        languages = self.club.languages or [self.club.default_language]
        properties["language"] = (
            languages[0] if rng.random() < 0.88 or len(languages) == 1 else rng.choice(languages[1:])
        )
        if rng.random() < 0.6:
            properties["interests"] = rng.sample(INTERESTS, rng.randint(1, 4))

        created_at = self._created_at()
        updated_at = created_at + timedelta(seconds=rng.randrange(max(int((self.now - created_at).total_seconds()), 1)))
        stamp = created_at.isoformat().replace("+00:00", "Z")
        consents = {
            name: {"status": rng.random() < rate, "updated_at": stamp}
            for name, rate in CONSENT_RATES.items()
            if rng.random() < 0.9
        }
        sms_status = rng.choices(("verified", "enabled", "barred", "disabled"), weights=(75, 20, 2, 3))[0]
        if n == 0:
            sms_status = "verified"  # the first member is the demo login: a verified, unbanned app user
        email_status = (
            rng.choices(
                ("verified", "enabled", "hard_bounced", "complained", "unsubscribed"), weights=(30, 60, 5, 1, 4)
            )[0]
            if email
            else "disabled"
        )
        devices = []
        if app_user and rng.random() < 0.72:
            platform = "android" if channel.startswith("android") else "ios"
            devices = [(f"{platform}-{rng.getrandbits(96):024x}", platform) for _ in range(rng.choice((1, 1, 1, 2)))]
        push_status = "enabled" if rng.random() < 0.85 else "disabled"

        member: dict[str, Any] = {
            "loyalty_club_id": self.club.id,
            "properties": properties,
            "consents": consents,
            "msisdn": msisdn,
            "email": email,
            "password_hash": None,
            "sms_status": sms_status,
            "email_status": email_status,
            "push_status": push_status,
            "optin_channel": channel,
            "optin_subchannel": subchannel,
            "subunit_ids": [],
            "favorite_stores": self._favorites(),
            "push_devices": len(devices),
            "banned_until": self.now + timedelta(days=rng.randint(7, 365))
            if rng.random() < BANNED_SHARE and n > 0
            else None,
            "deleted_at": None,
            "created_at": created_at,
            "updated_at": updated_at,
            "birthday_mmdd": birthday.month * 100 + birthday.day if birthday else None,
        }
        derived = derive(
            properties=properties,
            consents=consents,
            msisdn=msisdn,
            email=email,
            sms_status=sms_status,
            email_status=email_status,
            push_status=push_status,
            push_devices=len(devices),
            optin_channel=channel,
            club_country=self.club.country,
            today=self.today,
        )
        member.update(derived.__dict__)
        member["group_ids"] = self._group_ids(member, properties)
        if n > 0 and rng.random() < DEPARTED_SHARE:
            self._depart(member)
            devices = []
        return {"member": member, "devices": devices}

    def _favorites(self) -> list[int]:
        if not self.store_ids or self.rng.random() > 0.4:
            return []
        # Popular stores come first in the list: a Zipf-like pick.
        weights = [1 / (rank + 1) for rank in range(len(self.store_ids))]
        picked = {self.rng.choices(self.store_ids, weights=weights)[0] for _ in range(self.rng.randint(1, 4))}
        return sorted(picked)

    def _group_ids(self, member: dict[str, Any], properties: dict[str, Any]) -> list[int]:
        rng, chosen = self.rng, []
        if rng.random() < 0.06:
            chosen.append("VIP")
        if member["marketing_via_email"] and rng.random() < 0.7:
            chosen.append("Newsletter")
        if member["age"] in ("15-19", "20-24") and rng.random() < 0.5:
            chosen.append("Students")
        if "kids_and_family" in properties.get("interests", []) or (
            member["age"] in ("30-34", "35-39") and rng.random() < 0.3
        ):
            chosen.append("Families")
        if member["age"] in ("65-69", "70-74", "75-79", "80-"):
            chosen.append("Seniors")
        if rng.random() < 0.01:
            chosen.append("Staff")
        return sorted(self.groups[name] for name in chosen)

    def _depart(self, member: dict[str, Any]) -> None:
        """A member who left during the demo period: anonymised like ``destroy_member``."""
        left = member["created_at"] + (self.now - member["created_at"]) * self.rng.random()
        member.update(
            properties=public_properties(member["properties"]),
            consents={},
            msisdn=None,
            email=None,
            sms_status="disabled",
            email_status="disabled",
            push_status="disabled",
            marketing_via_sms=False,
            marketing_via_email=False,
            marketing_via_push=False,
            marketing_via_anything=False,
            group_ids=[],
            favorite_stores=[],
            push_devices=0,
            birthday_mmdd=None,
            deleted_at=left,
            updated_at=left,
        )
