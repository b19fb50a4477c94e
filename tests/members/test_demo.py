"""The demo steps of stores and members: deterministic, realistic, consistent with the derivation rules."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.demo import DemoContext, DemoOptions
from loyaltyhub.demo import clubs as demo_clubs
from loyaltyhub.members import demo as members_demo
from loyaltyhub.members.derived import derive
from loyaltyhub.members.groups.models import MemberGroupMembership
from loyaltyhub.members.models import Member
from loyaltyhub.stores import demo as stores_demo
from loyaltyhub.stores.models import Store

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def _context(members: int = 300, seed: int = 7) -> DemoContext:
    return DemoContext(options=DemoOptions(members=members, days=30, seed=seed), rng=random.Random(seed), now=NOW)


def test_same_seed_same_members():
    club = LoyaltyClub(id=1, name="Infinity Mall", country="NO", default_language="no", languages=["no", "en"])

    def rows(seed):
        context = _context(seed=seed)
        builder = members_demo._Builder(
            club, context, store_ids=[1, 2, 3], groups={n: i for i, (n, _) in enumerate(members_demo.GROUPS)}
        )
        return [builder.row(n)["member"] for n in range(50)]

    assert rows(3) == rows(3)
    assert rows(3) != rows(4)


def test_demo_steps_load_stores_members_groups_and_a_login(session):
    context = _context()
    demo_clubs.load(session, context)
    stores_demo.load(session, context)
    members_demo.load(session, context)
    main, second = context.clubs.values()

    store_counts = dict(
        session.execute(select(Store.loyalty_club_id, func.count()).group_by(Store.loyalty_club_id)).all()
    )
    assert 80 <= store_counts[main.id] <= 120 and 55 <= store_counts[second.id] <= 75

    people = list(session.execute(select(Member).where(Member.loyalty_club_id == main.id)).scalars())
    assert len(people) == 300
    assert len(context.data["member_ids"][main.slug]) == sum(1 for m in people if m.deleted_at is None)
    genders = Counter(m.gender for m in people)
    assert genders["woman"] > genders["man"] > genders["other"]
    platforms = Counter(m.optin_platform for m in people)
    assert platforms["android"] + platforms["ios"] > len(people) / 2
    assert {"webforms", "website"} <= set(platforms)
    ages = Counter(m.age for m in people)
    assert ages["30-34"] > ages["70-74"]
    assert all(m.location_country == "NO" for m in people)
    assert sum(1 for m in people if m.city_place_id) > len(people) * 0.9

    for member in people:
        if member.deleted_at is not None:
            assert member.msisdn is None and "first_name" not in member.properties
            continue
        derived = derive(
            properties=member.properties,
            consents=member.consents,
            msisdn=member.msisdn,
            email=member.email,
            sms_status=member.sms_status,
            email_status=member.email_status,
            push_status=member.push_status,
            push_devices=member.push_devices,
            optin_channel=member.optin_channel,
            club_country=main.country,
            today=NOW.date(),
        )
        assert {k: getattr(member, k) for k in derived.__dict__} == derived.__dict__, member.id

    memberships = session.execute(
        select(func.count()).select_from(MemberGroupMembership).where(MemberGroupMembership.loyalty_club_id == main.id)
    ).scalar_one()
    assert memberships == sum(len(m.group_ids) for m in people)

    login = context.credentials["member"]
    member = session.get(Member, login["id"])
    assert member.msisdn == login["identifier"] and member.has_password and member.deleted_at is None
