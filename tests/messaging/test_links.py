"""Short and tracked links, the open pixel and the one-click unsubscribe, end to end: a campaign goes
through a real SMTP server, a recipient clicks the link in the e-mail it got (302, the visit recorded),
opens it, unsubscribes with the RFC 8058 headers; the reports and the history show it. Also Generate Link
and the public endpoints' refusals (other clubs' references, forged signatures)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from loyaltyhub.members.models import Member
from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.links import (
    PublicUrls,
    find_urls,
    parse_link_ref,
    parse_recipient_ref,
    recipient_ref,
    rewrite,
    split_url,
)
from loyaltyhub.messaging.models import Dispatch, Link, LinkVisit
from tests.members import factories as members
from tests.messaging.conftest import Api, make_api
from tests.messaging.smtp_sink import SmtpSink

CONSENT = {"email_marketing": {"status": True}}
URL = "https://example.com/an_example?utm_source=newsletter&utm_campaign=spring&x=1"
BODY = f'<html><body><p>Hei {{{{ member.first_name }}}}</p><a href="{URL}">See</a> https://other.example/page.</body></html>'


@pytest.fixture
def urls(settings) -> PublicUrls:  # type: ignore[no-untyped-def]
    return PublicUrls(settings.links_base_url, settings.secret_key)


def campaign(*, track: bool = True, shorten: bool = True, campaign_id: int | None = 7265) -> dict:  # type: ignore[type-arg]
    return {
        "message": {
            "name": "Spring",
            "shorten_urls": shorten,
            "track_in_shortener": track,
            "campaign_id": campaign_id,
            "channels": [
                {
                    "type": "email",
                    "template": {
                        "type": "inline",
                        "definition": {"type": "email", "content": {"subject": "Spring", "body": BODY}},
                    },
                }
            ],
        }
    }


def send(api: Api, units, urls: PublicUrls, sink: SmtpSink, recipients: list[Member], **kw) -> int:  # type: ignore[no-untyped-def]
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    response = api.post("/campaigns", campaign(**kw))
    assert response.status_code == 201, response.text
    message_id = response.json()["message"]["id"]
    response = api.post(
        f"/campaigns/{message_id}/sendings",
        {"sending": {"schedule": {"type": "immediate"}, "recipients": [{"member_id": m.id} for m in recipients]}},
    )
    assert response.status_code == 201, response.text
    run_messaging(units, "w", urls=urls)
    return response.json()["sending"]["id"]  # type: ignore[no-any-return]


def html_of(received) -> str:  # type: ignore[no-untyped-def]
    part = next(p for p in received.message.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode()  # type: ignore[no-any-return]


def path_of(url: str) -> str:
    return urlsplit(url).path


def member(api: Api, n: int) -> Member:
    return members.member(
        api.session, api.club, properties={"first_name": f"N{n}", "email": f"l{n}@example.com"}, consents=CONSENT
    )


# --- pure rules -----------------------------------------------------------------------------------------


def test_urls_are_found_and_rewritten_keeping_punctuation():
    content = {"body": "Go https://a.example/x?utm_source=s. or (https://b.example/y)", "subject": "https://c/"}
    assert find_urls(content) == ["https://a.example/x?utm_source=s", "https://b.example/y"]
    rewritten = rewrite(content, lambda url: "S" if "a.example" in url else None)
    assert rewritten["body"] == "Go S. or (https://b.example/y)"
    assert rewritten["subject"] == "https://c/"  # only body, text, url and uri carry links
    parts = split_url("https://Example.com/p/q?utm_medium=email&utm_term=t")
    assert (parts.host, parts.path, parts.utm["utm_medium"], parts.utm["utm_term"], parts.utm["utm_source"]) == (
        "example.com",
        "/p/q",
        "email",
        "t",
        None,
    )


def test_recipient_references_are_signed():
    ref = recipient_ref("secret", 3, 41)
    assert parse_recipient_ref("secret", ref) == (3, 41)
    assert parse_recipient_ref("other", ref) is None
    club, dispatch, signature = ref.split(".")
    assert parse_recipient_ref("secret", f"4.{dispatch}.{signature}") is None
    assert parse_recipient_ref("secret", f"{club}.42.{signature}") is None
    assert parse_recipient_ref("secret", "garbage") is None
    assert parse_link_ref("12-abcdefghij") == (12, "abcdefghij")
    assert parse_link_ref("12-abc") is None and parse_link_ref("x-abcdefghij") is None
    # "²" is a digit to str.isdigit() and no number to int(): not a reference (it was a 500).
    assert parse_link_ref("²-abcdefghij") is None
    assert parse_recipient_ref("secret", f"².{dispatch}.{signature}") is None
    assert parse_recipient_ref("secret", f"{club}.9999999999999999999.{signature}") is None


# --- end to end ------------------------------------------------------------------------------------------


def test_a_tracked_link_is_clicked_opened_and_reported(api: Api, units, urls, sink, client, factory):  # type: ignore[no-untyped-def]
    people = [member(api, n) for n in range(3)]
    sending_id = send(api, units, urls, sink, people)
    assert len(sink.received) == 3
    by_to = {r.to: r for r in sink.received}
    html = html_of(by_to[people[0].email])
    assert URL.replace("&", "&amp;") not in html and URL not in html
    short = re.findall(r'href="([^"]+)"', html)[0]
    assert short.startswith(urls.base_url + "/s/") and short.count("/") == 5  # tracked: /s/<link>/<recipient>
    # Links are per sending and URL: every recipient has the same link code, their own recipient part.
    other = re.findall(r'href="([^"]+)"', html_of(by_to[people[1].email]))[0]
    assert other.split("/")[4] == short.split("/")[4] and other != short
    # The second URL is shortened too, its sentence's full stop kept.
    assert re.search(r"> http://[^ ]+/s/\d+-\w{10}/[\w.\-]+\.<img", html)

    response = client.get(path_of(short), follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == URL
    client.get(path_of(short), follow_redirects=False)  # twice: 2 visits, 1 unique
    client.cookies.clear()
    client.get(path_of(other), follow_redirects=False)
    visits = list(api.session.execute(select(LinkVisit).where(LinkVisit.sending_id == sending_id)).scalars())
    assert sorted(v.visitor_key for v in visits) == sorted(
        [f"member:{people[0].id}", f"member:{people[0].id}", f"member:{people[1].id}"]
    )

    pixel = re.findall(r'<img src="([^"]+)"', html)[0]
    for _ in range(2):
        response = client.get(path_of(pixel))
        assert response.status_code == 200 and response.headers["content-type"] == "image/gif"
    api.session.expire_all()
    opened = api.session.execute(select(Dispatch).where(Dispatch.member_id == people[0].id)).scalar_one()
    assert opened.opens_count == 2 and opened.opened_at is not None

    reporting = factory.headers(factory.client_token([api.club]), **{"X-Customer": str(api.club.id)})

    def query(**body):  # type: ignore[no-untyped-def]
        response = client.post("/v1/reporting/query", json=body, headers=reporting)
        assert response.status_code == 200, response.text
        return response.json()

    links = query(report="sendings_links", filter={"type": "equal", "field": "host", "value": "example.com"})
    assert links["records"] == [
        {
            "loyalty_club_id": api.club.id,
            "source_id": "7265",
            "source_type": "sending",
            "host": "example.com",
            "path": "/an_example",
            "utm_campaign": "spring",
            "utm_content": None,
            "utm_medium": None,
            "utm_source": "newsletter",
            "utm_term": None,
            "visits_count": 3,
            "unique_visits_count": 2,
        }
    ]
    stats = query(report="sendings_links_stats")["records"]
    assert stats == [{"loyalty_club_id": api.club.id, "source_id": "7265", "visits_count": 3, "unique_visits_count": 2}]
    span = {
        "from": (date.today() - timedelta(days=2)).isoformat(),
        "to": (date.today() + timedelta(days=2)).isoformat(),
    }
    history = query(report="links_visits_history", interval="1d", aggregate_by="source_id", filter=None, **span)
    assert [(s["label"], sum(v for v in s["values"] if v)) for s in history["series"]] == [({"source_id": "7265"}, 3)]
    # The vendor's example: find a sending by reporting_id.
    [record] = query(report="sendings", filter={"type": "equal", "field": "reporting_id", "value": 7265})["records"]
    assert record["id"] == sending_id and record["source_id"] == "7265" and record["channel"] == "email"
    assert (record["dispatches_count"], record["transmitted_count"], record["opened_count"]) == (3, 3, 1)
    assert (record["clicked_count"], record["visits_count"], record["unique_visits_count"]) == (2, 3, 2)
    assert record["intervals"]["1d"]["to"] is not None and record["intervals"]["1h"]["from"].endswith("Z")


def test_one_click_unsubscribe_clears_the_email_marketing_consent(api: Api, units, urls, sink, client):  # type: ignore[no-untyped-def]
    person = member(api, 1)
    assert person.marketing_via_email
    send(api, units, urls, sink, [person])
    [received] = sink.received
    # Unfolded (RFC 5322): a long header is folded onto a continuation line by the sender's library.
    header = "".join(str(received.message["List-Unsubscribe"]).split())
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    target = path_of(header.strip("<>"))
    page = client.get(target)
    assert page.status_code == 200 and '<form method="post">' in page.text, (header, page.text)
    api.session.refresh(person)
    assert person.marketing_via_email  # a GET (a link scanner) changes nothing
    response = client.post(
        target, content="List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200
    assert client.post(target, content="List-Unsubscribe=One-Click").status_code == 200  # again: no change
    api.session.refresh(person)
    assert not person.marketing_via_email and person.consents["email_marketing"]["status"] is False
    api.session.expire_all()
    dispatch = api.session.execute(select(Dispatch).where(Dispatch.member_id == person.id)).scalar_one()
    assert dispatch.unsubscribed_at is not None


def test_shortened_but_untracked_links_count_devices(api: Api, units, urls, sink, client):  # type: ignore[no-untyped-def]
    people = [member(api, n) for n in range(2)]
    sending_id = send(api, units, urls, sink, people, track=False)
    html = html_of(sink.received[0])
    short = re.findall(r'href="([^"]+)"', html)[0]
    assert short.count("/") == 4 and "<img" not in html  # no recipient part, no open pixel
    assert client.get(path_of(short), follow_redirects=False).status_code == 302
    client.get(path_of(short), follow_redirects=False)  # the same device (its cookie)
    client.cookies.clear()
    client.get(path_of(short), follow_redirects=False)
    keys = api.session.execute(select(LinkVisit.visitor_key).where(LinkVisit.sending_id == sending_id)).scalars()
    keys = list(keys)
    assert len(keys) == 3 and len(set(keys)) == 2 and all(k.startswith("device:") for k in keys)


def test_links_are_left_alone_when_not_shortened(api: Api, units, urls, sink):  # type: ignore[no-untyped-def]
    send(api, units, urls, sink, [member(api, 1)], track=False, shorten=False)
    assert 'href="https://example.com/an_example?utm_source=newsletter&amp;' in html_of(sink.received[0]) or (
        URL in html_of(sink.received[0])
    )
    assert list(api.session.execute(select(Link)).scalars()) == []


def test_public_references_of_another_club_or_forged_reach_nothing(api: Api, units, urls, sink, client, factory):  # type: ignore[no-untyped-def]
    send(api, units, urls, sink, [member(api, 1)])
    html = html_of(sink.received[0])
    short = path_of(re.findall(r'href="([^"]+)"', html)[0])
    _, _, link_ref, recipient = short.split("/")
    club_id, code = link_ref.split("-")
    other = factory.club()
    # The same code under another club's id: no such link there.
    response = client.get(f"/s/{other.id}-{code}", follow_redirects=False)
    assert response.status_code == 404 and response.json() == {"error": "Link could not be found"}
    # A forged signature, or another club's id in the recipient: refused.
    _, dispatch_id, signature = recipient.split(".")
    for forged in (f"{club_id}.{dispatch_id}.AAAAAAAAAAAAAAAA", f"{other.id}.{dispatch_id}.{signature}"):
        assert client.get(f"/s/open/{forged}.gif").status_code == 404
        assert client.post(f"/s/unsubscribe/{forged}").status_code == 404
        assert client.get(f"/s/unsubscribe/{forged}").status_code == 404
    # A signed reference to a dispatch of another club, under this club's link, is not attributed to it.
    foreign = recipient_ref(urls.secret, other.id, int(dispatch_id))
    assert client.get(f"/s/{link_ref}/{foreign}", follow_redirects=False).status_code == 302
    visit = api.session.execute(select(LinkVisit)).scalars().one()
    assert visit.dispatch_id is None and visit.visitor_key.startswith("device:")
    assert client.get("/s/open/garbage.gif").status_code == 404
    assert client.get("/s/²-AAAAAAAAAA", follow_redirects=False).status_code == 404
    assert client.get("/s/open/².1.x.gif").status_code == 404


def test_generate_link(api: Api, client, factory):  # type: ignore[no-untyped-def]
    path = f"/v3/{api.club.slug}/links/generate"
    response = client.post(path, json={"link_params": {"url": URL}}, headers=api.headers)
    assert response.status_code == 200, response.text
    short = response.json()["url"]
    redirect = client.get(path_of(short), follow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers["location"] == URL
    for bad in ("ftp://x/y", "not a url", "https://"):
        response = client.post(path, json={"link_params": {"url": bad}}, headers=api.headers)
        assert response.status_code == 422 and response.json()["details"]["link_params"]["url"][0]["error"] == "invalid"
    assert client.post(path, json={}, headers=api.headers).status_code == 422
    limited = make_api(client, factory, api.club, permits=["BL:Api:Members:Show"])
    response = client.post(path, json={"link_params": {"url": URL}}, headers=limited.headers)
    assert response.status_code == 403
    assert client.post(path, json={"link_params": {"url": URL}}).status_code == 401
    headers = factory.headers(factory.client_token([api.club]), **{"X-Customer": str(api.club.id)})
    [record] = client.post("/v1/reporting/query", json={"report": "sendings_links_stats"}, headers=headers).json()[
        "records"
    ]
    assert record == {
        "loyalty_club_id": api.club.id,
        "source_id": "generated",
        "visits_count": 1,
        "unique_visits_count": 1,
    }


def test_opens_and_clicks_are_the_members_events_that_rules_act_on(api: Api, units, urls, sink, client, sessions):  # type: ignore[no-untyped-def]
    from loyaltyhub.events.models import MemberEvent
    from loyaltyhub.offers.models import OfferGrant
    from loyaltyhub.triggers.queue import process_due
    from tests.offers import factories as offers
    from tests.triggers import factories as rules

    offer = offers.offer(api.session, api.club, status="published", type="exclusive")
    rule = rules.rule(
        api.session, api.club, event_type="sending_opened", options={"grant_offer": {"offer_id": offer.id}}
    )
    people = [member(api, n) for n in range(2)]
    sending_id = send(api, units, urls, sink, people)
    by_to = {r.to: html_of(r) for r in sink.received}
    first, second = by_to[people[0].email], by_to[people[1].email]
    short = re.findall(r'href="([^"]+)"', first)[0]
    for _ in range(2):
        assert client.get(path_of(short), follow_redirects=False).status_code == 302
    for html, times in ((first, 2), (second, 1)):
        for _ in range(times):
            assert client.get(path_of(re.findall(r'<img src="([^"]+)"', html)[0])).status_code == 200
    # A visit of the link without a recipient (the bare short link) is nobody's event.
    bare = "/".join(path_of(short).split("/")[:3])
    assert client.get(bare, follow_redirects=False).status_code == 302

    def events(kind: str) -> list[tuple[int, dict]]:  # type: ignore[type-arg]
        rows = api.session.execute(
            select(MemberEvent.member_id, MemberEvent.data, MemberEvent.source)
            .where(MemberEvent.type == kind)
            .order_by(MemberEvent.id)
        ).all()
        assert {r.source for r in rows} <= {"loyaltyhub"}
        return [(r.member_id, r.data) for r in rows]

    clicked = {"sending_id": sending_id, "channel": "email", "url": URL}
    assert events("sending_clicked") == [(people[0].id, clicked), (people[0].id, clicked)]
    opened = {"sending_id": sending_id, "channel": "email"}
    # The first open of each member's message (opening it again is no new event).
    assert events("sending_opened") == [(people[0].id, opened), (people[1].id, opened)]
    while process_due(sessions.write) > 0:
        pass
    api.session.expire_all()
    granted = api.session.execute(select(OfferGrant.member_id).where(OfferGrant.offer_id == offer.id)).scalars()
    assert sorted(granted) == sorted(m.id for m in people) and rule.event_type == "sending_opened"
