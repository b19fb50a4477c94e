"""HTTP routes of the collections API under ``/v3/{loyalty_club_slug}/offers/collections``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.collections import service
from loyaltyhub.collections.schemas import (
    CollectionCreate,
    CollectionOut,
    CollectionsList,
    CollectionsOrder,
    CollectionsPage,
    CollectionUpdate,
)
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.offers.dependencies import ClubOfPath
from loyaltyhub.offers.models import Collection
from loyaltyhub.offers.types import OfferScope

# LoyaltyRoute: idempotent answers are stored in the request's transaction (loyaltyhub.http.idempotency).
router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/offers/collections", tags=["Offers collections"])

CollectionsListAccess = Annotated[ClubAccess, Depends(ClubAuth(permits.COLLECTIONS_LIST))]
CollectionsCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.COLLECTIONS_CREATE))]
CollectionsUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.COLLECTIONS_UPDATE))]
CollectionsArchive = Annotated[ClubAccess, Depends(ClubAuth(permits.COLLECTIONS_ARCHIVE))]


def collection_in_club(
    collection_id: Annotated[int, Path(ge=1)], access: ClubOfPath, session: SessionDep
) -> Collection:
    return access.tenant.get_or_404(session, Collection, collection_id)


CollectionInClub = Annotated[Collection, Depends(collection_in_club)]


@router.get("", response_model=CollectionsPage, responses=errors(401, 403, 404, 422))
def list_collections(
    access: CollectionsListAccess,
    session: SessionDep,
    page: PageDep,
    with_archived: bool = False,
    scope: Annotated[OfferScope | None, Query()] = None,
) -> CollectionsPage:
    """The club's collections by ``position``."""
    statement = service.list_collections(access.club_id, with_archived=with_archived, scope=scope)
    items, info = paginate(session, statement, page)
    return CollectionsPage(collections=service.present_many(session, access.club_id, items), pagination_info=info)


@router.post("", response_model=CollectionOut, status_code=201, responses=errors(401, 403, 404, 409, 422))
def create_collection(
    access: CollectionsCreate, _: Idempotent, body: CollectionCreate, session: SessionDep
) -> CollectionOut:
    return service.present_one(session, service.create_collection(session, access.club, body))


@router.put("/order", response_model=CollectionsList, responses=errors(401, 403, 404, 422))
def order_collections(access: CollectionsUpdate, body: CollectionsOrder, session: SessionDep) -> CollectionsList:
    ordered = service.reorder_collections(session, access.club_id, body)
    return CollectionsList(collections=service.present_many(session, access.club_id, ordered))


@router.get("/{collection_id:int}", response_model=CollectionOut, responses=errors(401, 403, 404))
def show_collection(access: CollectionsListAccess, collection: CollectionInClub, session: SessionDep) -> CollectionOut:
    return service.present_one(session, collection)


@router.patch("/{collection_id:int}", response_model=CollectionOut, responses=errors(401, 403, 404, 422))
def update_collection(
    access: CollectionsUpdate, collection: CollectionInClub, body: CollectionUpdate, session: SessionDep
) -> CollectionOut:
    body.refuse_changed_read_only(lambda: service.present_one(session, collection))
    return service.present_one(session, service.update_collection(session, access.club, collection, body))


@router.post("/{collection_id:int}/archive", response_model=CollectionOut, responses=errors(401, 403, 404))
def archive_collection(access: CollectionsArchive, collection: CollectionInClub, session: SessionDep) -> CollectionOut:
    return service.present_one(session, service.archive_collection(session, collection))
