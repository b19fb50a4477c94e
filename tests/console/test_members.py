"""Console members: search by e-mail, phone number or id (the API's list query), the profile, and banning
through the API's update schema and service."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.member_offers import factories as mo


def test_search_by_email_phone_or_id_and_open_the_profile(console_as, club, session):
    anna = mo.member(
        session, club, email="anna@example.com", properties={"first_name": "Anna", "email": "anna@example.com"}
    )
    bob = mo.member(session, club, msisdn="4790123123", properties={"first_name": "Bob", "msisdn": "4790123123"})
    console = console_as(club)
    listed = console.get(f"/console/{club.slug}/members")
    assert listed.status_code == 200 and f'data-member-id="{anna.id}"' in listed.text and "Anna" in listed.text
    by_email = console.get(f"/console/{club.slug}/members?q=ANNA@")
    assert by_email.text.count("data-member-id=") == 1 and "Anna" in by_email.text
    by_phone = console.get(f"/console/{club.slug}/members?q=0123123")
    assert by_phone.text.count("data-member-id=") == 1 and "Bob" in by_phone.text
    by_id = console.get(f"/console/{club.slug}/members?q={bob.id}", headers={"HX-Request": "true"})
    assert f'data-member-id="{bob.id}"' in by_id.text and "<html" not in by_id.text
    assert "No members match" in console.get(f"/console/{club.slug}/members?q=nobody-here").text
    profile = console.get(f"/console/{club.slug}/members/{anna.id}")
    assert profile.status_code == 200 and "anna@example.com" in profile.text and "<h1>Anna" in profile.text


def test_ban_and_unban(console_as, club, session):
    member = mo.member(session, club)
    console = console_as(club)
    banned = console.post(
        f"/console/{club.slug}/members/{member.id}/ban", {"action": "ban", "until": "2030-01-01T12:00"}
    )
    assert banned.status_code == 303
    session.refresh(member)
    assert member.banned_until == datetime(2030, 1, 1, 11, 0, tzinfo=UTC)  # Oslo wall time
    assert "banned until 2030-01-01 11:00 UTC" in console.get(f"/console/{club.slug}/members/{member.id}").text
    assert f'data-member-id="{member.id}"' in console.get(f"/console/{club.slug}/members?banned=yes").text
    refused = console.post(f"/console/{club.slug}/members/{member.id}/ban", {"action": "ban", "until": ""})
    assert refused.status_code == 422 and "must be a datetime" in refused.text
    console.post(f"/console/{club.slug}/members/{member.id}/ban", {"action": "unban"})
    session.refresh(member)
    assert member.banned_until is None


def test_what_each_role_may_do_with_members(console_as, club, session):
    member = mo.member(session, club)
    analyst = console_as(club, role="analyst")
    assert analyst.get(f"/console/{club.slug}/members").status_code == 200
    assert f"/members/{member.id}" not in analyst.get(f"/console/{club.slug}/members").text
    assert analyst.get(f"/console/{club.slug}/members/{member.id}").status_code == 403
    manager = console_as(club, role="offers_manager")
    profile = manager.get(f"/console/{club.slug}/members/{member.id}")
    assert profile.status_code == 200 and "Banned until" not in profile.text
    refused = manager.post(
        f"/console/{club.slug}/members/{member.id}/ban", {"action": "ban", "until": "2030-01-01T12:00"}
    )
    assert refused.status_code == 403 and "Missing permit BL:Api:Members:Update" in refused.text
    session.refresh(member)
    assert member.banned_until is None


def test_the_profile_shows_grants_uses_messages_and_points_to_roles_that_may_read_them(
    console_as, club, session, client, factory
):
    from loyaltyhub.messaging.models import Dispatch, Message, Sending
    from loyaltyhub.offers.grants import grant_offer

    member = mo.member(session, club, properties={"first_name": "Cecilie"})
    granted = mo.offer(session, club, name={"en": "Granted cake"})
    used = mo.offer(session, club, name={"en": "Used coffee"})
    grant_offer(session, club.id, granted.id, [member.id])
    token = factory.client_token([club])
    use = client.post(f"/v3/{club.slug}/members/{member.id}/offers/{used.id}/use", headers=factory.headers(token))
    assert use.status_code in (200, 201), use.text
    message = Message(loyalty_club_id=club.id, service="generic", name="Autumn news")
    session.add(message)
    session.flush()
    sending = Sending(
        loyalty_club_id=club.id, message_id=message.id, status="transmitted", recipients=[], properties={}
    )
    session.add(sending)
    session.flush()
    session.add(
        Dispatch(
            loyalty_club_id=club.id,
            sending_id=sending.id,
            recipient_key=f"member:{member.id}",
            member_id=member.id,
            channel="sms",
            address=member.msisdn,
            transmission_status="transmitted",
        )
    )
    session.flush()

    page = console_as(club).get(f"/console/{club.slug}/members/{member.id}")
    assert page.status_code == 200
    grants = page.text.split('id="member-grants"')[1].split("</section>")[0]
    assert f'data-offer-id="{granted.id}"' in grants and "Granted cake" in grants
    uses = page.text.split('id="member-uses"')[1].split("</section>")[0]
    assert f'data-offer-id="{used.id}"' in uses and "Used coffee" in uses
    sent = page.text.split('id="member-messages"')[1].split("</section>")[0]
    assert "Autumn news" in sent and "transmitted" in sent
    assert "Not a member of the rewards program." in page.text

    from loyaltyhub.auth import permits
    from loyaltyhub.auth.context import ClubAccess
    from loyaltyhub.auth.principal import Principal
    from loyaltyhub.console import members as console_members

    held = frozenset({permits.MEMBERS_SHOW, permits.OFFERS_LIST})
    only_offers = ClubAccess(Principal(kind="user", id=1, name="x", grants=()), club, held)
    seen = console_members.history(session, only_offers, member.id)
    assert [offer.id for _grant, offer in seen.grants] == [granted.id] and seen.dispatches is None
    assert seen.points is None
