"""Links, opens and unsubscribes: the short links of a sending, the visits of the public redirect, the
e-mail open pixel and the one-click unsubscribe. Plain functions over a session (they flush, never commit).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.dialect import insert_ignoring_duplicates
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, ValidationFailed
from loyaltyhub.members.models import Member
from loyaltyhub.members.service import update_member
from loyaltyhub.messaging.links import new_code, split_url, url_hash
from loyaltyhub.messaging.models import Dispatch, Link, LinkVisit
from loyaltyhub.services import ResourceChange, notify_change

EMAIL_MARKETING = "email_marketing"
SOURCE_SENDING = "sending"
SOURCE_GENERATED = "generated"
MAX_URL_LENGTH = 4000


def _link_values(club_id: int, url: str, *, source_type: str, sending_id: int | None, tracked: bool) -> dict[str, Any]:
    parts = split_url(url)
    now = utcnow()
    return {
        "loyalty_club_id": club_id,
        "code": new_code(),
        "source_type": source_type,
        "sending_id": sending_id,
        "tracked": tracked,
        "url": url,
        "url_hash": url_hash(url),
        "host": (parts.host or "")[:255] or None,
        "path": parts.path,
        **{key: (value[:255] if value is not None else None) for key, value in parts.utm.items()},
        "created_at": now,
        "updated_at": now,
    }


def sending_links(
    session: Session, club_id: int, sending_id: int, urls: Iterable[str], tracked: bool
) -> dict[str, str]:
    """The code of each URL's short link in the sending, made on first use (a concurrent worker making
    the same one is harmless: the row is unique per sending and URL, the first one wins)."""
    wanted = {url_hash(url): url for url in urls if len(url) <= MAX_URL_LENGTH}
    if not wanted:
        return {}

    def existing() -> dict[str, str]:
        rows = session.execute(
            select(Link.url_hash, Link.code).where(
                in_club(Link, club_id), Link.sending_id == sending_id, Link.url_hash.in_(list(wanted))
            )
        )
        return {wanted[h]: code for h, code in rows}

    found = existing()
    missing = [url for url in wanted.values() if url not in found]
    if missing:
        rows = [
            _link_values(club_id, url, source_type=SOURCE_SENDING, sending_id=sending_id, tracked=tracked)
            for url in missing
        ]
        insert_ignoring_duplicates(session, Link.__table__, rows)
        found = existing()
    return found


def generate_link(session: Session, club_id: int, url: str) -> Link:
    """``Generate Link`` for any http(s) URL: a new short link counted per device."""
    if not url.startswith(("http://", "https://")) or len(url) > MAX_URL_LENGTH or split_url(url).host is None:
        raise ValidationFailed.at(("link_params", "url"), "invalid")
    link = Link(**_link_values(club_id, url, source_type=SOURCE_GENERATED, sending_id=None, tracked=False))
    session.add(link)
    session.flush()
    return link


def link_by_code(session: Session, club_id: int, code: str) -> Link:
    found = session.execute(select(Link).where(in_club(Link, club_id), Link.code == code)).scalar_one_or_none()
    if found is None:
        raise NotFound("Link could not be found")
    return found


def club_of(session: Session, club_id: int) -> LoyaltyClub:
    club = session.get(LoyaltyClub, club_id)
    if club is None:
        raise NotFound("Message not found")
    return club


def dispatch_or_none(session: Session, club_id: int, dispatch_id: int) -> Dispatch | None:
    return session.execute(
        select(Dispatch).where(in_club(Dispatch, club_id), Dispatch.id == dispatch_id)
    ).scalar_one_or_none()


def dispatch_of(session: Session, club_id: int, dispatch_id: int) -> Dispatch:
    found = dispatch_or_none(session, club_id, dispatch_id)
    if found is None:
        raise NotFound("Message not found")
    return found


def record_visit(
    session: Session, link: Link, *, dispatch: Dispatch | None, device: str | None, at: datetime | None = None
) -> LinkVisit:
    """One visit of ``link``: attributed to the dispatch when the URL named one of the link's sending,
    else to the device (its cookie)."""
    if dispatch is not None and dispatch.sending_id != link.sending_id:
        dispatch = None  # a recipient reference of another sending: not this link's recipient
    if dispatch is not None:
        visitor = f"member:{dispatch.member_id}" if dispatch.member_id is not None else f"dispatch:{dispatch.id}"
    else:
        visitor = f"device:{device or 'unknown'}"
    visit = LinkVisit(
        loyalty_club_id=link.loyalty_club_id,
        link_id=link.id,
        sending_id=link.sending_id,
        dispatch_id=dispatch.id if dispatch is not None else None,
        member_id=dispatch.member_id if dispatch is not None else None,
        visitor_key=visitor[:100],
        visited_at=at or utcnow(),
    )
    session.add(visit)
    session.flush()
    if dispatch is not None and dispatch.member_id is not None:
        # A member clicked a link of a message sent to them: the member event ``sending_clicked``.
        data = {"sending_id": link.sending_id, "channel": dispatch.channel, "url": link.url}
        change = ResourceChange("link_visit", "created", link.loyalty_club_id, visit.id, visit.visited_at, data)
        notify_change(session, replace(change, member_id=dispatch.member_id))
    return visit


def record_open(session: Session, club_id: int, dispatch_id: int, at: datetime | None = None) -> None:
    """The open pixel of a dispatch was fetched: count it, keep the first time."""
    now = at or utcnow()
    dispatch = dispatch_of(session, club_id, dispatch_id)
    first = dispatch.opened_at is None
    session.execute(
        update(Dispatch)
        .where(in_club(Dispatch, club_id), Dispatch.id == dispatch.id)
        .values(opens_count=Dispatch.opens_count + 1, opened_at=dispatch.opened_at or now)
    )
    if first and dispatch.member_id is not None:
        # The first open of a message sent to a member: the member event ``sending_opened`` (once per
        # dispatch, also when two first opens race: the event's key is the dispatch).
        data = {"sending_id": dispatch.sending_id, "channel": dispatch.channel}
        change = ResourceChange("dispatch", "opened", club_id, dispatch.id, now, data, dispatch.member_id)
        notify_change(session, change)


def unsubscribe(session: Session, club: LoyaltyClub, dispatch_id: int) -> Dispatch:
    """One-click unsubscribe: the recipient's e-mail marketing consent is cleared (when it is a member)
    and the dispatch records when. Doing it again changes nothing."""
    dispatch = dispatch_of(session, club.id, dispatch_id)
    if dispatch.member_id is not None:
        member = session.execute(
            select(Member).where(in_club(Member, club.id), Member.id == dispatch.member_id)
        ).scalar_one_or_none()
        if member is not None and member.deleted_at is None:
            update_member(session, club, member, {"consents": {EMAIL_MARKETING: {"status": False}}})
    if dispatch.unsubscribed_at is None:
        dispatch.unsubscribed_at = utcnow()
        session.flush()
    return dispatch
