"""The reports explorer: any report the user may read, through the reporting engine exactly as
``POST /v1/reporting/query`` runs it (same checks, same 422 details, same permits), shown as a table (and a
chart for time series) with a CSV of the table. Records show their first page; exports give every row."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.console.dashboard import customer_access, period_of
from loyaltyhub.console.forms import FieldError, field_errors
from loyaltyhub.digits import decimal
from loyaltyhub.errors import ApiError, ValidationFailed
from loyaltyhub.exports import service as exports_service
from loyaltyhub.exports.schemas import ExportRequest
from loyaltyhub.http.errors import validation_details
from loyaltyhub.reporting import engine
from loyaltyhub.reporting.fields import BOOLEAN, INTEGER, INTEGER_ARRAY, OBJECT, Field
from loyaltyhub.reporting.filters import OPERATIONS
from loyaltyhub.reporting.registry import Report
from loyaltyhub.reporting.service import usable_reports

RECORDS_PER_PAGE = 100
MAX_SERIES_DRAWN = 12
FORM_FIELDS = ("report", "aggregate_by", "interval", "filter", "from", "to", "range")
OPERATORS = OPERATIONS
MIN_CONDITION_ROWS = 3
MAX_CONDITION_ROWS = 10


def filter_fields(report: Report | None) -> list[Field]:
    """The fields a filter may name (the metadata endpoint's ``filterable``), by name."""
    if report is None:
        return []
    usable = [f for f in report.fields if f.filterable and not f.via_customer_header and f.type != OBJECT]
    return sorted(usable, key=lambda f: f.name)


def condition_rows(params: dict[str, str]) -> list[int]:
    """The builder's row numbers to show: every row in use, then one empty (at least three)."""
    used = [n for n in range(1, MAX_CONDITION_ROWS + 1) if params.get(f"c{n}.field")]
    shown = max(MIN_CONDITION_ROWS, (max(used) if used else 0) + 1)
    return list(range(1, min(shown, MAX_CONDITION_ROWS) + 1))


def _typed(field: Field | None, text: str) -> Any:
    """A typed value as the filter's JSON: numbers for integer fields, true/false for booleans, ``null``
    for null; other text as it is (the engine refuses what does not fit, with its own error)."""
    text = text.strip()
    if text == "null":
        return None
    number = decimal(text, signed=True)
    if field is not None and field.type in (INTEGER, INTEGER_ARRAY) and number is not None:
        return number
    if field is not None and field.type == BOOLEAN and text in ("true", "false"):
        return text == "true"
    return text


def builder_conditions(params: dict[str, str], report: Report | None) -> list[tuple[int, dict[str, Any]]]:
    """The builder's rows in use as filter operations (``in``/``not_in`` take values separated by commas)."""
    fields = {f.name: f for f in report.fields} if report else {}
    found = []
    for n in range(1, MAX_CONDITION_ROWS + 1):
        name = params.get(f"c{n}.field", "")
        if not name:
            continue
        kind = params.get(f"c{n}.op") or "equal"
        raw = params.get(f"c{n}.value", "")
        field = fields.get(name)
        if kind in ("in", "not_in"):
            value: Any = [_typed(field, part) for part in raw.split(",") if part.strip()]
        else:
            value = _typed(field, raw)
        found.append((n, {"type": kind, "field": name, "value": value}))
    return found


@dataclass
class Result:
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    more: bool = False  # records: a next page exists

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows([[_cell(v) for v in row] for row in self.rows])
        return out.getvalue()


@dataclass
class Exploration:
    reports: list[Report]
    report: Report | None
    params: dict[str, str]
    errors: dict[str, list[FieldError]] = field(default_factory=dict)
    problem: str | None = None
    result: Result | None = None


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def _label(label: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in label.items()) or "value"


def shape(answer: dict[str, Any]) -> Result:
    """The engine's answer (records / timeseries / statistics) as one table."""
    kind = answer.get("result_type")
    if "records" in answer:
        records = answer["records"]
        columns = list(dict.fromkeys(key for record in records for key in record))
        more = bool((answer.get("pagination_info") or {}).get("next_page_info"))
        return Result(columns, [[record.get(c) for c in columns] for record in records], more=more)
    if kind == "timeseries":
        series = answer["series"]
        columns = ["bucket", *(_label(s["label"]) for s in series)]
        rows = [[bucket, *(s["values"][i] for s in series)] for i, bucket in enumerate(answer["time_buckets"])]
        chart = {
            "id": "explorer",
            "kind": "line",
            "labels": [b[:16].replace("T", " ") for b in answer["time_buckets"]],
            "datasets": [{"label": _label(s["label"]), "data": s["values"]} for s in series[:MAX_SERIES_DRAWN]],
        }
        return Result(columns, rows, chart=chart)
    series = answer.get("series") or []
    keys = list(dict.fromkeys(k for s in series for k in s["label"]))
    return Result([*keys, "value"], [[*(s["label"].get(k) for k in keys), s["value"]] for s in series])


def query_of(
    access: ClubAccess, params: dict[str, str], chosen: Report | None
) -> tuple[dict[str, Any] | None, dict[str, list[FieldError]], dict[str, str]]:
    """The Reporting API's query body the explorer's form stands for (without paging), the form's own errors
    (a filter that is not JSON, a bad period) and where each builder row's node sits in the filter."""
    errors: dict[str, list[FieldError]] = {}
    body: dict[str, Any] = {"report": params["report"]}
    if params.get("aggregate_by"):
        body["aggregate_by"] = params["aggregate_by"]
    operations: list[Any] = []
    rows: dict[str, str] = {}  # the path of each builder row's node in the filter → its row
    built = builder_conditions(params, chosen)
    if params.get("filter", "").strip():
        try:
            operations.append(json.loads(params["filter"]))
        except ValueError:
            errors["filter"] = [FieldError("invalid_json", "is not JSON")]
            return None, errors, rows
    for n, operation in built:
        rows[f"filter.operations.{len(operations)}"] = f"c{n}"
        operations.append(operation)
    if len(operations) == 1:
        body["filter"] = operations[0]
        rows = {"filter": next(iter(rows.values()))} if rows else {}
    elif operations:
        body["filter"] = {"type": "and", "operations": operations}
    if chosen is None or chosen.format != "records":
        period, picker = period_of(params, access.club.timezone)
        if picker:
            errors.update({k: [FieldError("invalid", m)] for k, m in picker.items()})
            return None, errors, rows
        body.update(period.window())
        body["interval"] = params.get("interval") or "auto"
    return body, errors, rows


def explore(session: Session, access: ClubAccess, params: dict[str, str], secret_key: str) -> Exploration:
    customer = customer_access(access)
    available = usable_reports(customer)
    chosen = next((r for r in available if r.name == params.get("report")), None)
    exploration = Exploration(available, chosen, params)
    if not params.get("report"):
        return exploration
    body, exploration.errors, rows = query_of(access, params, chosen)
    if body is None:
        return exploration
    if chosen is not None and chosen.format == "records":
        body["per_page"] = RECORDS_PER_PAGE
    try:
        answer = engine.run_query(session, customer, body, secret_key=secret_key)
    except ValidationFailed as exc:
        exploration.errors = _folded(field_errors(exc.extra.get("details") or {}), rows)
        return exploration
    except ApiError as exc:
        exploration.problem = exc.message
        return exploration
    exploration.result = shape(answer)
    return exploration


def _row_of(name: str, rows: dict[str, str]) -> tuple[str, str] | None:
    """The builder row whose node holds the error at ``name``, and the error's path inside that node."""
    for path in sorted(rows, key=len, reverse=True):
        if name == path or name.startswith(path + "."):
            return rows[path], name[len(path) :].lstrip(".")
    return None


def _folded(errors: dict[str, list[FieldError]], rows: dict[str, str]) -> dict[str, list[FieldError]]:
    """Errors inside the filter (``filter.field``, ``filter.operations.0.value``) shown at the builder row
    that made that node (``rows``: the node's path → ``cN``), else at the filter box, each with its path."""
    folded: dict[str, list[FieldError]] = {}
    for name, found in errors.items():
        row = _row_of(name, rows)
        if row is not None:
            key, inner = row
            folded.setdefault(key, []).extend(
                FieldError(e.symbol, f"{inner}: {e.message}" if inner else e.message) for e in found
            )
        elif name.startswith("filter."):
            inner = name.removeprefix("filter.")
            folded.setdefault("filter", []).extend(FieldError(e.symbol, f"{inner}: {e.message}") for e in found)
        else:
            folded.setdefault(name, []).extend(found)
    return folded


def other_errors(errors: dict[str, list[FieldError]]) -> list[str]:
    return [
        f"{name}: {e.message}"
        for name, errs in errors.items()
        if name not in FORM_FIELDS and not (name[:1] == "c" and decimal(name[1:]) is not None)
        for e in errs
    ]


# --- exports: every row of the query, to a file, by the export worker (the exports API's jobs) -----------


def export(session: Session, access: ClubAccess, params: dict[str, str], fmt: str) -> Any:
    """Queue an export of the explorer's query, as ``POST /v1/reporting/query/export`` queues it (the same
    body model, validation, report permit and job); 422 as the API answers it."""
    customer = customer_access(access)
    chosen = next((r for r in usable_reports(customer) if r.name == params.get("report")), None)
    if not params.get("report"):
        raise ValidationFailed.at(("report",), "blank")
    body, errors, _rows = query_of(access, params, chosen)
    if body is None:
        raise ValidationFailed(
            {
                name: [{"error": e.symbol, "options": {"message": e.message}} for e in errs]
                for name, errs in errors.items()
            }
        )
    try:
        request = ExportRequest.model_validate({**body, "format": fmt})
    except ValidationError as exc:
        raise ValidationFailed(validation_details([dict(e) for e in exc.errors()]))
    query = request.query()
    info = exports_service.validate_query(session, customer, query)
    return exports_service.create_export(session, customer, query, request.format, info=info)


def export_job(session: Session, access: ClubAccess, export_id: int) -> Any:
    """The user's own export within this club (404 for anyone else's, as the API's)."""
    return exports_service.export_for_caller(session, customer_access(access), export_id)


def latest_exports(session: Session, access: ClubAccess, limit: int = 5) -> list[Any]:
    return exports_service.list_exports(session, customer_access(access), limit=limit)
