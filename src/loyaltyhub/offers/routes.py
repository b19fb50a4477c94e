"""HTTP routes of the offers management API (SPEC §5, reference C.6/C.7/C.8): thin handlers.

Id path parameters use the ``int`` converter (``{offer_id:int}``), so ``/offers/grouped``,
``/offers/collections`` and ``/offers/image_templates`` never match an offer route.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.offers import grants, image_templates, queries, service
from loyaltyhub.offers.dependencies import (
    EXTRAS_OPENAPI,
    OfferFiltersDep,
    OfferInClub,
    OffersArchive,
    OffersClone,
    OffersCreate,
    OffersGrant,
    OffersList,
    OffersListGroups,
    OfferSortDep,
    OffersUpdate,
    ShownOffer,
    TemplateInClub,
    TemplatesCreate,
    TemplatesDestroy,
    TemplatesList,
    TemplatesUpdate,
)
from loyaltyhub.offers.image_templates import (
    ImageTemplateCreate,
    ImageTemplateOut,
    ImageTemplatesPage,
    ImageTemplateUpdate,
)
from loyaltyhub.offers.models import ImageTemplate
from loyaltyhub.offers.queries import GroupBy
from loyaltyhub.offers.schemas import (
    GrantOut,
    GrantRequest,
    GrantsOut,
    OfferCreate,
    OfferGroup,
    OfferGroups,
    OfferOut,
    OffersPage,
    OfferUpdate,
)

# LoyaltyRoute: idempotent answers are stored in the request's transaction (loyaltyhub.http.idempotency).
router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/offers", tags=["Offers management"])


def _languages(access: OffersList) -> tuple[list[str], str]:
    club = access.club
    return list(club.languages or [club.default_language]), club.default_language


@router.get("", response_model=OffersPage, responses=errors(401, 403, 404, 422), openapi_extra=EXTRAS_OPENAPI)
def list_offers(
    access: OffersList, session: SessionDep, filters: OfferFiltersDep, sort: OfferSortDep, page: PageDep
) -> OffersPage:
    languages, default_language = _languages(access)
    offers, info = queries.list_offers(session, access.club_id, filters, sort, page, languages, default_language)
    return OffersPage(offers=service.present_many(session, access.club_id, offers), pagination_info=info)


@router.get("/grouped", response_model=OfferGroups, responses=errors(401, 403, 404, 422), openapi_extra=EXTRAS_OPENAPI)
def list_offer_groups(
    access: OffersListGroups,
    session: SessionDep,
    group_by: Annotated[GroupBy, Query(description="Attribute the offers are grouped by")],
    filters: OfferFiltersDep,
    sort: OfferSortDep,
    page: PageDep,
) -> OfferGroups:
    """Groups in value order (null last); each holds the requested page of its offers."""
    languages, default_language = _languages(access)
    groups = queries.grouped_offers(session, access.club_id, group_by, filters, sort, page, languages, default_language)
    links = service.collection_ids_of(session, access.club_id, [o.id for _, offers, _ in groups for o in offers])
    return OfferGroups(
        group_by=group_by,
        groups=[
            OfferGroup(
                value=value,
                offers=[service.present(offer, links.get(offer.id, [])) for offer in offers],
                pagination_info=info,
            )
            for value, offers, info in groups
        ],
    )


@router.post("", response_model=OfferOut, status_code=201, responses=errors(401, 403, 404, 409, 422))
def create_offer(access: OffersCreate, _: Idempotent, body: OfferCreate, session: SessionDep) -> OfferOut:
    offer = service.create_offer(session, access.club, body)
    return service.present_one(session, offer)


@router.get("/{offer_id:int}", response_model=OfferOut, responses=errors(401, 403, 404))
async def show_offer(access: OffersList, offer: ShownOffer) -> OfferOut:
    """``async``: the offer was read by its dependency; shaping it needs no thread."""
    return offer


@router.patch("/{offer_id:int}", response_model=OfferOut, responses=errors(401, 403, 404, 422))
def update_offer(access: OffersUpdate, offer: OfferInClub, body: OfferUpdate, session: SessionDep) -> OfferOut:
    body.refuse_changed_read_only(lambda: service.present_one(session, offer))
    offer = service.update_offer(session, access.club, offer, body)
    return service.present_one(session, offer)


@router.post("/{offer_id:int}/clone", response_model=OfferOut, status_code=201, responses=errors(401, 403, 404, 409))
def clone_offer(access: OffersClone, _: Idempotent, offer: OfferInClub, session: SessionDep) -> OfferOut:
    """A draft copy (same content and collections) without counters or grants."""
    return service.present_one(session, service.clone_offer(session, offer))


@router.post("/{offer_id:int}/archive", response_model=OfferOut, responses=errors(401, 403, 404))
def archive_offer(access: OffersArchive, offer: OfferInClub, session: SessionDep) -> OfferOut:
    return service.present_one(session, service.archive_offer(session, offer))


@router.post(
    "/{offer_id:int}/grant", response_model=GrantsOut, status_code=201, responses=errors(401, 403, 404, 409, 422)
)
def grant_offer(
    access: OffersGrant, _: Idempotent, offer: OfferInClub, body: GrantRequest, session: SessionDep
) -> GrantsOut:
    """Grant the offer to every listed member, all or nothing (``maximum_grants_per_user``)."""
    created = grants.grant_offer(session, access.club_id, offer.id, body.member_ids)
    return GrantsOut(
        grants=[
            GrantOut(
                id=g.id,
                offer_id=g.offer_id,
                member_id=g.member_id,
                granted_at=g.granted_at,
                usable_until=grants.grant_usable_until(offer, g),
            )
            for g in created
        ],
        grants_count=offer.grants_count,
    )


# --- image templates (reference C.8) --------------------------------------------------------------


@router.get("/image_templates", response_model=ImageTemplatesPage, responses=errors(401, 403, 404, 422))
def list_image_templates(access: TemplatesList, session: SessionDep, page: PageDep) -> ImageTemplatesPage:
    statement = image_templates.club_templates(access.club_id).order_by(ImageTemplate.name, ImageTemplate.id)
    items, info = paginate(session, statement, page)
    return ImageTemplatesPage(image_templates=[image_templates.present(t) for t in items], pagination_info=info)


@router.post(
    "/image_templates", response_model=ImageTemplateOut, status_code=201, responses=errors(401, 403, 404, 409, 422)
)
def create_image_template(
    access: TemplatesCreate, _: Idempotent, body: ImageTemplateCreate, session: SessionDep
) -> ImageTemplateOut:
    return image_templates.present(image_templates.create_template(session, access.club_id, body))


@router.get("/image_templates/{template_id:int}", response_model=ImageTemplateOut, responses=errors(401, 403, 404))
def show_image_template(access: TemplatesList, template: TemplateInClub) -> ImageTemplateOut:
    return image_templates.present(template)


@router.patch_or_put(
    "/image_templates/{template_id:int}",
    response_model=ImageTemplateOut,
    responses=errors(401, 403, 404, 422),
)
def update_image_template(
    access: TemplatesUpdate, template: TemplateInClub, body: ImageTemplateUpdate, session: SessionDep
) -> ImageTemplateOut:
    body.refuse_changed_read_only(lambda: image_templates.present(template))
    return image_templates.present(image_templates.update_template(session, template, body))


@router.delete("/image_templates/{template_id:int}", status_code=204, responses=errors(401, 403, 404))
def destroy_image_template(access: TemplatesDestroy, template: TemplateInClub, session: SessionDep) -> Response:
    image_templates.destroy_template(session, template)
    return Response(status_code=204)
