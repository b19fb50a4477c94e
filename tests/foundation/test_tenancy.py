"""The tenancy layer (loyaltyhub.db.tenancy): club criteria, and the audit that fails a statement on a
tenant table without one."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, aliased

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db import tenancy
from loyaltyhub.db.tenancy import Tenant, across_clubs, in_club, same_club, unscoped_tables
from loyaltyhub.errors import NotFound
from loyaltyhub.members.models import Member
from loyaltyhub.offers.models import Offer, OfferGrant
from loyaltyhub.stores.models import Store
from tests.factories import Factory


def test_a_select_of_a_tenant_table_needs_its_club() -> None:
    assert unscoped_tables(select(Offer)) == ["offers"]
    assert unscoped_tables(Tenant.of(1).select(Offer)) == []
    assert unscoped_tables(select(Offer.id).where(in_club(Offer, 7))) == []


def test_several_clubs_are_one_criterion() -> None:
    statement = Tenant.of([1, 2, 2]).select(Offer)
    assert unscoped_tables(statement) == []
    assert Tenant.of([1, 2, 2]).club_ids == (1, 2)


def test_a_joined_tenant_table_needs_its_club_too() -> None:
    joined = Tenant.of(1).select(Offer).join(OfferGrant, OfferGrant.offer_id == Offer.id)
    assert unscoped_tables(joined) == ["offer_grants"]
    same = Tenant.of(1).select(Offer).join(OfferGrant, (OfferGrant.offer_id == Offer.id) & same_club(OfferGrant, Offer))
    assert unscoped_tables(same) == []


def test_a_club_found_in_the_same_query_scopes_its_rows() -> None:
    statement = select(LoyaltyClub, Member).outerjoin(Member, in_club(Member, LoyaltyClub.id))
    assert unscoped_tables(statement) == []


def test_subqueries_exists_and_aliases_are_checked() -> None:
    inner = select(Member.id).subquery()
    assert unscoped_tables(Tenant.of(1).select(Offer).where(Offer.id.in_(select(inner.c.id)))) == ["members"]
    other = aliased(Offer)
    assert unscoped_tables(select(other).where(other.id == 1)) == ["offers (aliased)"]
    assert unscoped_tables(Tenant.of(1).select(other)) == []


def test_writes_are_checked_but_plain_inserts_name_their_club() -> None:
    assert unscoped_tables(update(Offer).where(Offer.id == 3)) == ["offers"]
    assert unscoped_tables(delete(Store)) == ["stores"]
    assert unscoped_tables(Tenant.of(1).update(Offer).where(Offer.id == 3)) == []
    copy = insert(OfferGrant).from_select(["offer_id"], select(Offer.id))
    assert unscoped_tables(copy.select) == ["offers"]


def test_tables_that_only_refer_to_a_club_are_not_tenant_tables() -> None:
    from loyaltyhub.auth.models import ClientTokenClub, UserRole

    assert unscoped_tables(select(ClientTokenClub)) == []
    assert unscoped_tables(select(UserRole)) == []


def test_get_or_404_does_not_see_another_clubs_row(session: Session, factory: Factory) -> None:
    mine, theirs = factory.club(), factory.club()
    store = Store(loyalty_club_id=theirs.id, name="Theirs")
    session.add(store)
    session.flush()
    assert Tenant.of(theirs.id).get_or_404(session, Store, store.id) is store
    with pytest.raises(NotFound, match=f"Store#{store.id} not found"):
        Tenant.of(mine.id).get_or_404(session, Store, store.id)


def _run_as_loyaltyhub_code(session: Session, statement: object) -> None:
    """Execute ``statement`` from a frame that looks like loyaltyhub's own code (the audit ignores tests
    reading tables to check outcomes, and checks everything loyaltyhub runs)."""
    code = compile("session.execute(statement)", "/src/loyaltyhub/somedomain/service.py", "exec")
    exec(code, {"session": session, "statement": statement})


def test_the_audit_fails_an_unscoped_statement_from_loyaltyhub_code(
    session: Session, tenancy_audit: tenancy.Audit
) -> None:
    seen = len(tenancy_audit.violations)
    with pytest.raises(tenancy.TenancyViolation, match=r"offers without a club criterion, from somedomain/service\.py"):
        _run_as_loyaltyhub_code(session, select(Offer.id))
    assert len(tenancy_audit.violations) == seen + 1
    del tenancy_audit.violations[seen:]  # the test's own violation, not a failure of this test


def test_the_audit_lets_scoped_and_across_clubs_statements_through(
    session: Session, factory: Factory, tenancy_audit: tenancy.Audit
) -> None:
    club = factory.club()
    seen = len(tenancy_audit.violations)
    _run_as_loyaltyhub_code(session, Tenant.of(club.id).select(Offer.id))
    _run_as_loyaltyhub_code(session, across_clubs(select(Offer.id)))
    assert len(tenancy_audit.violations) == seen
