"""The tenancy layer: the one place that says which loyalty club(s) a statement is for.

Every tenant table carries ``loyalty_club_id`` (:class:`~loyaltyhub.db.base.TenantMixin`). Code never
writes that comparison by hand; it asks a :class:`Tenant` (the clubs of the request, or of a job) for it:

* ``tenant.where(Offer)`` — the criterion ``offers.loyalty_club_id = :club`` (``IN`` for several clubs);
* ``tenant.select(Offer)`` — ``SELECT offers.* ... WHERE <that criterion>``, the start of every read;
* ``tenant.get(session, Offer, id)`` / :meth:`Tenant.get_or_404` — one row by id, ``None``/404 for another
  club's id (exactly as if it did not exist);
* ``in_club(Offer, club_id)`` — the same criterion where a function holds a club id (or a bind parameter,
  or ``LoyaltyClub.id`` when the club is found in the same query);
* ``same_club(OfferGrant, Offer)`` — a join condition keeping a joined tenant table in the club of the row
  it is joined to.

Jobs that deliberately work over every club (snapshots, roll-ups, the export runner) say so with
:func:`across_clubs`, which marks the statement instead of filtering it.

Why explicit criteria rather than SQLAlchemy's ``with_loader_criteria`` applied by the session: the
reporting compiler, roll-ups and the hot use path build Core statements (which loader criteria do not
reach), one request may read several clubs (Customer context) or first find its club in the same query
(a slug joined to the member and the offer), and an explicit criterion is visible in the code and in the
SQL. What makes it impossible to forget is :func:`install_audit`: the test suite (and any deployment that
sets ``LOYALTYHUB_TENANCY_AUDIT``) checks every statement that reaches the database and fails one that
reads or changes a tenant table without a criterion on that table's ``loyalty_club_id``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Delete, Engine, Select, Update, delete, event, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, ColumnClause
from sqlalchemy.sql.selectable import Alias, FromClause, TableClause

from loyaltyhub.db.base import TENANT_KEY, Base
from loyaltyhub.errors import NotFound

CLUB_COLUMN = "loyalty_club_id"
ACROSS_CLUBS_OPTION = "loyaltyhub_across_clubs"
_CHECKED_OPTION = "loyaltyhub_tenancy_checked"

T = TypeVar("T")
S = TypeVar("S", Select[Any], Update, Delete)


def _club_column(entity: Any) -> ColumnElement[int]:
    """``entity.loyalty_club_id`` of a mapped class, an ``aliased()`` class, a table or a subquery."""
    parent = getattr(entity, "class_", None)  # ``Offer.id`` names the table of ``Offer``
    if parent is None and isinstance(entity, ColumnClause):
        parent = entity.table
    if parent is not None:
        entity = parent
    column = getattr(entity, CLUB_COLUMN, None)
    if column is None:
        columns = getattr(entity, "c", None)
        column = getattr(columns, CLUB_COLUMN, None) if columns is not None else None
    if column is None:
        raise TypeError(f"{entity!r} is not a tenant table (no {CLUB_COLUMN})")
    return column


@dataclass(frozen=True)
class Tenant:
    """The club(s) a unit of work is for: one for a LoyaltyClub context, one or more for a Customer context."""

    club_ids: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.club_ids:
            raise ValueError("a tenant names at least one club")

    @classmethod
    def of(cls, club_ids: int | Iterable[int]) -> Tenant:
        if isinstance(club_ids, int):
            return cls((club_ids,))
        return cls(tuple(dict.fromkeys(club_ids)))

    @property
    def club_id(self) -> int:
        """The club of a single-club tenant (a LoyaltyClub context, or a job working on one club)."""
        if len(self.club_ids) != 1:
            raise ValueError("this tenant spans several clubs")
        return self.club_ids[0]

    def where(self, entity: Any) -> ColumnElement[bool]:
        column = _club_column(entity)
        if len(self.club_ids) == 1:
            return column == self.club_ids[0]
        return column.in_(self.club_ids)

    def select(self, entity: Any, *more: Any) -> Select[Any]:
        """``SELECT entity, *more`` restricted to the tenant's clubs (on ``entity``)."""
        return select(entity, *more).where(self.where(entity))

    def update(self, entity: Any) -> Update:
        return update(entity).where(self.where(entity))

    def delete(self, entity: Any) -> Delete:
        return delete(entity).where(self.where(entity))

    def get(self, session: Session, entity: type[T], ident: int) -> T | None:
        return session.execute(self.select(entity).where(entity.id == ident)).scalar_one_or_none()  # type: ignore[attr-defined]

    def get_or_404(self, session: Session, entity: type[T], ident: int, label: str | None = None) -> T:
        found = self.get(session, entity, ident)
        if found is None:
            raise NotFound(f"{label or entity.__name__}#{ident} not found")
        return found

    def owns(self, row: Any) -> bool:
        return getattr(row, CLUB_COLUMN) in self.club_ids


def same_club(joined: Any, anchor: Any) -> ColumnElement[bool]:
    """Join condition: ``joined`` rows belong to the club of the ``anchor`` row they are joined to."""
    return _club_column(joined) == _club_column(anchor)


def in_club(entity: Any, club_id: Any) -> ColumnElement[bool]:
    """``entity`` rows of the club ``club_id`` names: an id, a bind parameter, or a column such as
    ``LoyaltyClub.id`` when the club is found in the same query."""
    return _club_column(entity) == club_id


def in_clubs(entity: Any, club_ids: Sequence[int] | ColumnElement[Any]) -> ColumnElement[bool]:
    """``entity`` rows of any of ``club_ids`` (a list, or an expanding bind parameter)."""
    return _club_column(entity).in_(club_ids)


def club_of(entity: Any) -> ColumnElement[int]:
    """The club column itself, for selecting or grouping by it (never for filtering: use the above)."""
    return _club_column(entity)


def across_clubs(statement: S) -> S:
    """Mark a statement that works over every club on purpose (a job's roll-up, a cleanup, a migration)."""
    return statement.execution_options(**{ACROSS_CLUBS_OPTION: True})


# --- the audit ------------------------------------------------------------------------------------------


class TenancyViolation(AssertionError):
    """A statement read or changed a tenant table without naming its club."""


def _tenant_table_names() -> frozenset[str]:
    """Names of the tenant tables in the metadata (a lightweight ``table("offers")`` is recognized by name)."""
    tables = Base.metadata.tables
    if _tenant_names[0] != len(tables):
        names = frozenset(
            name
            for name, table in tables.items()
            if CLUB_COLUMN in table.c and table.c[CLUB_COLUMN].info.get(TENANT_KEY)
        )
        _tenant_names[:] = [len(tables), names]
    return _tenant_names[1]  # type: ignore[return-value]


_tenant_names: list[Any] = [-1, frozenset()]


def _tenant_table(table: Any) -> bool:
    return isinstance(table, TableClause) and table.name in _tenant_table_names()


def _from_key(from_clause: Any) -> tuple[str, str] | None:
    """A name for a tenant table or an alias of one, stable across SQLAlchemy's annotated copies."""
    if isinstance(from_clause, Alias):
        if _tenant_table(from_clause.element):
            return ("alias", str(from_clause.name))
        return None
    if _tenant_table(from_clause):
        return ("table", from_clause.name)
    return None


def _club_column_key(element: Any) -> tuple[str, str] | None:
    if isinstance(element, ColumnClause) and element.name == CLUB_COLUMN:
        table = element.table
        if table is not None:
            return _from_key(table)
    return None


_FILTERING = {operators.eq, operators.in_op}


def unscoped_tables(statement: Any) -> list[str]:
    """Tenant tables (or aliases) a statement touches without comparing their ``loyalty_club_id``.

    A table counts as scoped when its club column is an operand of an ``=`` or ``IN`` anywhere in the
    statement (a WHERE, a JOIN's ON, a subquery): against a bound club id, the clubs table's id, or
    another tenant table's club column. INSERT ... VALUES sets the club explicitly and is not checked.
    """
    touched: dict[tuple[str, str], str] = {}
    scoped: set[tuple[str, str]] = set()
    pending = [statement]
    while pending:
        element = pending.pop()
        if isinstance(element, FromClause):
            key = _from_key(element)
            if key is not None:
                touched[key] = f"{element.element.name} (aliased)" if key[0] == "alias" else key[1]  # type: ignore[attr-defined]
                if key[0] == "alias":
                    continue  # the aliased table itself is only reached through the alias
        elif isinstance(element, ColumnClause):
            table = element.table
            key = _from_key(table) if table is not None else None
            if key is not None and key not in touched:
                touched[key] = f"{table.element.name} (aliased)" if key[0] == "alias" else key[1]
        if isinstance(element, BinaryExpression) and element.operator in _FILTERING:
            for side in (element.left, element.right):
                key = _club_column_key(side)
                if key is not None:
                    scoped.add(key)
        pending.extend(element.get_children())
    return sorted(name for key, name in touched.items() if key not in scoped)


def _describe(statement: Any) -> str:
    try:
        return str(statement).replace("\n", " ")[:400]
    except Exception:  # a statement that cannot compile on its own (dialect-specific): name its type
        return type(statement).__name__


@dataclass
class Audit:
    """Statements that broke the rule; raised at once and also kept, for a test to assert on afterwards."""

    violations: list[str]
    lock: threading.Lock
    raise_errors: bool = True
    uninstall: Callable[[], None] = lambda: None

    def check(self, statement: Any, options: dict[str, Any]) -> None:
        if options.get(ACROSS_CLUBS_OPTION) or _statement_option(statement, ACROSS_CLUBS_OPTION):
            return
        if getattr(statement, "is_insert", False):
            statement = getattr(statement, "select", None)  # INSERT ... SELECT: the SELECT reads
            if statement is None:
                return
        origin = _origin()
        if origin is None:
            return
        missing = unscoped_tables(statement)
        if missing:
            message = (
                f"statement on tenant table(s) {', '.join(missing)} without a club criterion, from {origin}: "
                f"{_describe(statement)}"
            )
            with self.lock:
                self.violations.append(message)
            if self.raise_errors:
                raise TenancyViolation(message)


def _origin() -> str | None:
    """Where the statement came from: the innermost frame of loyaltyhub's own code (outside this package),
    or None when the innermost caller is not loyaltyhub (a test reading tables to check an outcome)."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if "/loyaltyhub/" in filename:
            if "/loyaltyhub/db/" not in filename:
                return f"{filename.rsplit('/loyaltyhub/', 1)[1]}:{frame.f_lineno} ({frame.f_code.co_name})"
        elif "/site-packages/" not in filename and "/lib/python" not in filename and "<" not in filename[:1]:
            return None
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _statement_option(statement: Any, name: str) -> Any:
    options = getattr(statement, "_execution_options", None)
    return options.get(name) if options else None


def install_audit(engine: Engine, *, raise_errors: bool = True) -> Audit:
    """Check every statement run on ``engine`` (and through ORM sessions bound to it) for club criteria.

    ORM statements are checked where the ORM sees them, so that loads it makes by primary key of rows it
    already holds (refreshing expired attributes) and its flush (writes of loaded rows, by primary key)
    are not mistaken for unscoped reads; everything else is checked on the connection.
    """
    audit = Audit(violations=[], lock=threading.Lock(), raise_errors=raise_errors)

    def on_orm_execute(state: Any) -> None:
        if not (state.is_column_load or state.is_relationship_load):
            audit.check(state.statement, dict(state.execution_options))
        state.update_execution_options(**{_CHECKED_OPTION: True})

    def before_execute(conn: Any, statement: Any, multiparams: Any, params: Any, options: dict[str, Any]) -> None:
        if options.get(_CHECKED_OPTION) or _statement_option(statement, _CHECKED_OPTION):
            return
        if options.get("compiled_cache") is not None and not isinstance(statement, Select):
            return  # the ORM's flush: writes of rows it loaded, by primary key
        if not hasattr(statement, "_propagate_attrs"):
            return  # DDL, text(): not SQLAlchemy statements over tables
        audit.check(statement, options)

    def uninstall() -> None:
        event.remove(Session, "do_orm_execute", on_orm_execute)
        event.remove(engine, "before_execute", before_execute)

    event.listen(Session, "do_orm_execute", on_orm_execute)
    event.listen(engine, "before_execute", before_execute)
    audit.uninstall = uninstall
    return audit
