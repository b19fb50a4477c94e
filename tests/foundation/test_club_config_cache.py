"""The per-club configuration cache (loyaltyhub.clubs.config_cache): served without loading while the club's
stamp is unchanged, loaded again after any change of a watched table, never filled by the session that
changed it."""

from __future__ import annotations

from sqlalchemy import select

from loyaltyhub.clubs import config_cache
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.triggers import system
from loyaltyhub.triggers.models import TriggerRule
from loyaltyhub.webhooks.models import WebhookSubscription
from tests.webhooks.factories import subscription


def _rule_names(session, club_id):
    _rule_names.loads += 1
    return tuple(
        sorted(
            key or "client"
            for key in session.execute(
                select(TriggerRule.system_key).where(
                    TriggerRule.loyalty_club_id == club_id, TriggerRule.deleted_at.is_(None)
                )
            ).scalars()
        )
    )


def _stamp(session, club_id):
    return session.execute(select(LoyaltyClub.config_stamp).where(LoyaltyClub.id == club_id)).scalar_one()


def test_served_from_the_cache_until_a_watched_row_changes(units, factory, session):
    club = factory.club()
    session.commit()
    cache = config_cache.ClubConfigCache(_rule_names)
    _rule_names.loads = 0
    with units(write=True) as unit:
        first = cache.get(unit, club.id)
    with units(write=True) as unit:
        assert cache.get(unit, club.id) == first
    assert _rule_names.loads == 1
    with units(write=True) as unit:
        before = _stamp(unit, club.id)
        rule = unit.execute(select(TriggerRule).where(TriggerRule.loyalty_club_id == club.id)).scalars().first()
        rule.paused = not rule.paused  # an ORM change: the flush gives the club a new stamp
        unit.flush()
        assert _stamp(unit, club.id) != before
    with units(write=True) as unit:
        unit.execute(TriggerRule.__table__.delete().where(TriggerRule.__table__.c.loyalty_club_id == club.id))
        config_cache.changed(unit, club.id)  # a Core write says so itself
        assert cache.get(unit, club.id) == ()  # its own change, read fresh
    assert _rule_names.loads == 2
    with units(write=True) as unit:
        system.ensure(unit, club.id)  # a Core insert that restamps
    with units(write=True) as unit:
        assert cache.get(unit, club.id) == first
    assert _rule_names.loads == 3


def test_a_rolled_back_change_never_reaches_the_cache(units, factory, session):
    club = factory.club()
    session.commit()
    cache = config_cache.ClubConfigCache(_rule_names)
    with units(write=True) as unit:
        first = cache.get(unit, club.id)
    try:
        with units(write=True) as unit:
            unit.execute(TriggerRule.__table__.delete().where(TriggerRule.__table__.c.loyalty_club_id == club.id))
            config_cache.changed(unit, club.id)
            assert cache.get(unit, club.id) == ()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with units(write=True) as unit:
        assert cache.get(unit, club.id) == first


def test_a_disabled_subscription_gets_no_more_deliveries(units, factory, session):
    from loyaltyhub.webhooks import outbox

    club = factory.club()
    sub = subscription(session, club)
    session.commit()
    with units(write=True) as unit:
        assert outbox._wanting(unit, club.id, "offer.created") == [sub.id]
    with units(write=True) as unit:
        row = unit.get(WebhookSubscription, sub.id)
        row.active = False
    with units(write=True) as unit:
        assert outbox._wanting(unit, club.id, "offer.created") == []
