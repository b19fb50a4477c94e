"""Management API: the Triggerer.

``/v3/{loyalty_club_slug}/triggerer/rules`` list, create; ``/{rule_id}`` show, update, delete;
``PUT /{rule_id}/pause`` and ``/start``; ``GET /{rule_id}/executions`` (the execution log);
``POST /{rule_id}/dry_run`` (which of the last N events would fire); ``/triggerer/event_types`` (the event
types schema, as ``/member_events/types``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.events.routes import event_types as member_event_types
from loyaltyhub.events.schemas import EventTypesOut
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.triggers import service
from loyaltyhub.triggers.dependencies import RuleToDestroy, RuleToShow, RuleToUpdate, event_type_filter
from loyaltyhub.triggers.schemas import (
    DryRunBody,
    DryRunItem,
    DryRunOut,
    ExecutionList,
    ExecutionOut,
    RuleCreate,
    RuleList,
    RuleOut,
    RuleUpdate,
)

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/triggerer", tags=["Triggerer"])

RulesList = Annotated[ClubAccess, Depends(ClubAuth(permits.TRIGGERER_RULES_LIST))]
RulesCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.TRIGGERER_RULES_CREATE))]
EventTypes = Annotated[list[str] | None, Depends(event_type_filter)]


@router.get("/event_types", response_model=EventTypesOut, responses=errors(401, 403, 404))
def event_types(access: RulesList) -> EventTypesOut:
    return member_event_types(access)


@router.get("/rules", response_model=RuleList, responses=errors(401, 403, 404, 422))
def list_rules(
    access: RulesList, session: SessionDep, page: PageDep, event_types: EventTypes, paused: bool | None = None
) -> RuleList:
    rules, info = paginate(session, service.rules_statement(access.tenant, event_types, paused), page)
    return RuleList(rules=[RuleOut.model_validate(r) for r in rules], pagination_info=info)


@router.post("/rules", status_code=201, response_model=RuleOut, responses=errors(401, 403, 404, 409, 422))
def create_rule(body: RuleCreate, access: RulesCreate, _: Idempotent, session: SessionDep) -> RuleOut:
    return RuleOut.model_validate(service.create_rule(session, access.club_id, body.model_dump()))


@router.get("/rules/{rule_id}", response_model=RuleOut, responses=errors(401, 403, 404))
def show_rule(rule: RuleToShow) -> RuleOut:
    return RuleOut.model_validate(rule)


@router.patch("/rules/{rule_id}", response_model=RuleOut, responses=errors(401, 403, 404, 422))
def update_rule(body: RuleUpdate, rule: RuleToUpdate, session: SessionDep) -> RuleOut:
    body.refuse_changed_read_only(lambda: RuleOut.model_validate(rule))
    return RuleOut.model_validate(service.update_rule(session, rule, body.model_dump(exclude_unset=True)))


@router.put("/rules/{rule_id}/pause", response_model=RuleOut, responses=errors(401, 403, 404))
def pause_rule(rule: RuleToUpdate, session: SessionDep) -> RuleOut:
    return RuleOut.model_validate(service.set_paused(session, rule, True))


@router.put("/rules/{rule_id}/start", response_model=RuleOut, responses=errors(401, 403, 404))
def start_rule(rule: RuleToUpdate, session: SessionDep) -> RuleOut:
    return RuleOut.model_validate(service.set_paused(session, rule, False))


@router.delete("/rules/{rule_id}", status_code=204, responses=errors(401, 403, 404, 422))
def delete_rule(rule: RuleToDestroy, session: SessionDep) -> Response:
    service.delete_rule(session, rule)
    return Response(status_code=204)


@router.get("/rules/{rule_id}/executions", response_model=ExecutionList, responses=errors(401, 403, 404, 422))
def list_executions(
    rule: RuleToShow,
    access: RulesList,
    session: SessionDep,
    page: PageDep,
    status: Literal["fired", "skipped", "failed"] | None = None,
) -> ExecutionList:
    rows, info = paginate(session, service.executions_statement(access.tenant, rule.id, status), page)
    return ExecutionList(executions=[ExecutionOut.model_validate(r) for r in rows], pagination_info=info)


@router.post("/rules/{rule_id}/dry_run", response_model=DryRunOut, responses=errors(401, 403, 404, 422))
def dry_run(rule: RuleToShow, access: RulesList, session: SessionDep, body: DryRunBody | None = None) -> DryRunOut:
    items = service.dry_run(session, access.club, rule, (body or DryRunBody()).last)
    return DryRunOut(events=[DryRunItem(**i) for i in items], would_fire=sum(i["would_fire"] for i in items))
