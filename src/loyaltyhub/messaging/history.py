"""The messages history (vendor-docs-platform 1.10): the dispatches transmitted to recipients, with the
content they got. Management lists a club's (optionally one member's), the Public API the signed-in
member's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.http.pagination import Page, count_of
from loyaltyhub.messaging.models import Dispatch, Message, Sending
from loyaltyhub.messaging.schemas import HistoryMessage
from loyaltyhub.schemas import PaginationInfo

TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"[ \t]*\n[ \t\n]*")


def history(club_id: int, *, member_id: int | None, types: Sequence[str] | None, distinct: bool) -> Select[Any]:
    """Transmitted dispatches, newest first; ``distinct``: one per sending (the newest)."""
    conditions = [in_club(Dispatch, club_id), Dispatch.transmission_status == "transmitted"]
    if member_id is not None:
        conditions.append(Dispatch.member_id == member_id)
    if types:
        conditions.append(Dispatch.channel.in_(list(types)))
    if distinct:
        newest = select(func.max(Dispatch.id)).where(*conditions).group_by(Dispatch.sending_id)
        conditions.append(Dispatch.id.in_(newest))
    return (
        select(Dispatch, Sending.message_id, Message.campaign_id)
        .join(Sending, and_(Sending.id == Dispatch.sending_id, same_club(Sending, Dispatch)))
        .join(Message, and_(Message.id == Sending.message_id, same_club(Message, Sending)))
        .where(*conditions)
        .order_by(Dispatch.transmitted_at.desc(), Dispatch.id.desc())
    )


def one_of_member(session: Session, club_id: int, member_id: int, message_id: str) -> Any:
    """One message of the member's history by its id (the dispatch's), or None."""
    if not message_id.isascii() or not message_id.isdigit() or len(message_id) > 18:
        return None
    statement = history(club_id, member_id=member_id, types=None, distinct=False).where(Dispatch.id == int(message_id))
    return session.execute(statement).first()


def page(session: Session, statement: Select[Any], page: Page) -> tuple[list[Any], PaginationInfo]:
    rows = session.execute(page.apply(statement)).all()
    return list(rows), page.info(count_of(session, statement))


def strip_html(html: str) -> str:
    return SPACE.sub("\n", TAG.sub("", html)).strip()


def message_of(club: LoyaltyClub, dispatch: Dispatch, message_id: int, campaign_id: int | None) -> HistoryMessage:
    content: dict[str, Any] = dispatch.content or {}
    sender: dict[str, Any] = content.get("sender") or {}
    channel = dispatch.channel or "sms"
    body = content.get("body") or ""
    data: dict[str, Any] = {
        "id": str(dispatch.id),
        "type": channel,
        "created_at": dispatch.transmitted_at or dispatch.updated_at,
        "content": strip_html(content.get("text") or body) if channel == "email" else body,
        "message_id": message_id,
        "sending_id": str(dispatch.sending_id),
        "campaign_id": str(campaign_id) if campaign_id is not None else None,
        "loyalty_club_id": club.id,
        "customer_id": club.organization_id,
        "member_id": dispatch.member_id,
        "transmitted_at": dispatch.transmitted_at,
    }
    if channel == "sms":
        data.update(sender=sender.get("value") or sender.get("name"), msisdn=dispatch.address)
    elif channel == "email":
        data.update(
            subject=content.get("subject"),
            from_name=sender.get("from_name"),
            from_address=sender.get("from_email"),
            email=dispatch.address,
        )
    else:
        extra = content.get("data")
        data.update(
            subject=content.get("subject"),
            url=content.get("url") or content.get("uri"),
            image=content.get("image_url"),
            data=extra if isinstance(extra, dict) else None,
            app_token=dispatch.address,
        )
    return HistoryMessage(**data)
