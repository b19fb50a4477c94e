"""Who a sending reaches: its audience (a member group by reference, or member conditions inline) and its
inline recipients.

Inline conditions use the reporting filter grammar over member fields (the fields of the ``members``
report, plus a few text properties): the vendor's condition list (``condition_group``, ``field``,
``operator``, ``value``) is one AND of operations, ``filter`` takes a whole grammar tree; an inline audience
without conditions is every member of the club.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.members.groups.models import MemberGroup, MemberGroupMembership
from loyaltyhub.members.models import Member
from loyaltyhub.messaging.templating import ErrorList
from loyaltyhub.reporting.fields import STRING, Field
from loyaltyhub.reporting.filters import Node, compile_filter, parse_filter
from loyaltyhub.reporting.reports.members import MEMBER_FIELDS, members_source

PROPERTY_FIELDS = ("first_name", "last_name", "city", "zip_code", "language", "country")
FIELDS: dict[str, Field] = {
    **{f.name: f for f in MEMBER_FIELDS if f.name != "community_id"},
    **{name: Field(name, STRING, f"Member's {name.replace('_', ' ')} (property)") for name in PROPERTY_FIELDS},
}
OPERATORS = {
    "match": "equal",
    "equal": "equal",
    "not_equal": "not_equal",
    "greater_than": "greater_than",
    "greater_or_equal_to": "greater_or_equal_to",
    "less_than": "less_than",
    "less_or_equal_to": "less_or_equal_to",
    "in": "in",
    "not_in": "not_in",
}


def as_filter(audience: dict[str, Any]) -> dict[str, Any] | None:
    """The grammar tree of an inline audience (its ``filter``, else its conditions AND-joined)."""
    if audience.get("filter") is not None:
        return audience["filter"]  # type: ignore[no-any-return]
    conditions = audience.get("conditions") or []
    operations = [
        {"type": OPERATORS.get(c["operator"], c["operator"]), "field": c["field"], "value": c.get("value")}
        for c in conditions
    ]
    return {"type": "and", "operations": operations} if operations else None


def check_audience(
    session: Session, club_id: int, audience: dict[str, Any], path: tuple[str | int, ...], errors: ErrorList
) -> tuple[dict[str, Any], int | None] | None:
    """The audience as stored, and its group id for a reference audience; errors recorded at ``path``."""
    if audience["type"] == "reference" or (audience.get("id") is not None and audience["type"] == "inline"):
        # The docs' example #2 writes {"type": "inline", "id": 15}: an id always names a member group.
        group_id = audience.get("id")
        if group_id is None:
            errors.append(((*path, "id"), "blank", {}))
            return None
        found = session.execute(
            select(MemberGroup.id).where(in_club(MemberGroup, club_id), MemberGroup.id == group_id)
        ).first()
        if found is None:
            errors.append(((*path, "id"), "not_found", {}))
            return None
        return {"type": "reference", "id": group_id}, group_id
    for index, condition in enumerate(audience.get("conditions") or []):
        if condition["operator"] not in OPERATORS:
            errors.append(((*path, "conditions", index, "operator"), "inclusion", {"in": sorted(OPERATORS)}))
            return None
    tree = as_filter(audience)
    if tree is None:  # no condition: every member of the club
        return {"type": "inline", "conditions": []}, None
    filter_path = (*path, "filter") if audience.get("filter") is not None else (*path, "conditions")
    try:
        parse_filter(tree, FIELDS, filter_path)
    except ValidationFailed as exc:
        _merge(errors, exc.extra["details"], ())
        return None
    stored = {"type": "inline", "conditions": audience.get("conditions"), "filter": audience.get("filter")}
    return {k: v for k, v in stored.items() if v is not None}, None


def _merge(errors: ErrorList, tree: dict[str, Any], prefix: tuple[str | int, ...]) -> None:
    for key, value in tree.items():
        if isinstance(value, dict):
            _merge(errors, value, (*prefix, key))
        else:
            for item in value:
                errors.append(((*prefix, key), item["error"], item["options"]))


def _resolver(name: str) -> Any:
    if name in PROPERTY_FIELDS:
        return Member.properties[name].as_string()
    source = members_source()
    return source.filter_targets.get(name) or source.columns[name]


def audience_members(club_id: int, audience: dict[str, Any] | None) -> Select[tuple[int]] | None:
    """The ids of the live members of an audience (ordered), or None without an audience."""
    if not audience:
        return None
    statement = select(Member.id).where(in_club(Member, club_id), Member.deleted_at.is_(None))
    if audience["type"] == "reference":
        statement = statement.join(
            MemberGroupMembership,
            (MemberGroupMembership.member_id == Member.id) & in_club(MemberGroupMembership, club_id),
        ).where(MemberGroupMembership.group_id == audience["id"])
    elif as_filter(audience) is not None:
        node: Node | None = parse_filter(as_filter(audience), FIELDS, ("audience",))
        condition: ColumnElement[bool] = compile_filter(node, _resolver)
        statement = statement.where(condition)
    return statement.order_by(Member.id)
