""" "Points expire soon": the points expiration notifications policy, sent by the expiry job.

A club's program may have ``expiration_notifications: {"days_before": n, "message_id": m}``: when a
member's points (open lots) will expire within ``n`` days, the job sends the club's message ``m`` (a
message of messaging's ``rewards_notifications`` system service) to the member, once per lot: the lots it
told about get ``expiry_notified_at``, so a member is told again only about points that come into the
window later. The sending is made by the job as a system actor (``job:rewards_points_expiry``) holding
only the permits of that sending (``loyaltyhub.auth.system``); the recipient's properties give the template
``points`` (the points expiring in the window), ``expires_at`` (the first of their expiry times, ISO 8601
UTC) and ``valid_until`` (the last day they can be used, a date in the club's timezone). Each member is
handled under the member's account lock, so two jobs running at once never tell a member twice. Messaging
sits above rewards (it reads reporting, which reads the ledger): it is reached through the app's services
(``AppServices.system_messages``), as lower domains reach higher ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyaltyhub.auth.system import job_actor
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import across_clubs, in_club, same_club
from loyaltyhub.errors import ValidationFailed, details_tree
from loyaltyhub.rewards.models import HAS_POINTS_LEFT, PointsTransaction, RewardsAccount, RewardsProgram
from loyaltyhub.rewards.points import ledger
from loyaltyhub.services import SystemMessages, services_of

log = logging.getLogger(__name__)

JOB = "rewards_points_expiry"
SERVICE = "rewards_notifications"
BATCH = 200


def check_policy(session: Session, club_id: int, policy: dict[str, Any] | None) -> None:
    """422 when the policy's message is not a live ``rewards_notifications`` message of the club."""
    if policy is None:
        return
    problem = _messages(session).check(session, club_id, policy["message_id"], SERVICE)
    if problem is not None:
        options = {"in": [SERVICE]} if problem == "invalid_service" else {}
        raise ValidationFailed(details_tree([(("expiration_notifications", "message_id"), problem, options)]))


def _messages(session: Session) -> SystemMessages:
    found = services_of(session).system_messages
    if found is None:
        raise RuntimeError("the app's services have no system messages (see loyaltyhub.wiring)")
    return found


def _due_members(session: Session, club_id: int, now: datetime, days_before: int) -> list[int]:
    statement = (
        select(PointsTransaction.member_id)
        .join(
            RewardsAccount,
            (RewardsAccount.member_id == PointsTransaction.member_id) & same_club(RewardsAccount, PointsTransaction),
        )
        .where(
            in_club(PointsTransaction, club_id),
            in_club(RewardsAccount, club_id),
            RewardsAccount.active.is_(True),
            HAS_POINTS_LEFT,
            PointsTransaction.expires_at > now,
            PointsTransaction.expires_at <= now + timedelta(days=days_before),
            PointsTransaction.expiry_notified_at.is_(None),
        )
        .distinct()
        .order_by(PointsTransaction.member_id)
        .limit(BATCH)
    )
    return list(session.execute(statement).scalars())


def _notify_member(
    session: Session, club: LoyaltyClub, message_id: int, member_id: int, now: datetime, days_before: int
) -> bool:
    account = ledger.lock_account(session, club.id, member_id)
    if account is None or not account.active:
        return False
    lots = session.execute(
        select(PointsTransaction.id, PointsTransaction.remaining, PointsTransaction.expires_at).where(
            in_club(PointsTransaction, club.id),
            PointsTransaction.member_id == member_id,
            HAS_POINTS_LEFT,
            PointsTransaction.expires_at > now,
            PointsTransaction.expires_at <= now + timedelta(days=days_before),
            PointsTransaction.expiry_notified_at.is_(None),
        )
    ).all()
    if not lots:
        return False  # told by a job that ran at the same time
    first = min(lot.expires_at for lot in lots)
    properties = {
        "points": sum(lot.remaining for lot in lots),
        "expires_at": first.isoformat().replace("+00:00", "Z"),
        "valid_until": (first - timedelta(microseconds=1)).astimezone(ZoneInfo(club.timezone)).date().isoformat(),
    }
    _messages(session).send(session, club, job_actor(JOB), message_id, member_id, properties)
    session.execute(
        update(PointsTransaction)
        .where(in_club(PointsTransaction, club.id), PointsTransaction.id.in_([lot.id for lot in lots]))
        .values(expiry_notified_at=now)
    )
    return True


def notify_expiring(units: Callable[..., AbstractContextManager[Session]], now: datetime) -> int:
    """Send the "points expire soon" notices due at ``now`` in every club with the policy; how many."""
    with units(write=False) as session:
        policies = session.execute(
            across_clubs(
                select(RewardsProgram.loyalty_club_id, RewardsProgram.expiration_notifications).where(
                    RewardsProgram.enabled.is_(True), RewardsProgram.expiration_notifications.is_not(None)
                )
            )
        ).all()
    sent = 0
    for club_id, policy in policies:
        if not policy:  # a JSON null
            continue
        while True:
            with units(write=True) as session:
                club = session.execute(select(LoyaltyClub).where(LoyaltyClub.id == club_id)).scalar_one()
                if _messages(session).check(session, club_id, policy["message_id"], SERVICE) is not None:
                    log.warning("points expiry notices of club %s: message %s is gone", club_id, policy["message_id"])
                    break
                due = _due_members(session, club_id, now, policy["days_before"])
                for member_id in due:
                    sent += _notify_member(session, club, policy["message_id"], member_id, now, policy["days_before"])
            if len(due) < BATCH:
                break
    return sent
