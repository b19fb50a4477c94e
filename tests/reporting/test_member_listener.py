"""The members service's change events keep grouped counts and balance events up to date."""

from __future__ import annotations

from sqlalchemy import select

from loyaltyhub.members.service import destroy_member, update_member
from loyaltyhub.reporting.grouping import rebuild
from loyaltyhub.reporting.models import MemberBalanceEvent, MembersGroupedCount
from tests.members.factories import member


def counts(session, club):
    rows = session.execute(
        select(MembersGroupedCount).where(
            MembersGroupedCount.loyalty_club_id == club.id, MembersGroupedCount.members_count > 0
        )
    ).scalars()
    return {(r.grouping_type, r.grouping_value): r.members_count for r in rows}


def test_service_changes_move_the_counters_like_a_rebuild(session, factory):
    club = factory.club()
    kari = member(session, club, properties={"gender": "woman"}, consents={"sms_marketing": {"status": True}})
    member(session, club, properties={"gender": "woman"}, optin_channel="webforms")
    update_member(session, club, kari, {"properties": {"gender": "man"}, "subunit_ids": [4]})
    ola = member(session, club)
    destroy_member(session, ola)
    incremental = counts(session, club)
    assert incremental[("gender", "woman")] == 1
    assert incremental[("gender", "man")] == 1
    assert incremental[("subunit_id", "4")] == 1
    assert incremental[("optin_channel", "webforms")] == 1
    rebuild(session, club.id)
    assert counts(session, club) == incremental
    kinds = session.execute(
        select(MemberBalanceEvent.type)
        .where(MemberBalanceEvent.loyalty_club_id == club.id)
        .order_by(MemberBalanceEvent.id)
    ).scalars()
    assert list(kinds) == ["in", "in", "in", "out"]


def test_the_platform_wires_the_reporting_listeners_and_a_bare_import_knows_the_tables():
    import subprocess
    import sys

    code = (
        "import loyaltyhub.reporting.routes\n"
        "from loyaltyhub.wiring import build_services\n"
        "from loyaltyhub.reporting.balance import record_balance\n"
        "from loyaltyhub.reporting.grouping import on_member_change\n"
        "assert {on_member_change, record_balance} <= set(build_services().member_listeners)\n"
        "from loyaltyhub.reporting.registry import reports\n"
        "[r.source() for r in reports().values()]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
