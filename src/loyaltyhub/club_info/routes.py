"""HTTP routes of Public API › Loyalty Club (reference (e).3, 6.1): show a club, list the clubs the caller
may access (``X-Customer`` narrows the list; naming a club out of reach is 403), the member schema, legal
information, translations (v3), programs; and the management routes setting what they show
(docs/decisions/club_info.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.customers import CustomerHeaderError, clubs_for_customer, clubs_of, parse_customer
from loyaltyhub.auth.dependencies import Authenticator, ClubAuth, CurrentPrincipal
from loyaltyhub.auth.principal import Principal
from loyaltyhub.club_info import service
from loyaltyhub.club_info.models import ClubProgram
from loyaltyhub.club_info.schemas import (
    LegalInformationBody,
    LegalInformationOut,
    LoyaltyClubOut,
    LoyaltyClubsPage,
    ProductOut,
    ProgramCreate,
    ProgramOut,
    ProgramsPage,
    ProgramUpdate,
    TranslationsBody,
    TranslationsOut,
)
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import club_by_community_id
from loyaltyhub.errors import MalformedHeader, MissingPermit, NotFound
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.properties import json_schema

router = LoyaltyRouter(tags=["Public API: loyalty club"])

ClubsGet = Annotated[ClubAccess, Depends(ClubAuth(permits.LOYALTY_CLUBS_GET))]
SchemaGet = Annotated[ClubAccess, Depends(ClubAuth(permits.SCHEMA_GET))]
ProductsIndex = Annotated[ClubAccess, Depends(ClubAuth(permits.PRODUCTS_INDEX))]
LegalGet = Annotated[ClubAccess, Depends(ClubAuth(permits.LEGAL_INFORMATION_GET))]
LegalUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.LEGAL_INFORMATION_UPDATE))]
TranslationsIndex = Annotated[ClubAccess, Depends(ClubAuth(permits.TRANSLATIONS_INDEX))]
TranslationsUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.TRANSLATIONS_UPDATE))]
ProgramsList = Annotated[ClubAccess, Depends(ClubAuth(permits.PROGRAMS_LIST))]
ProgramsManageList = Annotated[ClubAccess, Depends(ClubAuth(permits.PROGRAMS_MANAGE_LIST))]
ProgramsCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.PROGRAMS_CREATE))]
ProgramsUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.PROGRAMS_UPDATE))]
ProgramsDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.PROGRAMS_DESTROY))]
Language = Annotated[str, Path(min_length=1, max_length=16, description="A language the club is set up in")]


@router.get("/v3/loyalty_clubs", response_model=LoyaltyClubsPage, responses=errors(401, 403, 422, 471))
def list_loyalty_clubs(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    customer_id: Annotated[
        int | None, Query(ge=1, description="Only the clubs of this customer (organization)")
    ] = None,
) -> LoyaltyClubsPage:
    """List Loyalty Clubs: the clubs the caller may access and holds ``BL:Api:LoyaltyClubs:ListMine`` on."""
    header = request.headers.get("X-Customer")
    if header is None:
        clubs = clubs_of(session, principal)
    else:
        try:
            clubs, _ = clubs_for_customer(session, principal, parse_customer(header))
        except CustomerHeaderError as exc:
            raise MalformedHeader("X-Customer", str(exc))
    listed = [club for club in clubs if permits.LOYALTY_CLUBS_LIST in principal.permits_on(club)]
    if clubs and not listed:
        raise MissingPermit(permits.LOYALTY_CLUBS_LIST)
    if customer_id is not None:
        listed = [club for club in listed if club.organization_id == customer_id]
    chosen = listed[page.offset : page.offset + page.per_page]
    return LoyaltyClubsPage(
        loyalty_clubs=[LoyaltyClubOut.of(c) for c in chosen], pagination_info=page.info(len(listed))
    )


@router.get("/v3/loyalty_clubs/{loyalty_club_slug}", response_model=LoyaltyClubOut, responses=errors(401, 403, 404))
def show_loyalty_club(access: ClubsGet) -> LoyaltyClubOut:
    """Show Loyalty Club by its slug."""
    return LoyaltyClubOut.of(access.club)


class CommunityClubAuth(Authenticator):
    """LoyaltyClub context of the club whose vendor community is ``{community_id}``: 404 for none and for a
    club the caller does not cover (unlike a slug, the id names no club the caller knows), 403 for a
    missing permit."""

    async def __call__(
        self,
        request: Request,
        session: SessionDep,
        community_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The club's vendor community id")],
    ) -> ClubAccess:
        principal = await self.authenticate(request, session)
        club = await run_in_threadpool(self._club, request, session, principal, community_id)
        return self.club_access(request, session, principal, club, f"with community id {community_id}")

    @staticmethod
    def _club(request: Request, session: Session, principal: Principal, community_id: int) -> LoyaltyClub | None:
        """The club, when the caller covers it and ``X-Customer`` (when sent, as on List Loyalty Clubs: a
        club out of reach is 403) selects it; a community id of a club out of reach reveals nothing (None)."""
        header = request.headers.get("X-Customer")
        selected = None
        if header is not None:
            try:
                selected, _ = clubs_for_customer(session, principal, parse_customer(header))
            except CustomerHeaderError as exc:
                raise MalformedHeader("X-Customer", str(exc))
        club = club_by_community_id(session, community_id)
        if club is None or not principal.covers(club):
            return None
        if selected is not None and club.id not in {c.id for c in selected}:
            return None
        return club


ClubByCommunity = Annotated[ClubAccess, Depends(CommunityClubAuth(permits.LOYALTY_CLUBS_GET))]


@router.get(
    "/v3/loyalty_clubs/by_community_id/{community_id}",
    response_model=LoyaltyClubOut,
    responses=errors(401, 403, 404, 422),
)
def show_loyalty_club_by_community_id(access: ClubByCommunity) -> LoyaltyClubOut:
    """Show Loyalty Club by its vendor community id (set with ``loyaltyhub clubs set-community-id``)."""
    return LoyaltyClubOut.of(access.club)


@router.get("/v3/{loyalty_club_slug}/products", response_model=list[ProductOut], responses=errors(401, 403, 404))
def list_products(access: ProductsIndex) -> list[ProductOut]:
    """List Products: the products (channels, sources) of the club and the member properties each may
    access, as the member schema's ``products`` says (an empty list: all of them)."""
    return [ProductOut(**product) for product in service.products(json_schema(access.club))]


@router.get("/v3/{loyalty_club_slug}/member_schema", responses=errors(401, 403, 404))
def show_member_schema(access: SchemaGet) -> dict[str, Any]:
    """Show Schema: the member JSON schema (draft 4) of the club, as Create Member applies it."""
    return json_schema(access.club)


# --- Legal information ------------------------------------------------------------------------------
def _legal_out(access: ClubAccess, session: SessionDep) -> LegalInformationOut:
    row = service.legal_information(session, access.club_id)
    if row is None:
        return LegalInformationOut()
    return LegalInformationOut(**row.content, updated_at=row.updated_at)


@router.get(
    "/v3/{loyalty_club_slug}/legal_information", response_model=LegalInformationOut, responses=errors(401, 403, 404)
)
def show_legal_information(access: LegalGet, session: SessionDep) -> LegalInformationOut:
    """Show Legal Information: the club operator's legal details; every key null until staff set them."""
    return _legal_out(access, session)


@router.put(
    "/v1/{loyalty_club_slug}/legal_information",
    response_model=LegalInformationOut,
    responses=errors(401, 403, 404, 422),
)
def set_legal_information(body: LegalInformationBody, access: LegalUpdate, session: SessionDep) -> LegalInformationOut:
    """Set Legal Information: replaces the whole document."""
    service.set_legal_information(session, access.club_id, body.model_dump())
    return _legal_out(access, session)


# --- Translations -------------------------------------------------------------------------------------
def _translations_out(session: SessionDep, club_id: int, language: str) -> TranslationsOut:
    row = service.translation(session, club_id, language)
    if row is None:
        return TranslationsOut(member_properties={}, consents={}, tags={})
    return TranslationsOut(
        member_properties=row.member_properties, consents=row.consents, tags=row.tags, terms=row.terms
    )


@router.get(
    "/v3/{loyalty_club_slug}/translations",
    response_model=TranslationsOut,
    response_model_exclude_none=True,
    responses=errors(401, 403, 404, 422),
)
def list_translations(
    access: TranslationsIndex,
    session: SessionDep,
    language: Annotated[str | None, Query(max_length=16, description="Default: the club's default language")] = None,
) -> TranslationsOut:
    """List Translations (v3): the club's texts in one language."""
    chosen = service.checked_language(access.club, language, ("language",))
    return _translations_out(session, access.club_id, chosen)


@router.put(
    "/v1/{loyalty_club_slug}/translations/{language}",
    response_model=TranslationsOut,
    response_model_exclude_none=True,
    responses=errors(401, 403, 404, 422),
)
def set_translations(
    language: Language, body: TranslationsBody, access: TranslationsUpdate, session: SessionDep
) -> TranslationsOut:
    """Set Translations of one of the club's languages: replaces that language's whole set."""
    chosen = service.checked_language(access.club, language, ("language",))
    service.set_translation(session, access.club_id, chosen, body.model_dump())
    return _translations_out(session, access.club_id, chosen)


# --- Programs -------------------------------------------------------------------------------------------
def _active_program(program_id: int, access: ProgramsList, session: SessionDep) -> ClubProgram:
    program = access.tenant.get_or_404(session, ClubProgram, program_id, "Program")
    if not program.active:
        raise NotFound(f"Program#{program_id} not found")
    return program


def _program_to_show(program_id: int, access: ProgramsManageList, session: SessionDep) -> ClubProgram:
    return access.tenant.get_or_404(session, ClubProgram, program_id, "Program")


def _program_to_update(program_id: int, access: ProgramsUpdate, session: SessionDep) -> ClubProgram:
    return access.tenant.get_or_404(session, ClubProgram, program_id, "Program")


def _program_to_destroy(program_id: int, access: ProgramsDestroy, session: SessionDep) -> ClubProgram:
    return access.tenant.get_or_404(session, ClubProgram, program_id, "Program")


def _programs_page(session: SessionDep, club_id: int, page: PageDep, *, only_active: bool) -> ProgramsPage:
    programs, info = paginate(session, service.programs_statement(club_id, only_active=only_active), page)
    return ProgramsPage(programs=[ProgramOut.model_validate(p) for p in programs], pagination_info=info)


@router.get("/v3/{loyalty_club_slug}/programs", response_model=ProgramsPage, responses=errors(401, 403, 404, 422))
def list_programs(access: ProgramsList, session: SessionDep, page: PageDep) -> ProgramsPage:
    """List Programs: the club's active programs in their order."""
    return _programs_page(session, access.club_id, page, only_active=True)


@router.get("/v3/{loyalty_club_slug}/programs/{program_id}", response_model=ProgramOut, responses=errors(401, 403, 404))
def show_program(program: Annotated[ClubProgram, Depends(_active_program)]) -> ProgramOut:
    """Show Program: one active program (an inactive one is 404 here)."""
    return ProgramOut.model_validate(program)


@router.get("/v1/{loyalty_club_slug}/programs", response_model=ProgramsPage, responses=errors(401, 403, 404, 422))
def manage_list_programs(access: ProgramsManageList, session: SessionDep, page: PageDep) -> ProgramsPage:
    """Management List Programs: every program, inactive ones too."""
    return _programs_page(session, access.club_id, page, only_active=False)


@router.post(
    "/v1/{loyalty_club_slug}/programs", status_code=201, response_model=ProgramOut, responses=errors(401, 403, 404, 422)
)
def create_program(body: ProgramCreate, access: ProgramsCreate, _: Idempotent, session: SessionDep) -> ProgramOut:
    """Create Program."""
    return ProgramOut.model_validate(service.create_program(session, access.club_id, body.model_dump()))


@router.get("/v1/{loyalty_club_slug}/programs/{program_id}", response_model=ProgramOut, responses=errors(401, 403, 404))
def manage_show_program(program: Annotated[ClubProgram, Depends(_program_to_show)]) -> ProgramOut:
    """Management Show Program (inactive ones too)."""
    return ProgramOut.model_validate(program)


@router.patch_or_put(
    "/v1/{loyalty_club_slug}/programs/{program_id}", response_model=ProgramOut, responses=errors(401, 403, 404, 422)
)
def update_program(
    body: ProgramUpdate, program: Annotated[ClubProgram, Depends(_program_to_update)], session: SessionDep
) -> ProgramOut:
    """Update Program: the keys sent."""
    body.refuse_changed_read_only(lambda: ProgramOut.model_validate(program))
    changes = body.model_dump(exclude_unset=True)
    return ProgramOut.model_validate(service.update_program(session, program, changes))


@router.delete("/v1/{loyalty_club_slug}/programs/{program_id}", status_code=204, responses=errors(401, 403, 404))
def destroy_program(program: Annotated[ClubProgram, Depends(_program_to_destroy)], session: SessionDep) -> Response:
    """Destroy Program."""
    service.delete_program(session, program)
    return Response(status_code=204)
