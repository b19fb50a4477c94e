"""Preparing a due sending: one dispatch per recipient, written batch by batch so a crash resumes.

A worker claims a due sending (``scheduled`` and due, or ``preparing`` with an expired lease) with a
conditional UPDATE, so one worker prepares it. It then walks the audience by member id in batches and the
inline recipients, chooses each recipient's channel (:func:`rules.choose_channel`) and inserts the
dispatches with ``ON CONFLICT DO NOTHING`` on ``(sending, recipient)`` and ``(sending, channel, address)``:
a batch written twice (after a crash) adds nobody twice, and nobody gets the sending twice. Recipients
without a usable channel get a ``skipped`` dispatch with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.dialect import among, insert_ignoring_duplicates
from loyaltyhub.db.tenancy import across_clubs, in_club
from loyaltyhub.members.identity.models import MemberAppToken
from loyaltyhub.members.models import Member
from loyaltyhub.messaging import repository
from loyaltyhub.messaging.audience import audience_members
from loyaltyhub.messaging.models import Dispatch, Sending
from loyaltyhub.messaging.rules import Reachable, choose_channel, recipient_key
from loyaltyhub.messaging.service import is_marketing

Units = Callable[..., AbstractContextManager[Session]]
LEASE = timedelta(seconds=60)
BATCH = 1000
PREPARE_AHEAD = timedelta(seconds=0)


def due_sendings(session: Session, now: datetime, limit: int = 10) -> list[tuple[int, int]]:
    """(club id, sending id) of sendings to prepare now, across clubs, most urgent first."""
    statement = (
        select(Sending.loyalty_club_id, Sending.id)
        .where(
            or_(
                and_(Sending.status == "scheduled", Sending.scheduled_at <= now + PREPARE_AHEAD),
                and_(Sending.status == "preparing", Sending.lease_until < now),
            )
        )
        .order_by(Sending.priority.desc(), Sending.scheduled_at, Sending.id)
        .limit(limit)
    )
    return [(club_id, sending_id) for club_id, sending_id in session.execute(across_clubs(statement))]


def claim(session: Session, club_id: int, sending_id: int, worker: str, now: datetime) -> bool:
    result = session.execute(
        update(Sending)
        .where(
            in_club(Sending, club_id),
            Sending.id == sending_id,
            or_(
                and_(Sending.status == "scheduled", Sending.scheduled_at <= now + PREPARE_AHEAD),
                and_(Sending.status == "preparing", Sending.lease_until < now),
            ),
        )
        .values(status="preparing", claimed_by=worker, lease_until=now + LEASE, updated_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _still_ours(session: Session, club_id: int, sending_id: int, worker: str) -> bool:
    """Extend the lease while the sending is still ours and still preparing (a cancel stops it)."""
    now = utcnow()
    result = session.execute(
        update(Sending)
        .where(
            in_club(Sending, club_id),
            Sending.id == sending_id,
            Sending.status == "preparing",
            Sending.claimed_by == worker,
        )
        .values(lease_until=now + LEASE)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _member_reach(session: Session, club_id: int, member_ids: list[int]) -> dict[int, Reachable]:
    rows = session.execute(
        select(
            Member.id,
            Member.msisdn,
            Member.email,
            Member.sms_status,
            Member.email_status,
            Member.push_status,
            Member.marketing_via_sms,
            Member.marketing_via_email,
            Member.marketing_via_push,
        ).where(in_club(Member, club_id), among(session, Member.id, member_ids), Member.deleted_at.is_(None))
    ).all()
    latest = (
        select(MemberAppToken.member_id, func.max(MemberAppToken.id).label("id"))
        .where(in_club(MemberAppToken, club_id), among(session, MemberAppToken.member_id, member_ids))
        .group_by(MemberAppToken.member_id)
        .subquery()
    )
    tokens = dict(
        session.execute(
            select(MemberAppToken.member_id, MemberAppToken.token).where(
                in_club(MemberAppToken, club_id), MemberAppToken.id.in_(select(latest.c.id))
            )
        ).all()
    )
    found = {}
    for row in rows:
        found[row.id] = Reachable(
            addresses={
                "sms": row.msisdn if row.msisdn and row.sms_status in ("enabled", "verified") else None,
                "email": row.email if row.email and row.email_status in ("enabled", "verified") else None,
                "push": tokens.get(row.id) if row.push_status == "enabled" else None,
            },
            marketing_consent={
                "sms": row.marketing_via_sms,
                "email": row.marketing_via_email,
                "push": row.marketing_via_push,
            },
        )
    return found


class _Plan:
    """What preparing one sending needs: its channels, preference, marketing purpose and properties."""

    def __init__(self, session: Session, sending: Sending) -> None:
        message = repository.message_of(session, sending)
        channels = repository.channels_of(session, sending.loyalty_club_id, [message.id])[message.id]
        self.club_id = sending.loyalty_club_id
        self.sending_id = sending.id
        self.channels = [c.type for c in channels]
        self.preference = sending.channels_preference
        self.marketing = is_marketing(message)
        self.properties = sending.properties or {}
        self.audience = sending.audience
        self.recipients = list(sending.recipients or [])

    def row(self, member_id: int | None, reach: Reachable, properties: dict[str, Any], now: datetime) -> dict[str, Any]:
        channel, reason = choose_channel(
            reach, self.channels, self.preference, marketing=self.marketing and member_id is not None
        )
        address = reach.addresses.get(channel) if channel else None
        key = recipient_key(member_id, channel, address)
        if member_id is None and channel is None:
            key = "unreachable:" + "|".join(f"{k}={v}" for k, v in sorted(reach.addresses.items()) if v)
        return {
            "loyalty_club_id": self.club_id,
            "sending_id": self.sending_id,
            "recipient_key": key[:400],
            "member_id": member_id,
            "channel": channel,
            "address": address,
            "properties": {**self.properties, **properties},
            "transmission_status": "pending" if channel else "skipped",
            "delivery_status": "unknown",
            "skip_reason": reason,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }


def _insert(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    unique: dict[str, dict[str, Any]] = {}
    addresses: set[tuple[str, str]] = set()
    for row in rows:
        pair = (row["channel"], row["address"])
        if row["recipient_key"] in unique or (row["address"] is not None and pair in addresses):
            continue
        unique[row["recipient_key"]] = row
        if row["address"] is not None:
            addresses.add(pair)
    return insert_ignoring_duplicates(session, Dispatch.__table__, list(unique.values()))


def prepare(units: Units, club_id: int, sending_id: int, worker: str) -> str:
    """Build the dispatches of a claimed sending; its status afterwards (``prepared``, ``skipped``, or what
    someone else made it meanwhile, e.g. ``cancelled``)."""
    with units(write=False) as session:
        sending = session.execute(
            select(Sending).where(in_club(Sending, club_id), Sending.id == sending_id)
        ).scalar_one()
        plan = _Plan(session, sending)
    # Inline recipients first: their own properties win over the audience's.
    with units(write=True) as session:
        if not _still_ours(session, club_id, sending_id, worker):
            return _status(session, club_id, sending_id)
        now = utcnow()
        member_ids = [r["member_id"] for r in plan.recipients if r.get("member_id") is not None]
        reach = _member_reach(session, club_id, member_ids) if member_ids else {}
        rows = []
        for recipient in plan.recipients:
            member_id = recipient.get("member_id")
            if member_id is not None:
                if member_id in reach:
                    rows.append(plan.row(member_id, reach[member_id], recipient.get("properties") or {}, now))
                continue
            given = Reachable(
                addresses={
                    "sms": recipient.get("msisdn"),
                    "email": recipient.get("email"),
                    "push": recipient.get("app_token"),
                },
                marketing_consent={},
            )
            rows.append(plan.row(None, given, recipient.get("properties") or {}, now))
        _insert(session, rows)
    statement = audience_members(club_id, plan.audience)
    after = 0
    while statement is not None:
        with units(write=True) as session:
            if not _still_ours(session, club_id, sending_id, worker):
                return _status(session, club_id, sending_id)
            ids = list(session.execute(statement.where(Member.id > after).limit(BATCH)).scalars())
            if not ids:
                break
            now = utcnow()
            reach = _member_reach(session, club_id, ids)
            _insert(session, (plan.row(i, reach[i], {}, now) for i in ids if i in reach))
            after = ids[-1]
    with units(write=True) as session:
        return _finish_preparation(session, club_id, sending_id, worker)


def _status(session: Session, club_id: int, sending_id: int) -> str:
    return session.execute(
        select(Sending.status).where(in_club(Sending, club_id), Sending.id == sending_id)
    ).scalar_one()


def _finish_preparation(session: Session, club_id: int, sending_id: int, worker: str) -> str:
    counts = dict(
        session.execute(
            select(Dispatch.transmission_status, func.count())
            .where(in_club(Dispatch, club_id), Dispatch.sending_id == sending_id)
            .group_by(Dispatch.transmission_status)
        ).all()
    )
    members = session.execute(
        select(func.count()).where(
            in_club(Dispatch, club_id), Dispatch.sending_id == sending_id, Dispatch.member_id.is_not(None)
        )
    ).scalar_one()
    total = sum(counts.values())
    skipped = counts.get("skipped", 0)
    status = "prepared" if total > skipped else "skipped"
    now = utcnow()
    result = session.execute(
        update(Sending)
        .where(
            in_club(Sending, club_id),
            Sending.id == sending_id,
            Sending.status == "preparing",
            Sending.claimed_by == worker,
        )
        .values(
            status=status,
            dispatches_count=total,
            skipped_count=skipped,
            members_count=members,
            claimed_by=None,
            lease_until=None,
            updated_at=now,
            transmitted_at=now if status == "skipped" else None,
            finished_reason="no recipient could be reached" if status == "skipped" else None,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return _status(session, club_id, sending_id)
    return status


def prepare_due(units: Units, worker: str, limit: int = 10) -> int:
    """Prepare every due sending this worker can claim; how many it prepared."""
    with units(write=False) as session:
        due = due_sendings(session, utcnow(), limit)
    done = 0
    for club_id, sending_id in due:
        with units(write=True) as session:
            if not claim(session, club_id, sending_id, worker, utcnow()):
                continue
        prepare(units, club_id, sending_id, worker)
        done += 1
    return done
