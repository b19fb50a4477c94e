"""The reports explorer: any report the user may read, through the reporting engine exactly as
``POST /v1/reporting/query`` runs it (same checks, same 422 details, same permits), shown as a table (and a
chart for time series) with a CSV of the table. Records show their first page; exports give every row."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.console.dashboard import customer_access, period_of
from loyaltyhub.console.forms import FieldError, field_errors
from loyaltyhub.errors import ApiError, ValidationFailed
from loyaltyhub.reporting import engine
from loyaltyhub.reporting.registry import Report
from loyaltyhub.reporting.service import usable_reports

RECORDS_PER_PAGE = 100
MAX_SERIES_DRAWN = 12
FORM_FIELDS = ("report", "aggregate_by", "interval", "filter", "from", "to", "range")


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


def explore(session: Session, access: ClubAccess, params: dict[str, str], secret_key: str) -> Exploration:
    customer = customer_access(access)
    available = usable_reports(customer)
    chosen = next((r for r in available if r.name == params.get("report")), None)
    exploration = Exploration(available, chosen, params)
    if not params.get("report"):
        return exploration
    body: dict[str, Any] = {"report": params["report"]}
    if params.get("aggregate_by"):
        body["aggregate_by"] = params["aggregate_by"]
    if params.get("filter", "").strip():
        try:
            body["filter"] = json.loads(params["filter"])
        except ValueError:
            exploration.errors["filter"] = [FieldError("invalid_json", "is not JSON")]
            return exploration
    if chosen is None or chosen.format != "records":
        period, picker = period_of(params, access.club.timezone)
        if picker:
            exploration.errors.update({k: [FieldError("invalid", m)] for k, m in picker.items()})
            return exploration
        body.update(period.window())
        body["interval"] = params.get("interval") or "auto"
    else:
        body["per_page"] = RECORDS_PER_PAGE
    try:
        answer = engine.run_query(session, customer, body, secret_key=secret_key)
    except ValidationFailed as exc:
        exploration.errors = _folded(field_errors(exc.extra.get("details") or {}))
        return exploration
    except ApiError as exc:
        exploration.problem = exc.message
        return exploration
    exploration.result = shape(answer)
    return exploration


def _folded(errors: dict[str, list[FieldError]]) -> dict[str, list[FieldError]]:
    """Errors inside the filter (``filter.field``, ``filter.conditions.0.value``) shown at the filter box,
    each with its path in the filter."""
    folded: dict[str, list[FieldError]] = {}
    for name, found in errors.items():
        if name.startswith("filter."):
            inner = name.removeprefix("filter.")
            folded.setdefault("filter", []).extend(FieldError(e.symbol, f"{inner}: {e.message}") for e in found)
        else:
            folded.setdefault(name, []).extend(found)
    return folded


def other_errors(errors: dict[str, list[FieldError]]) -> list[str]:
    return [f"{name}: {e.message}" for name, errs in errors.items() if name not in FORM_FIELDS for e in errs]
