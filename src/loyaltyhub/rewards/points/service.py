"""Points operations of the API: member status, grant points, corrections, cancellations.

Each write locks the member's account (:func:`loyaltyhub.rewards.program.service.participating_account`,
480 when the member is not participating) and goes through :mod:`.ledger`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db import dialect
from loyaltyhub.http.pagination import Page
from loyaltyhub.members.models import Member
from loyaltyhub.rewards import rules
from loyaltyhub.rewards.models import PointsTransaction
from loyaltyhub.rewards.points import ledger, repository
from loyaltyhub.rewards.program import service as program_service


def status(session: Session, club: LoyaltyClub, member: Member, page: Page, now: datetime) -> dict[str, Any]:
    """The documented status (reference (a).2, (a).9) plus ``lifetime_points``, ``level`` and
    ``expiring_points``; only ``{"membership": false}`` for a member who has not joined (or has left)."""
    return _status(session, club, member, page, now, _rendered_page)


def status_json(session: Session, club: LoyaltyClub, member: Member, page: Page, now: datetime) -> bytes:
    """:func:`status` serialized. On PostgreSQL the database renders the page of transactions (up to the
    documented default of 1,000) as JSON itself (``repository.transactions_page_json``)."""
    page_of = _rendered_page if dialect.is_sqlite(session) else repository.transactions_page_json
    return orjson.dumps(_status(session, club, member, page, now, page_of))


def _rendered_page(session: Session, club_id: int, member_id: int, page: Page) -> tuple[list[dict[str, Any]], int]:
    rows, total = repository.transactions_page(session, club_id, member_id, page)
    return [repository.render_transaction(row) for row in rows], total


def _status(
    session: Session,
    club: LoyaltyClub,
    member: Member,
    page: Page,
    now: datetime,
    transactions_page: Callable[[Session, int, int, Page], tuple[Any, int]],
) -> dict[str, Any]:
    account = program_service.account_of(session, club.id, member.id)
    if account is None or not account.active:
        return {"membership": False}
    program = program_service.program_of(session, club.id)
    transactions, total = transactions_page(session, club.id, member.id, page)
    return {
        "membership": True,
        "membership_started_at": rules.iso(account.joined_at),
        "balance": account.balance,
        "lifetime_points": account.lifetime_earned,
        "level": rules.member_level(program.levels_program if program else None, account.lifetime_earned),
        "expiring_points": repository.expiring_points(session, club.id, member.id, now),
        "transactions": transactions,
        "pagination_info": page.info(total).model_dump(),
    }


def grant_points(
    session: Session,
    club: LoyaltyClub,
    member: Member,
    *,
    points: int,
    grant_type: str | None,
    grant_properties: dict[str, Any] | None,
    now: datetime,
) -> PointsTransaction:
    """Reference (a).10: a ``grant`` transaction (a lot, expiring by the club's policy)."""
    participant = program_service.lock_participant(session, club.id, member.id, now)
    details: dict[str, Any] = {}
    if grant_type is not None:
        details["grant_type"] = grant_type
    if grant_properties is not None:
        details["grant_properties"] = grant_properties
    policy = program_service.policy_of(club, participant.program)
    return ledger.earn(
        session,
        participant.account,
        type="grant",
        points=points,
        now=now,
        policy=policy,
        details=details,
        due_lots=participant.due_lots,
    )


def correct_points(
    session: Session, club: LoyaltyClub, member: Member, *, points: int, comment: str | None, now: datetime
) -> PointsTransaction:
    program = program_service.enabled_program(session, club.id)
    account = program_service.participating_account(session, club.id, member.id)
    policy = program_service.policy_of(club, program)
    return ledger.correct(session, account, points=points, now=now, policy=policy, comment=comment)


def cancel_transaction(
    session: Session, club: LoyaltyClub, member: Member, transaction_id: int, now: datetime
) -> PointsTransaction:
    """Reference (a).11. A member who left keeps the ledger: staff can still cancel (and the
    account's lock is taken whatever its state); one who never joined has no transaction (404)."""
    account = ledger.lock_account(session, club.id, member.id)
    if account is None:
        raise ledger.TransactionNotFound()
    return ledger.cancel(session, account, transaction_id, now=now)
