"""Console member groups: the club's groups with their counts, a group created through the API's schema
and service (its 422s next to the field), a member added to and removed from groups on their page (the
member's ``group_ids`` follow, as through the API), roles and another club's groups."""

from __future__ import annotations

import re

from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.models import Member
from tests.member_offers import factories as mo
from tests.members import factories as members


def test_list_and_create_groups(console_as, club, session):
    vip = members.group(session, club, name="VIP")
    session.flush()
    anna = mo.member(session, club)
    from loyaltyhub.members.groups import service

    service.add_members(session, club, vip, [anna.id])
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/groups")
    assert page.status_code == 200, page.text
    assert re.search(
        rf'data-group-id="{vip.id}"><td><a href="[^"]+/groups/{vip.id}">VIP</a></td><td></td><td>1</td>', page.text
    )
    created = console.post(f"/console/{club.slug}/groups", {"name": "Families", "description": "With kids"})
    assert created.status_code == 303, created.text
    assert "Group created." in console.get(created.headers["location"]).text
    assert (
        session.query(MemberGroup).filter_by(loyalty_club_id=club.id, name="Families").one().description == "With kids"
    )
    taken = console.post(f"/console/{club.slug}/groups", {"name": "VIP", "description": ""})
    assert taken.status_code == 422
    assert re.search(r'data-field="name"><li data-error="taken">', taken.text)
    blank = console.post(f"/console/{club.slug}/groups", {"name": "  ", "description": "x"})
    assert blank.status_code == 422 and 'data-field="name"' in blank.text and 'value="x"' in blank.text
    assert session.query(MemberGroup).filter_by(loyalty_club_id=club.id).count() == 2


def test_add_a_member_to_groups_and_remove_them(console_as, club, session):
    vip, families = members.group(session, club, name="VIP"), members.group(session, club, name="Families")
    member = mo.member(session, club)
    console = console_as(club)
    page = console.get(f"/console/{club.slug}/members/{member.id}")
    assert "In no group." in page.text and f'<option value="{vip.id}">VIP</option>' in page.text
    added = console.post(f"/console/{club.slug}/members/{member.id}/groups", {"group_id": str(vip.id)})
    assert added.status_code == 303, added.text
    console.post(f"/console/{club.slug}/members/{member.id}/groups", {"group_id": str(families.id)})
    session.expire_all()
    assert sorted(session.get(Member, member.id).group_ids) == sorted([vip.id, families.id])
    page = console.get(f"/console/{club.slug}/members/{member.id}")
    assert f'<li data-group-id="{vip.id}">VIP' in page.text and 'id="group_id"' not in page.text  # in every group
    removed = console.post(f"/console/{club.slug}/members/{member.id}/groups/{vip.id}/remove")
    assert removed.status_code == 303
    session.expire_all()
    assert session.get(Member, member.id).group_ids == [families.id]
    assert "Removed from the group." in console.get(removed.headers["location"].split("#")[0]).text
    # A group that is not the club's: 404, nothing changes; a missing choice: 422 at the select.
    assert console.post(f"/console/{club.slug}/members/{member.id}/groups", {"group_id": "999999"}).status_code == 404
    refused = console.post(f"/console/{club.slug}/members/{member.id}/groups", {"group_id": ""})
    assert refused.status_code == 422 and 'id="group-errors"' in refused.text


def test_roles_and_another_club(console_as, club, session, factory):
    vip = members.group(session, club, name="VIP")
    member = mo.member(session, club)
    manager = console_as(club, role="offers_manager")  # may list groups, not change them
    assert manager.get(f"/console/{club.slug}/groups").status_code == 200
    profile = manager.get(f"/console/{club.slug}/members/{member.id}")
    assert 'id="groups-title"' in profile.text and 'id="group_id"' not in profile.text
    assert (
        manager.post(f"/console/{club.slug}/members/{member.id}/groups", {"group_id": str(vip.id)}).status_code == 403
    )
    assert manager.post(f"/console/{club.slug}/groups", {"name": "Mine"}).status_code == 403
    analyst = console_as(club, role="analyst")
    assert analyst.get(f"/console/{club.slug}/groups").status_code == 403
    other = factory.club()
    stranger = console_as(other)
    assert stranger.get(f"/console/{club.slug}/groups").status_code == 404
    moved = stranger.post(f"/console/{other.slug}/members/{member.id}/groups", {"group_id": str(vip.id)})
    assert moved.status_code == 404
    other_member = mo.member(session, other)
    moved = stranger.post(f"/console/{other.slug}/members/{other_member.id}/groups", {"group_id": str(vip.id)})
    assert moved.status_code == 404
    session.expire_all()
    assert session.get(Member, member.id).group_ids in (None, []) and session.get(
        Member, other_member.id
    ).group_ids in (None, [])


def test_rename_and_delete_a_group(console_as, club, session, factory):
    from loyaltyhub.members.groups import service

    vip, families = members.group(session, club, name="VIP"), members.group(session, club, name="Families")
    anna = mo.member(session, club)
    service.add_members(session, club, vip, [anna.id])
    vip_id, families_id, anna_id = vip.id, families.id, anna.id
    console = console_as(club)
    listing = console.get(f"/console/{club.slug}/groups")
    assert f'<a href="/console/{club.slug}/groups/{vip.id}">VIP</a>' in listing.text
    page = console.get(f"/console/{club.slug}/groups/{vip.id}")
    assert page.status_code == 200 and "1 members" in page.text and 'value="VIP"' in page.text
    saved = console.post(f"/console/{club.slug}/groups/{vip.id}", {"name": " Gold ", "description": "Top spenders"})
    assert saved.status_code == 303, saved.text
    assert "Group saved." in console.get(saved.headers["location"]).text
    session.expire_all()
    assert (session.get(MemberGroup, vip.id).name, session.get(MemberGroup, vip.id).description) == (
        "Gold",
        "Top spenders",
    )
    taken = console.post(f"/console/{club.slug}/groups/{vip.id}", {"name": "Families", "description": ""})
    assert taken.status_code == 422 and re.search(r'data-field="name"><li data-error="taken">', taken.text)
    assert 'value="Families"' in taken.text, "the form keeps what was typed"
    blank = console.post(f"/console/{club.slug}/groups/{vip.id}", {"name": "", "description": ""})
    assert blank.status_code == 422
    session.expire_all()
    assert session.get(MemberGroup, vip.id).name == "Gold", "a refused form changes nothing"

    deleted = console.post(f"/console/{club.slug}/groups/{vip.id}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"].endswith("/groups?done=deleted")
    assert "Group deleted." in console.get(deleted.headers["location"]).text
    session.expire_all()
    assert session.get(MemberGroup, vip_id) is None
    assert session.get(Member, anna_id).group_ids in (None, []), "its members left it, as through the API"
    assert session.get(MemberGroup, families_id) is not None
    assert console.get(f"/console/{club.slug}/groups/{vip_id}").status_code == 404


def test_who_may_rename_and_delete_groups(console_as, club, session, factory):
    vip = members.group(session, club, name="VIP")
    manager = console_as(club, role="offers_manager")  # lists groups, does not change them
    assert f'/groups/{vip.id}"' not in manager.get(f"/console/{club.slug}/groups").text
    shown = manager.get(f"/console/{club.slug}/groups/{vip.id}")
    assert shown.status_code == 200 and 'id="edit-group"' not in shown.text and 'id="delete-group"' not in shown.text
    assert manager.post(f"/console/{club.slug}/groups/{vip.id}", {"name": "Mine"}).status_code == 403
    assert manager.post(f"/console/{club.slug}/groups/{vip.id}/delete").status_code == 403
    other = factory.club()
    stranger = console_as(other)
    assert stranger.get(f"/console/{other.slug}/groups/{vip.id}").status_code == 404
    assert stranger.post(f"/console/{other.slug}/groups/{vip.id}", {"name": "Mine"}).status_code == 404
    assert stranger.post(f"/console/{other.slug}/groups/{vip.id}/delete").status_code == 404
    session.expire_all()
    assert session.get(MemberGroup, vip.id).name == "VIP"
