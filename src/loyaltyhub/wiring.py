"""Which implementation of each pluggable part the platform runs with: the one place that names them all."""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from loyaltyhub.db.session import unit_of_work as db_unit_of_work
from loyaltyhub.services import SESSION_KEY, AppServices, SystemMessages
from loyaltyhub.settings import Settings


def build_services(settings: Settings | None = None) -> AppServices:
    """The services of a running platform (the app, the worker, the CLI). With ``settings`` (all three) an
    offer's image is rendered when the offer changes; it needs the file storage and the fonts (without
    them, as in scripts and benchmarks, offers keep the image they have)."""
    from loyaltyhub.events.listeners import on_member_change as record_member_events
    from loyaltyhub.events.listeners import on_resource_change as record_offer_events
    from loyaltyhub.exports.source import ReportingSource
    from loyaltyhub.members.service import forget_favorite_store
    from loyaltyhub.messaging.outbox import send_outbox_message
    from loyaltyhub.messaging.service import check_system_message, send_system_message
    from loyaltyhub.reporting.balance import record_balance
    from loyaltyhub.reporting.grouping import on_member_change as keep_grouped_counts
    from loyaltyhub.rewards.achievements.service import on_events as earn_achievements
    from loyaltyhub.triggers.queue import on_events as queue_trigger_work
    from loyaltyhub.triggers.system import on_club_created as make_system_rules
    from loyaltyhub.webhooks.outbox import on_member_change as webhook_members
    from loyaltyhub.webhooks.outbox import on_resource_change as webhook_resources

    offer_listeners: tuple = ()
    if settings is not None:
        from loyaltyhub.offer_images.service import OfferImageRenderer

        offer_listeners = (OfferImageRenderer(settings.uploaded_files(), settings.fonts_dir),)
    return AppServices(
        member_listeners=(
            keep_grouped_counts,
            record_balance,
            webhook_members,
            record_member_events,
        ),
        store_removal_listeners=(forget_favorite_store,),
        outbox_sender=send_outbox_message,
        export_rows=ReportingSource(),
        resource_listeners=(webhook_resources, record_offer_events),
        event_listeners=(earn_achievements, queue_trigger_work),
        club_listeners=(make_system_rules,),
        offer_listeners=offer_listeners,
        system_messages=SystemMessages(check=check_system_message, send=send_system_message),
    )


def unit_of_work(engine: Engine, *, write: bool) -> AbstractContextManager[Session]:
    """A transaction with the platform's services bound, for code outside the app and the worker (the CLI,
    scripts, benchmarks): see :func:`loyaltyhub.db.session.unit_of_work`."""
    return db_unit_of_work(engine, write=write, **{SESSION_KEY: build_services()})
