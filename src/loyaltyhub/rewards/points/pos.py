"""Points posted by a point-of-sale integration: ``POST /v3/{slug}/transactions/points`` (reference (a).5).

Each item is judged on its own and answers a feedback status (the documented ``ok``, ``Member does not
exist``, ``Store does not exists`` [sic], ``Incorrect amount``, ``Not enough points in the wallet``; ours:
``Member is not participating in Rewards Program``, ``Duplicate transaction_id``, ``Points limit exceeded``).
Items are processed in the order of their members' ids (so two batches naming the same members take their
locks in one order and cannot deadlock), each in a savepoint.

**Exactly once.** An item with ``transaction_id`` is stored with it as the ledger's ``external_id``
(unique per club). Under the member's account lock the id is looked up first: a repeat, even one sent
20 times in parallel, finds the first and answers ``ok`` with the transaction it created, moving no
points. The same id for another member answers ``Duplicate transaction_id`` (the unique index decides
when two such posts race).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.members.models import Member
from loyaltyhub.members.repository import member_by_identifier
from loyaltyhub.rewards.errors import NotEnoughPoints
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.points.ledger import ExpiryPolicy
from loyaltyhub.rewards.points.repository import render_transaction
from loyaltyhub.rewards.points.schemas import PosPointsItem
from loyaltyhub.rewards.program import service as program_service
from loyaltyhub.stores.models import Store

EARNING = ("purchase", "campaign", "issue")
TAKING = ("use", "revoke", "expire")


def _store_exists(session: Session, club_id: int, store_id: str) -> bool:
    matches = [Store.external_id == store_id]
    if store_id.isascii() and store_id.isdigit() and len(store_id) <= 18:
        matches.append(Store.id == int(store_id))
    found = session.execute(select(Store.id).where(in_club(Store, club_id), or_(*matches)).limit(1)).first()
    return found is not None


def _amount_fits(item: PosPointsItem) -> bool:
    if item.event_type in EARNING:
        return item.amount > 0
    if item.event_type in TAKING:
        return item.amount < 0
    return item.amount != 0


def _properties(item: PosPointsItem) -> dict[str, Any]:
    values = {
        "transaction_id": item.transaction_id,
        "store_id": item.store_id,
        "event": item.event,
        "message": item.message,
        "event_date": item.event_date.isoformat() if item.event_date else None,
        "additional_properties": item.additional_properties,
    }
    return {key: value for key, value in values.items() if value is not None}


def _write(
    session: Session, club: LoyaltyClub, policy: ExpiryPolicy, item: PosPointsItem, member: Member, now: datetime
) -> dict[str, Any]:
    account = ledger.lock_account(session, club.id, member.id)
    if account is None or not account.active:
        return {"status": "Member is not participating in Rewards Program"}
    if item.transaction_id is not None:
        existing = ledger.by_external_id(session, club.id, item.transaction_id)
        if existing is not None:
            if existing.member_id != member.id:
                return {"status": "Duplicate transaction_id"}
            return {"status": "ok", "transaction": render_transaction(existing)}
    try:
        with session.begin_nested():
            if item.amount > 0:
                row = ledger.earn(
                    session,
                    account,
                    type="grant",
                    points=item.amount,
                    now=now,
                    policy=policy,
                    details={"grant_type": item.event_type, "grant_properties": _properties(item)},
                    external_id=item.transaction_id,
                )
            else:
                row = ledger.correct(
                    session,
                    account,
                    points=item.amount,
                    now=now,
                    policy=policy,
                    comment=item.message or item.event,
                    details={"event_type": item.event_type, "properties": _properties(item)},
                    external_id=item.transaction_id,
                )
    except NotEnoughPoints:
        return {"status": "Not enough points in the wallet"}
    except ledger.PointsLimitExceeded as refused:
        return {"status": refused.message}
    except IntegrityError:
        return {"status": "Duplicate transaction_id"}
    return {"status": "ok", "transaction": render_transaction(row)}


def post_points(
    session: Session, club: LoyaltyClub, items: Sequence[PosPointsItem], now: datetime
) -> list[dict[str, Any]]:
    program = program_service.enabled_program(session, club.id)
    policy = program_service.policy_of(club, program)
    members = [member_by_identifier(session, club, item.identifier_type, str(item.identifier)) for item in items]
    feedback: list[dict[str, Any]] = [{} for _ in items]
    order = sorted(range(len(items)), key=lambda i: (members[i].id if members[i] is not None else 0, i))
    for index in order:
        item, member = items[index], members[index]
        if member is None:
            outcome: dict[str, Any] = {"status": "Member does not exist"}
        elif item.store_id is not None and not _store_exists(session, club.id, item.store_id):
            outcome = {"status": "Store does not exists"}
        elif not _amount_fits(item):
            outcome = {"status": "Incorrect amount"}
        else:
            outcome = _write(session, club, policy, item, member, now)
        feedback[index] = {"event_type": item.event_type, "amount": item.amount, **outcome}
    return feedback
