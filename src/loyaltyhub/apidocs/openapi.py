"""The OpenAPI document, made ready for clients: FastAPI's document, post-processed once when first asked.

Nothing here runs per request or adds a dependency to a route. What each operation needs is read from
its route's dependency tree when the document is built:

* credentials: an :class:`~loyaltyhub.auth.dependencies.Authenticator` with ``client_only`` → the client
  token (``X-Client-Authorization``), without → the client token or a staff user's Bearer token; one whose
  ``member_token`` is ``"required"`` (``MeAuth``) → a member Bearer token as well, and a ``{member_ref}``
  path (``me``, a member id or ``guest``) → a member Bearer token when ``me`` is used;
* headers: the Public API's ``X-Product-Name`` / ``X-User-Agent`` (``require_public_headers``), the
  Customer context's ``X-Customer`` / ``X-Loyalty-Club-Slug`` (``CustomerAuth``), ``Idempotency-Key``
  (``idempotency_guard``), plus :data:`HANDLER_HEADERS` that a handler reads itself.

Then: unique schema names, the ``operationId``/summary/description of
:mod:`loyaltyhub.apidocs.openapi_operations`, the examples of :mod:`loyaltyhub.apidocs.openapi_examples` and the
vendor status codes (460–471) with their meaning and body. ``tests/foundation/test_openapi_contract.py``
checks the result (and fails if the dependencies named here are renamed).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.routing import APIRoute

from loyaltyhub.apidocs.openapi_examples import (
    BANNED_UNTIL_EXAMPLE,
    REQUEST_EXAMPLES,
    RESPONSE_EXAMPLES,
    USE_OFFER_422,
    VENDOR_STATUSES,
)
from loyaltyhub.apidocs.openapi_operations import OPERATIONS
from loyaltyhub.auth.dependencies import (
    CLIENT_HEADER,
    Authenticator,
    CustomerAuth,
    current_principal,
    require_public_headers,
)
from loyaltyhub.http.idempotency import idempotency_guard
from loyaltyhub.http.routing import api_routes
from loyaltyhub.idempotency.models import MAX_KEY_LENGTH

CLIENT_TOKEN = "ClientToken"
STAFF_BEARER = "StaffBearer"
MEMBER_BEARER = "MemberBearer"

SECURITY_SCHEMES = {
    CLIENT_TOKEN: {
        "type": "apiKey",
        "in": "header",
        "name": CLIENT_HEADER,
        "description": "An integration's client token (`lhc_...`, from `loyaltyhub tokens create`). Every Public "
        "API call needs it; Management and Reporting calls take it or a staff user's token.",
    },
    STAFF_BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff user's access token (`lhu_...`) from `POST /v1/users/oauth/token`, sent as "
        "`Authorization: Bearer <token>`: Management and Reporting APIs.",
    },
    MEMBER_BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "A member's access token (`lhm_...`) from `POST /v3/{loyalty_club_slug}/members/oauth/token`, "
        "sent as `Authorization: Bearer <token>` beside the client token: `/members/me...` operations, and "
        "`/members/{member_ref}/...` with `member_ref` = `me`. Whenever sent it is checked (460 when invalid).",
    },
}

# Schemas FastAPI had to name after their module (two models share a class name).
SCHEMA_NAMES = {
    "loyaltyhub__offers__schemas__OfferOut": "OfferOut",
    "loyaltyhub__member_offers__schemas__OfferOut": "MemberOfferOut",
}


@dataclass(frozen=True)
class HeaderDoc:
    name: str
    description: str
    example: str
    required: bool = False
    max_length: int | None = None

    def parameter(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "minLength": 1}
        if self.max_length:
            schema["maxLength"] = self.max_length
        return {
            "name": self.name,
            "in": "header",
            "required": self.required,
            "description": self.description,
            "schema": schema,
            "example": self.example,
        }


PRODUCT_NAME = HeaderDoc(
    "X-Product-Name", "The calling app, e.g. `android-app` (470 when missing)", "android-app", True
)
USER_AGENT = HeaderDoc(
    "X-User-Agent", "The calling app and its version (470 when missing)", "mall-app/5.2 (Android 14)", True
)
SUBPRODUCT_NAME = HeaderDoc(
    "X-Subproduct-Name", "Part of the calling app, stored as the sign-up sub-channel", "checkout"
)
CUSTOMER = HeaderDoc(
    "X-Customer",
    "The clubs a Customer-context call covers: ids (`1000941_1000942`), `all=all`, or filters "
    "(`chain=Cats;country=PL`). Required unless `X-Loyalty-Club-Slug` names one club (471 when malformed).",
    "1000941",
)
CLUB_SLUG = HeaderDoc("X-Loyalty-Club-Slug", "One club by its slug, instead of `X-Customer`", "infinity-mall")
IDEMPOTENCY_KEY = HeaderDoc(
    "Idempotency-Key",
    "Any unique string: a retry with the same key (and body) answers the first answer again instead of acting "
    "twice (409 while the first is still running, 422 with another body).",
    "8e03978e-40d5-43e8-bc93-6894a57f9324",
    max_length=MAX_KEY_LENGTH,
)

# Headers a handler reads itself (not through a dependency), by operation.
HANDLER_HEADERS: dict[str, tuple[HeaderDoc, ...]] = {"members_create": (SUBPRODUCT_NAME,)}


@dataclass
class Needs:
    """What one operation needs from its caller."""

    credentials: Literal["none", "client", "client_or_staff"] = "none"
    member: Literal["no", "optional", "required"] = "no"
    headers: list[HeaderDoc] = field(default_factory=list)

    def security(self) -> list[dict[str, list[str]]] | None:
        if self.credentials == "client_or_staff":
            return [{CLIENT_TOKEN: []}, {STAFF_BEARER: []}]
        if self.credentials == "client":
            if self.member == "required":
                return [{CLIENT_TOKEN: [], MEMBER_BEARER: []}]
            if self.member == "optional":
                return [{CLIENT_TOKEN: [], MEMBER_BEARER: []}, {CLIENT_TOKEN: [], STAFF_BEARER: []}, {CLIENT_TOKEN: []}]
            return [{CLIENT_TOKEN: []}]
        return None


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def needs_of(route: APIRoute) -> Needs:
    needs = Needs()
    for call in _calls(route.dependant):
        if isinstance(call, Authenticator):
            if call.client_only:
                needs.credentials = "client"
            elif needs.credentials == "none":
                needs.credentials = "client_or_staff"
            if getattr(call, "member_token", None) == "required":
                needs.member = "required"
            if isinstance(call, CustomerAuth):
                needs.headers += [CUSTOMER, CLUB_SLUG]
        elif call is current_principal and needs.credentials == "none":
            needs.credentials = "client_or_staff"
        elif call is idempotency_guard:
            needs.headers.append(IDEMPOTENCY_KEY)
        if (call is require_public_headers or getattr(call, "checks_public_headers", False)) and (
            PRODUCT_NAME not in needs.headers
        ):
            needs.headers += [PRODUCT_NAME, USER_AGENT]
    if needs.member == "no" and "{member_ref}" in route.path_format:
        needs.member = "optional"
    return needs


def install_openapi(app: FastAPI) -> None:
    """Serve the client-ready document at ``app.openapi_url`` (built on the first request, then kept)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = client_ready(app, copy.deepcopy(FastAPI.openapi(app)))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def client_ready(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    document = _rename_schemas(document)
    _integral_bounds(document)
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    components.setdefault("schemas", {})["BannedErrorBody"] = {
        "title": "BannedErrorBody",
        "type": "object",
        "required": ["error", "banned_until"],
        "properties": {
            "error": {"type": "string", "title": "Error"},
            "banned_until": {"type": "string", "format": "date-time", "title": "Banned Until"},
        },
    }
    document["info"]["description"] = _INTRODUCTION
    for info in api_routes(app):
        if not info.route.include_in_schema:
            continue
        path = _openapi_path(info.path)
        for method in sorted(info.methods - {"HEAD", "OPTIONS"}):
            operation = document["paths"][path][method.lower()]
            _document_operation(f"{method} {path}", operation, needs_of(info.route), components["schemas"])
    return document


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_INT64 = 2**63 - 1


def _integral_bounds(node: Any) -> None:
    """Give integer schemas integer bounds again (issue #14, defect 6). FastAPI reads the document through its
    OpenAPI model, whose bounds are floats: ``maximum: 2147483647`` came out ``2147483647.0``, and the int64
    bound ``2**63 - 1`` as ``9.223372036854776e+18``, which is 2**63 (a float cannot hold 2**63 - 1), one
    more than the server takes. Every bound of ours is an integer, so each is read back as one; the two that
    the float rounded beyond int64 are the int64 limits they came from."""
    if isinstance(node, list):
        for item in node:
            _integral_bounds(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "integer":
        for key in _BOUNDS:
            value = node.get(key)
            if isinstance(value, float) and value.is_integer():
                node[key] = max(-_INT64 - 1, min(_INT64, int(value)))
    for value in node.values():
        _integral_bounds(value)


def _document_operation(key: str, operation: dict[str, Any], needs: Needs, schemas: dict[str, Any]) -> None:
    text = OPERATIONS.get(key)
    if text is not None:
        operation["operationId"] = text.operation_id
        operation["summary"] = text.summary
        if text.description or not operation.get("description"):
            operation["description"] = text.description or ""
    operation_id = operation["operationId"]
    security = needs.security()
    if security is not None:
        operation["security"] = security
    parameters = operation.setdefault("parameters", [])
    present = {(parameter["in"], parameter["name"].lower()) for parameter in parameters}
    for header in [*needs.headers, *HANDLER_HEADERS.get(operation_id, ())]:
        if ("header", header.name.lower()) not in present:
            parameters.append(header.parameter())
            present.add(("header", header.name.lower()))
    if not parameters:
        del operation["parameters"]
    _optional_body(operation)
    _name_inline_schemas(operation)
    _add_examples(operation_id, operation, schemas)
    _document_vendor_statuses(operation_id, operation)
    _document_server_statuses(operation, schemas)


SERVER_STATUSES = {
    "500": "Internal server error: a defect of the server (logged with the request id); the body is the house "
    "error format.",
    "503": "The database could not be reached or lost the connection, and the request could not safely be run "
    "again (docs/decisions/http.md): `Database connection lost; the request was not carried out`, `... while "
    "committing; the outcome is unknown` (send it again with an `Idempotency-Key` to find out) or `Database "
    "busy; ...`. Retry after `Retry-After` seconds.",
}


def _document_server_statuses(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Every operation can answer 500 (a defect) and 503 (:mod:`loyaltyhub.http.resilience`): the document says
    so, with their body, so that a client generated from it reads them (issue #14, defect 6)."""
    if "ErrorBody" not in schemas:
        return
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for status, meaning in SERVER_STATUSES.items():
        response = operation["responses"].setdefault(status, {"description": meaning, "content": body})
        if status == "503":
            response["headers"] = {
                "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}
            }


def _optional_body(operation: dict[str, Any]) -> None:
    """An optional body is "not required", not "the model or null": a generated client sends a JSON ``null``
    (or, with openapi-python-client, fails to encode its "unset" marker) for the second form."""
    body = operation.get("requestBody")
    content = (body or {}).get("content", {}).get("application/json", {})
    variants = content.get("schema", {}).get("anyOf", [])
    if body and not body.get("required") and len(variants) == 2 and {"type": "null"} in variants:
        content["schema"] = next(variant for variant in variants if variant != {"type": "null"})


def _name_inline_schemas(operation: dict[str, Any]) -> None:
    """Inline bodies are titled after FastAPI's generated ids ("Response 200 Register Seen Event V3 ..."),
    and a generated client names their classes after the operation and the title: ``Response200`` gives
    ``MemberOffersSeenResponse200``."""
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "title" in body:
        body["title"] = "Body"
    for status, response in operation["responses"].items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if "title" in schema:
            schema["title"] = f"Response{status}"


def _add_examples(operation_id: str, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    request = REQUEST_EXAMPLES.get(operation_id)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if request is not None and body is not None:
        body["example"] = request
    for status, example in RESPONSE_EXAMPLES.get(operation_id, {}).items():
        content = operation["responses"].get(status, {}).get("content", {}).get("application/json")
        if content is not None:
            content["example"] = _fit(example, content.get("schema", {}), schemas)
    if operation_id == "member_offers_use" and "422" in operation["responses"]:
        content = operation["responses"]["422"].setdefault("content", {}).setdefault("application/json", {})
        content["examples"] = {
            message: {"summary": meaning, "value": {"error": message}} for message, meaning in USE_OFFER_422.items()
        }


def _fit(example: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> Any:
    """The example without the properties the (referenced) schema does not declare."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = schemas.get(ref.rsplit("/", 1)[1], {})
    properties = schema.get("properties")
    if not isinstance(example, dict) or not properties:
        return example
    return {key: value for key, value in example.items() if key in properties}


def _document_vendor_statuses(operation_id: str, operation: dict[str, Any]) -> None:
    for status, (meaning, body) in VENDOR_STATUSES.items():
        response = operation["responses"].get(str(status))
        if response is None:
            continue
        response["description"] = meaning
        content = response.setdefault("content", {}).setdefault("application/json", {})
        if status == 467:
            content["schema"] = {"$ref": "#/components/schemas/BannedErrorBody"}
        content["example"] = body


def _openapi_path(path: str) -> str:
    """``/offers/{offer_id:int}`` → ``/offers/{offer_id}``."""
    return re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", path)


def _rename_schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.get("components", {}).get("schemas", {})
    renames = {}
    for name in list(schemas):
        if "__" not in name:
            continue
        new = (
            SCHEMA_NAMES.get(name)
            or "".join(part.title() for part in name.split("__")[1].split("_")) + name.split("__")[-1]
        )
        renames[name] = new
    if not renames:
        return document
    for old, new in renames.items():
        if new in schemas and new not in renames:
            raise RuntimeError(f"schema name {new} (for {old}) is taken: add it to SCHEMA_NAMES")
        schema = schemas.pop(old)
        schema["title"] = new
        schemas[new] = schema
    refs = {f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in renames.items()}
    return _replace_refs(document, refs)


def _replace_refs(node: Any, refs: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            key: refs.get(value, value) if key == "$ref" and isinstance(value, str) else _replace_refs(value, refs)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_replace_refs(item, refs) for item in node]
    return node


_INTRODUCTION = (
    """Loyalty-club platform: the **Management API** (mall staff: offers, collections, members,
stores), the **Public API** (member apps, `/v3/{loyalty_club_slug}/members/...`) and the **Reporting API**
(`/v1/reporting/...`).

**Authorize** with the credentials an operation lists: the client token (`X-Client-Authorization`) for every
Public API call, plus a member's Bearer token on `/members/me...`; the client token or a staff user's Bearer
token for the Management and Reporting APIs. Public API calls also need `X-Product-Name` and `X-User-Agent`.

**A member app's client token is public** (it ships inside the app), so it identifies the app, never a
member. On `/members/{member_ref}/...`: `me` acts as the member of the Bearer token; a member id needs
`BL:Api:Members:ActAs` (on a back-end's client token, or on the role of a staff user whose token is the
Bearer token) or that member's own token, else 403; a member app's token does not carry that permit. A
Bearer token that is sent is always checked: an invalid or expired one answers 460.

Errors answer `{"error": "..."}`; invalid parameters answer 422 `{"error": "Invalid parameters", "details": {...}}`.
Besides the standard codes the API answers its own:

| Status | Meaning | Body |
|---|---|---|
"""
    + "\n".join(
        f"| {status} | {meaning} | `{json.dumps(body)}` |" for status, (meaning, body) in VENDOR_STATUSES.items()
    )
    + f"""

A banned member's 467 carries `banned_until` (e.g. `{BANNED_UNTIL_EXAMPLE}`)."""
)
