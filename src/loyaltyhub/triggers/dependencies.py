"""Path ids and list parameters of the Triggerer routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import NotFound
from loyaltyhub.http.params import list_param
from loyaltyhub.http.session import SessionDep
from loyaltyhub.triggers.models import TriggerRule

_list = ClubAuth(permits.TRIGGERER_RULES_LIST)
_update = ClubAuth(permits.TRIGGERER_RULES_UPDATE)
_destroy = ClubAuth(permits.TRIGGERER_RULES_DESTROY)


def _live(access: ClubAccess, session: SessionDep, rule_id: int) -> TriggerRule:
    rule = access.tenant.get_or_404(session, TriggerRule, rule_id, "Rule")
    if rule.deleted_at is not None:
        raise NotFound(f"Rule#{rule_id} not found")
    return rule


def rule_to_show(rule_id: int, access: Annotated[ClubAccess, Depends(_list)], session: SessionDep) -> TriggerRule:
    return _live(access, session, rule_id)


def rule_to_update(rule_id: int, access: Annotated[ClubAccess, Depends(_update)], session: SessionDep) -> TriggerRule:
    return _live(access, session, rule_id)


def rule_to_destroy(rule_id: int, access: Annotated[ClubAccess, Depends(_destroy)], session: SessionDep) -> TriggerRule:
    return _live(access, session, rule_id)


RuleToShow = Annotated[TriggerRule, Depends(rule_to_show)]
RuleToUpdate = Annotated[TriggerRule, Depends(rule_to_update)]
RuleToDestroy = Annotated[TriggerRule, Depends(rule_to_destroy)]


def event_type_filter(request: Request) -> list[str] | None:
    """``event_types=app_opened,coupon_used`` (or repeated)."""
    return list_param(request, "event_types")
