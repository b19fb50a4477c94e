"""Club info rules: legal information and translations per club (one document each, replaced whole), the
club's programs. Every query goes through the tenancy layer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyaltyhub.club_info.models import ClubLegalInformation, ClubProgram, ClubTranslation
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.dialect import insert_ignore
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import ValidationFailed


def legal_information(session: Session, club_id: int) -> ClubLegalInformation | None:
    return session.execute(select(ClubLegalInformation).where(in_club(ClubLegalInformation, club_id))).scalar()


def _ensure_row(session: Session, model: Any, key: dict[str, Any], empty: dict[str, Any]) -> None:
    """Insert the club's row of ``model`` with ``key`` (its unique key) and ``empty`` values unless it
    exists. One statement (``ON CONFLICT DO NOTHING``), so two first saves at once do not both insert: the
    second waits for the first, then finds its row and replaces it (a select-then-insert lets both insert,
    and one fails on the unique key: a 500)."""
    now = utcnow()
    insert_ignore(session, model.__table__, {**key, **empty, "created_at": now, "updated_at": now}, list(key))


def set_legal_information(session: Session, club_id: int, content: dict[str, Any]) -> ClubLegalInformation:
    _ensure_row(session, ClubLegalInformation, {"loyalty_club_id": club_id}, {"content": {}})
    row = legal_information(session, club_id)
    assert row is not None
    row.content = content
    session.flush()
    return row


def club_languages(club: LoyaltyClub) -> list[str]:
    return list(club.languages or [club.default_language])


def checked_language(club: LoyaltyClub, language: str | None, field: tuple[str, ...]) -> str:
    """``language``, or the club's default when absent; 422 ``inclusion`` when the club does not speak it."""
    chosen = language or club.default_language
    if chosen not in club_languages(club):
        raise ValidationFailed.at(field, "inclusion", **{"in": club_languages(club)})
    return chosen


def translation(session: Session, club_id: int, language: str) -> ClubTranslation | None:
    statement = select(ClubTranslation).where(in_club(ClubTranslation, club_id), ClubTranslation.language == language)
    return session.execute(statement).scalar()


def set_translation(session: Session, club_id: int, language: str, values: dict[str, Any]) -> ClubTranslation:
    empty: dict[str, Any] = {"member_properties": {}, "consents": {}, "tags": {}}
    _ensure_row(session, ClubTranslation, {"loyalty_club_id": club_id, "language": language}, empty)
    row = translation(session, club_id, language)
    assert row is not None
    row.member_properties = values["member_properties"]
    row.consents = values["consents"]
    row.tags = values["tags"]
    row.terms = values["terms"]
    session.flush()
    return row


def programs_statement(club_id: int, *, only_active: bool) -> Select[tuple[ClubProgram]]:
    statement = select(ClubProgram).where(in_club(ClubProgram, club_id))
    if only_active:
        statement = statement.where(ClubProgram.active.is_(True))
    return statement.order_by(ClubProgram.position.asc(), ClubProgram.id.asc())


def _flush(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ValidationFailed.at(("slug",), "taken")


def create_program(session: Session, club_id: int, values: dict[str, Any]) -> ClubProgram:
    program = ClubProgram(loyalty_club_id=club_id, **values)
    session.add(program)
    _flush(session)
    return program


def update_program(session: Session, program: ClubProgram, changes: dict[str, Any]) -> ClubProgram:
    for key, value in changes.items():
        if key in ("slug", "name", "active", "position", "translations") and value is None:
            raise ValidationFailed.at((key,), "blank")
        setattr(program, key, value)
    _flush(session)
    return program


def delete_program(session: Session, program: ClubProgram) -> None:
    session.delete(program)
    session.flush()


def products(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """List Products (reference (e).3) from the member schema's ``products`` (product slug → the member
    properties it may access): ``filtered_member_properties`` is empty when the product reaches them all,
    as the vendor documents; loyaltyhub has no sub-products and no webforms of its own."""
    every = sorted(schema.get("properties", {}))
    listed = []
    for slug, properties in schema.get("products", {}).items():
        reached = sorted(properties)
        listed.append(
            {
                "name": slug.replace("_", " ").replace("-", " ").title(),
                "slug": slug,
                "filtered_member_properties": [] if reached == every else reached,
                "subproducts": [],
                "is_webform": slug == "webforms",
            }
        )
    return listed
