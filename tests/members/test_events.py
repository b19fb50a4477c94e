"""Member change events: every create, update, destroy and group change reaches the listeners."""

from __future__ import annotations

from dataclasses import replace

import pytest

from loyaltyhub.members import service
from loyaltyhub.members.events import reporting_snapshot
from loyaltyhub.members.groups import service as groups
from loyaltyhub.members.identity import devices
from loyaltyhub.services import SESSION_KEY
from tests.members import factories as members


@pytest.fixture
def changes(session):
    """The changes announced to a listener added to the session's services (besides the app's own)."""
    seen: list[tuple[dict | None, dict | None]] = []

    def listener(session, before, after):
        seen.append((before, after))

    services = session.info[SESSION_KEY]
    session.info[SESSION_KEY] = replace(services, member_listeners=(*services.member_listeners, listener))
    return seen


def test_create_update_destroy_are_announced_with_snapshots(session, factory, changes):
    club = factory.club()
    member = members.member(
        session,
        club,
        properties={"gender": "woman", "birthday": "2000-02-02"},
        consents={"sms_marketing": {"status": True}},
    )
    assert len(changes) == 1
    before, after = changes[0]
    assert before is None
    assert after["id"] == member.id and after["loyalty_club_id"] == club.id
    assert after["consents"] == {"sms_marketing": True}
    assert after["gender"] == "woman" and after["birth_year_group"] == 2000
    assert after["optin_platform"] == "android"
    assert set(after) >= {
        "optin_channel",
        "optin_subchannel",
        "age",
        "marketing_via_sms",
        "marketing_via_email",
        "marketing_via_push",
        "marketing_via_anything",
        "subunit_ids",
        "group_ids",
        "favorite_stores",
        "location_country",
        "msisdn_country",
        "city_place_id",
        "place_id",
        "created_at",
    }

    service.update_member(session, club, member, {"properties": {"gender": "man"}})
    before, after = changes[-1]
    assert (before["gender"], after["gender"]) == ("woman", "man")

    service.destroy_member(session, member)
    before, after = changes[-1]
    assert before["id"] == member.id and after is None


def test_group_membership_changes_are_announced(session, factory, changes):
    club = factory.club()
    member = members.member(session, club)
    group = members.group(session, club)
    groups.add_members(session, club, group, [member.id])
    assert changes[-1][0]["group_ids"] == [] and changes[-1][1]["group_ids"] == [group.id]
    groups.remove_members(session, club, group, [member.id])
    assert changes[-1][0]["group_ids"] == [group.id] and changes[-1][1]["group_ids"] == []


def test_push_device_changes_marketing_via_push(session, factory, changes):
    club = factory.club()
    member = members.member(session, club)
    devices.register_app_token(session, club, member, token="device-token-1", platform="ios", product_name="ios-app")
    before, after = changes[-1]
    assert (before["push_devices"], after["push_devices"]) == (0, 1)
    assert (before["marketing_via_push"], after["marketing_via_push"]) == (False, True)


def test_a_device_moves_to_its_new_owner(session, factory):
    club = factory.club()
    first, second = members.member(session, club), members.member(session, club)
    devices.register_app_token(session, club, first, token="shared-device", platform=None, product_name=None)
    devices.register_app_token(session, club, second, token="shared-device", platform=None, product_name=None)
    assert (first.push_devices, second.push_devices) == (0, 1)


def test_a_failing_listener_aborts_the_change(session, factory):
    club = factory.club()

    def broken(session, before, after):
        raise RuntimeError("reporting is down")

    services = session.info[SESSION_KEY]
    session.info[SESSION_KEY] = replace(services, member_listeners=(broken,))
    with pytest.raises(RuntimeError):
        members.member(session, club)


def test_snapshot_sorts_arrays(session, factory):
    club = factory.club()
    member = members.member(session, club)
    member.subunit_ids = [3, 1, 2]
    assert reporting_snapshot(member)["subunit_ids"] == [1, 2, 3]
