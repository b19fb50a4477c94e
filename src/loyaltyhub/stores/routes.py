"""Management API: ``/v3/{loyalty_club_slug}/stores`` CRUD (thin handlers over the service)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.stores import service
from loyaltyhub.stores.models import Store
from loyaltyhub.stores.schemas import StoreCreate, StoreList, StoreOut, StoreUpdate

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/stores", tags=["Stores"])

_list = ClubAuth(permits.STORES_LIST)
_create = ClubAuth(permits.STORES_CREATE)
_update = ClubAuth(permits.STORES_UPDATE)
_destroy = ClubAuth(permits.STORES_DESTROY)
StoresList = Annotated[ClubAccess, Depends(_list)]
StoresCreate = Annotated[ClubAccess, Depends(_create)]
StoresUpdate = Annotated[ClubAccess, Depends(_update)]
StoresDestroy = Annotated[ClubAccess, Depends(_destroy)]


def store_to_show(store_id: int, access: StoresList, session: SessionDep) -> Store:
    return access.tenant.get_or_404(session, Store, store_id)


def store_to_update(store_id: int, access: StoresUpdate, session: SessionDep) -> Store:
    return access.tenant.get_or_404(session, Store, store_id)


def store_to_destroy(store_id: int, access: StoresDestroy, session: SessionDep) -> Store:
    return access.tenant.get_or_404(session, Store, store_id)


@router.get("", response_model=StoreList, responses=errors(401, 403, 404, 422))
def list_stores(
    access: StoresList,
    session: SessionDep,
    page: PageDep,
    search: Annotated[str | None, Query(max_length=200)] = None,
    external_ids: Annotated[list[str] | None, Query()] = None,
    sort_by: Literal["id", "name", "created_at", "updated_at"] = "name",
    sort_direction: Literal["asc", "desc"] = "asc",
) -> StoreList:
    statement = service.list_statement(
        access.club_id, search=search, external_ids=external_ids, sort_by=sort_by, sort_direction=sort_direction
    )
    stores, info = paginate(session, statement, page)
    return StoreList(stores=[StoreOut.model_validate(s) for s in stores], pagination_info=info)


@router.post("", status_code=201, response_model=StoreOut, responses=errors(401, 403, 404, 409, 422))
def create_store(body: StoreCreate, access: StoresCreate, _: Idempotent, session: SessionDep) -> StoreOut:
    store = service.create_store(session, access.club_id, name=body.name, external_id=body.external_id)
    return StoreOut.model_validate(store)


@router.get("/{store_id}", response_model=StoreOut, responses=errors(401, 403, 404))
def show_store(store: Annotated[Store, Depends(store_to_show)]) -> StoreOut:
    return StoreOut.model_validate(store)


@router.patch_or_put("/{store_id}", response_model=StoreOut, responses=errors(401, 403, 404, 422))
def update_store(body: StoreUpdate, store: Annotated[Store, Depends(store_to_update)], session: SessionDep) -> StoreOut:
    body.refuse_changed_read_only(lambda: StoreOut.model_validate(store))
    return StoreOut.model_validate(service.update_store(session, store, body.model_dump(exclude_unset=True)))


@router.delete("/{store_id}", status_code=204, responses=errors(401, 403, 404))
def delete_store(store: Annotated[Store, Depends(store_to_destroy)], session: SessionDep) -> Response:
    service.delete_store(session, store)
    return Response(status_code=204)
