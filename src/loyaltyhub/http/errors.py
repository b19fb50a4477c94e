"""Exception handlers: every error leaves as ``{"error": ...}`` (SPEC §4, reference B.2/B.7)."""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from loyaltyhub.errors import ApiError, MissingHeader, details_tree
from loyaltyhub.http.responses import JSONResponse

log = logging.getLogger(__name__)

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# pydantic error type -> (B.7 symbol, function of ctx giving the options)
_NUMBER_SYMBOLS = {
    "greater_than": ("greater_than", "gt"),
    "greater_than_equal": ("greater_or_equal_to", "ge"),
    "less_than": ("less_than", "lt"),
    "less_than_equal": ("less_or_equal_to", "le"),
}
_TYPE_ERRORS = {
    "string_type": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "list_type": "array",
    "tuple_type": "array",
    "set_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "datetime_type": "datetime",
    "datetime_parsing": "datetime",
    "datetime_from_date_parsing": "datetime",
    "date_type": "date",
    "date_parsing": "date",
    "date_from_datetime_parsing": "date",
    "decimal_parsing": "number",
    "none_required": "null",
    "is_instance_of": "object",
    "timezone_aware": "datetime with offset",
}


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    return str(value)


def _expected_values(expected: str) -> list[Any]:
    """pydantic renders permitted values as ``'a', 'b' or 'c'``; recover the list."""
    parts = re.split(r", | or ", expected)
    values: list[Any] = []
    for part in parts:
        part = part.strip()
        if len(part) >= 2 and part[0] == part[-1] == "'":
            values.append(part[1:-1])
        else:
            try:
                values.append(int(part))
            except ValueError:
                values.append(part)
    return values


def symbol_for(error: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "blank", {}
    if kind == "extra_forbidden":
        return "unknown_attribute", {}
    if kind in _NUMBER_SYMBOLS:
        symbol, key = _NUMBER_SYMBOLS[kind]
        return symbol, {"number": _json_safe(ctx.get(key))}
    if kind in ("string_too_short", "too_short"):
        return "too_short", {"min_length": ctx.get("min_length")}
    if kind in ("string_too_long", "too_long"):
        return "too_long", {"max_length": ctx.get("max_length")}
    if kind in ("literal_error", "enum"):
        return "inclusion", {"in": _expected_values(str(ctx.get("expected", "")))}
    if kind == "string_pattern_mismatch":
        return "invalid_format", {"format": ctx.get("pattern")}
    if kind in _TYPE_ERRORS:
        return "invalid_type", {"expected": _TYPE_ERRORS[kind]}
    if kind in ("value_error", "assertion_error"):
        return "invalid", {"message": str(ctx.get("error", error.get("msg", "")))}
    if kind.startswith(("url_", "uuid_", "value_error.email")):
        return "invalid_format", {}
    # Custom errors (PydanticCustomError) use the B.7 symbol as their type and ctx as options.
    return kind, {k: _json_safe(v) for k, v in ctx.items()}


def validation_details(errors: list[dict[str, Any]]) -> dict[str, Any]:
    entries = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]
        # Unions and function validators add their own markers to the path; drop them.
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        symbol, options = symbol_for(error)
        entries.append((loc, symbol, options))
    return details_tree(entries)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path: Starlette's own 405 names only the first matching
    route's (``GET`` and ``POST`` of one path are two routes here)."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in request.app.router.routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        retry_after = exc.extra.get("retry_after")
        headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else None
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return JSONResponse({"error": "Malformed JSON body"}, status_code=400)
        for e in errors:
            loc = e.get("loc", ())
            if loc and loc[0] == "header" and e["type"] == "missing":
                header = MissingHeader(str(loc[1]).replace("_", "-").title())
                return JSONResponse(header.body(), status_code=header.status_code)
        return JSONResponse({"error": "Invalid parameters", "details": validation_details(errors)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "Not found", 405: "Method not allowed"}
        message = messages.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else None)
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        return JSONResponse({"error": message or "HTTP error"}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log_unhandled(log, exc)
        return JSONResponse({"error": "Internal server error"}, status_code=500)


def first_line(exc: BaseException) -> str:
    """``Type: first line`` of an error, or of the driver's error a SQLAlchemy one wraps: without the statement
    and parameters SQLAlchemy appends, nor PostgreSQL's ``DETAIL`` line (a key's values)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _statement_error(exc: BaseException) -> StatementError | None:
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, StatementError):
            return current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(linked for linked in (current.__cause__, current.__context__) if linked is not None)
    return None


def log_unhandled(logger: logging.Logger, exc: BaseException) -> None:
    """Log an error answered 500. A database error's message carries the values of its statement (an
    INSERT's parameters, PostgreSQL's ``DETAIL: Key (email)=(...)``: personal data), so it is logged as its
    first line, its SQL and where it was raised, never its values; any other error with its traceback."""
    failed = _statement_error(exc)
    if failed is None:
        logger.error("unhandled error", exc_info=exc)
        return
    where = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("unhandled error: %s\n[SQL: %s]\n%s", first_line(failed), failed.statement, where)
