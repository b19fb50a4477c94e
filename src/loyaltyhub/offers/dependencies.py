"""Auth aliases and path-id resolution of the offers management routes.

Path ids are resolved here, filtered by the caller's club: another club's id is a 404, exactly as if
it did not exist (before any body is validated).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import ValidationFailed, details_tree
from loyaltyhub.http.input_guard import loads, unstorable_json
from loyaltyhub.http.params import int_list_param, list_param
from loyaltyhub.http.session import SessionDep
from loyaltyhub.offers import service
from loyaltyhub.offers.models import ImageTemplate, Offer
from loyaltyhub.offers.queries import OfferFilters, OfferSort, SortBy
from loyaltyhub.offers.schemas import OfferOut
from loyaltyhub.offers.types import OFFER_TYPES, OfferScope, OfferStatus

OffersList = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_LIST))]
OffersListGroups = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_LIST_GROUPS))]
OffersCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_CREATE))]
OffersUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_UPDATE))]
OffersClone = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_CLONE))]
OffersArchive = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_ARCHIVE))]
OffersGrant = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_GRANT))]
TemplatesList = Annotated[ClubAccess, Depends(ClubAuth(permits.IMAGE_TEMPLATES_LIST))]
TemplatesCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.IMAGE_TEMPLATES_CREATE))]
TemplatesUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.IMAGE_TEMPLATES_UPDATE))]
TemplatesDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.IMAGE_TEMPLATES_DESTROY))]

# The club of the path, without a permit: the routes' own alias checks the permit. One instance,
# so FastAPI resolves it once per request.
club_of_path = ClubAuth()
ClubOfPath = Annotated[ClubAccess, Depends(club_of_path)]


def offer_in_club(offer_id: Annotated[int, Path(ge=1)], access: ClubOfPath, session: SessionDep) -> Offer:
    return access.tenant.get_or_404(session, Offer, offer_id)


def template_in_club(template_id: Annotated[int, Path(ge=1)], access: ClubOfPath, session: SessionDep) -> ImageTemplate:
    return access.tenant.get_or_404(session, ImageTemplate, template_id)


def shown_offer(offer_id: Annotated[int, Path(ge=1)], access: ClubOfPath, session: SessionDep) -> OfferOut:
    """The offer of the path as ``GET`` shows it (404 when not in the club), read in one query."""
    return service.show_offer(session, access.tenant, offer_id)


OfferInClub = Annotated[Offer, Depends(offer_in_club)]
ShownOffer = Annotated[OfferOut, Depends(shown_offer)]
TemplateInClub = Annotated[ImageTemplate, Depends(template_in_club)]


# --- list parameters (reference C.6) --------------------------------------------------------------

EXTRAS_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


EXTRAS_EXAMPLE = {"category": 42, "color": "red"}
# ``extras`` is a JSON object in the query string, which a typed FastAPI parameter cannot describe (it
# would say "string"). The dependency reads it from the request, and every route using ``offer_filters``
# declares it with ``openapi_extra=EXTRAS_OPENAPI``: an OpenAPI parameter with ``content`` (not ``schema``)
# is the standard way to say "this query parameter is JSON of this shape".
EXTRAS_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": "extras",
            "in": "query",
            "required": False,
            "description": (
                "Only offers whose `extras` hold every given key with an equal value (JSON types compared: "
                '`42` does not match `"42"`). A JSON object, URL-encoded in the query string: '
                '`extras={"category":42,"color":"red"}`, sent as '
                "`extras=%7B%22category%22%3A42%2C%22color%22%3A%22red%22%7D`. "
                "Alternatively one parameter per key: `extras[category]=42&extras[color]=red` (a value is read "
                "as JSON when it parses, else as a string). Keys: 1-100 of `A-Z a-z 0-9 _ -`. Anything else "
                "(not JSON, not an object, a bad key) is 422 with the problem under `details.extras`."
            ),
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "propertyNames": {"pattern": EXTRAS_KEY.pattern},
                        "additionalProperties": True,
                    },
                    "example": EXTRAS_EXAMPLE,
                }
            },
        }
    ]
}


def _extras(request: Request) -> dict[str, Any] | None:
    """``extras={"category": 42}`` (a JSON object) or ``extras[category]=42`` (values read as JSON
    when they parse, as strings otherwise). See :data:`EXTRAS_OPENAPI`."""
    result: dict[str, Any] = {}
    raw = request.query_params.get("extras")
    if raw is not None:
        try:
            parsed = loads(raw)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ValidationFailed.at(("extras",), "invalid_type", expected="object")
        result.update(parsed)
    for key, value in request.query_params.multi_items():
        if key.startswith("extras[") and key.endswith("]"):
            try:
                result[key[7:-1]] = loads(value)
            except ValueError:
                result[key[7:-1]] = value
    for key in result:
        if not EXTRAS_KEY.match(key):
            raise ValidationFailed.at(("extras", key), "invalid_format", format=EXTRAS_KEY.pattern)
    # JSON escapes can spell text no column can store (``"\u0000"``): refuse it here, as the input guard
    # does for raw parameters and bodies, instead of failing in PostgreSQL's jsonb.
    problems = unstorable_json(result, ("extras",))
    if problems:
        raise ValidationFailed(details_tree(problems))
    return result or None


def _ids(request: Request, name: str) -> tuple[int, ...] | None:
    values = int_list_param(request, name)
    return tuple(values) if values is not None else None


def offer_filters(
    request: Request,
    scope: Annotated[OfferScope, Query(description="Offer scope; selects the types of that scope")] = "standard",
    types: Annotated[list[str] | None, Query(description="Offer types (within the scope)")] = None,
    collection_ids: Annotated[list[str] | None, Query(description="Offers in at least one of them")] = None,
    store_ids: Annotated[list[str] | None, Query()] = None,
    ids: Annotated[list[str] | None, Query()] = None,
    status: Annotated[OfferStatus | None, Query()] = None,
    campaign_id: Annotated[int | None, Query(ge=1)] = None,
    audience_id: Annotated[int | None, Query(ge=1)] = None,
    search: Annotated[str | None, Query(max_length=200, description="Text in name, description, internal name")] = None,
    without_collection: bool = False,
    without_audience_id: bool = False,
    without_campaign_id: bool = False,
    without_store: bool = False,
    with_archived: bool = False,
) -> OfferFilters:
    type_values = list_param(request, "types")
    if type_values is not None:
        for index, value in enumerate(type_values):
            if value not in OFFER_TYPES:
                raise ValidationFailed.at(("types", index), "inclusion", **{"in": list(OFFER_TYPES)})
    return OfferFilters(
        scope=scope,
        types=tuple(type_values) if type_values is not None else None,
        collection_ids=_ids(request, "collection_ids"),
        store_ids=_ids(request, "store_ids"),
        ids=_ids(request, "ids"),
        status=status,
        campaign_id=campaign_id,
        audience_id=audience_id,
        search=search.strip() if search and search.strip() else None,
        extras=_extras(request),
        without_collection=without_collection,
        without_audience_id=without_audience_id,
        without_campaign_id=without_campaign_id,
        without_store=without_store,
        with_archived=with_archived,
    )


def offer_sort(sort_by: SortBy = "name", sort_direction: Literal["asc", "desc"] = "asc") -> OfferSort:
    return OfferSort(sort_by=sort_by, sort_direction=sort_direction)


OfferFiltersDep = Annotated[OfferFilters, Depends(offer_filters)]
OfferSortDep = Annotated[OfferSort, Depends(offer_sort)]
