"""The app's router and route classes, and route listing.

Every domain router is a :class:`LoyaltyRouter`, so its routes use :class:`LoyaltyRoute`: unstorable input
is refused before the handler runs, a route without a body refuses one, and the answer of an idempotent
request is stored in the request's transaction. ``tests/foundation/test_route_classes.py`` checks that every
route of the app is one.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import (
    APIRoute,
    _apply_router_form_limits,
    _update_scope,
    iter_route_contexts,
    request_response,
    wrap_app_with_body_limit,
)
from fastapi.telemetry._api import _route_selected
from sqlalchemy.orm import Session
from starlette._utils import get_route_path
from starlette.convertors import PathConvertor
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

from loyaltyhub.db.session import commit_now
from loyaltyhub.errors import BadRequest, ValidationFailed, details_tree
from loyaltyhub.http.idempotency import store_response
from loyaltyhub.http.input_guard import integer_params, refuse_unstorable_input
from loyaltyhub.http.session import request_session
from loyaltyhub.idempotency.service import PendingKey
from loyaltyhub.schemas import strict_input

STRICT_INPUT_HEADER = "X-Strict-Input"

_REQUEST: ContextVar[Request | None] = ContextVar("loyaltyhub_route_request", default=None)


def _commit_when_done(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sync endpoint so that, when it returns a finished ``Response``, the idempotency record is
    stored and the request's transaction committed right there, in the endpoint's worker thread.

    The commit would otherwise wait for two thread hops (back to the event loop, then out to a worker
    again for the session's exit). Row locks taken by the handler (the use path locks a stock shard
    other members share) are held until commit, so those hops would serialize every use of a popular
    offer. The order is unchanged: handler, stored answer, commit, then the response is sent. An endpoint
    returning data for FastAPI to serialize is committed by the session dependency as before.
    """

    @functools.wraps(endpoint)
    def endpoint_then_commit(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        request = _REQUEST.get()
        if request is not None and isinstance(result, Response):
            session: Session | None = request_session(request)
            if session is not None:
                pending: PendingKey | None = getattr(request.state, "idempotency", None)
                if pending is not None and 200 <= result.status_code < 300:
                    store_response(session, pending, result)
                    request.state.idempotency = None
                commit_now(session)
        return result

    return endpoint_then_commit


STREAMED_BODY = "__loyaltyhub_streamed_body__"


def streamed_body(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an ``async`` endpoint that reads its (non-JSON) body itself with ``request.stream()``: the route
    does not read the body first (an upload part is never held in memory)."""
    setattr(endpoint, STREAMED_BODY, True)
    return endpoint


@dataclass(frozen=True)
class PathShape:
    """What a route's path pattern fixes without a regular expression: its number of ``/``-separated
    segments and its literal segments (the last ones first: the most telling, ``/purchase``, ``/use``)."""

    length: int
    literals: tuple[tuple[int, str], ...]

    @classmethod
    def of(cls, path_format: str, convertors: dict[str, Any]) -> PathShape | None:
        """None for a pattern with a ``{name:path}`` parameter, whose value spans segments."""
        if any(isinstance(convertor, PathConvertor) for convertor in convertors.values()):
            return None
        segments = path_format.split("/")
        literals = [(i, segment) for i, segment in enumerate(segments) if "{" not in segment]
        return cls(len(segments), tuple(reversed(literals)))

    @property
    def last_literal(self) -> str | None:
        """The last segment when it is a literal (``purchase``), None when it is a parameter."""
        if self.literals and self.literals[0][0] == self.length - 1:
            return self.literals[0][1]
        return None


_PATH_SEGMENTS = "loyaltyhub.path_segments"


def path_segments(scope: Scope) -> list[str]:
    """The request path split at ``/``, once per request (kept in the scope, keyed by the path: the
    router's trailing-slash retry copies the scope with another path)."""
    path = scope["path"]
    cached = scope.get(_PATH_SEGMENTS)
    if cached is not None and cached[0] == path:
        return cached[1]
    segments = get_route_path(scope).split("/")
    scope[_PATH_SEGMENTS] = (path, segments)
    return segments


class RouteIndex:
    """The routes a path may reach, in the router's order: those whose segment count is the path's and whose
    last segment is the path's (a literal) or a parameter, plus every route without a :class:`PathShape`
    (mounts, a ``{name:path}`` parameter, routes of other classes). Lists are made on first use, one per
    segment count and last literal (a last segment no route spells shares the parameter-only list), so
    there are as many as the routes' shapes, never one per request path."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = list(routes)
        self._last_literals: dict[int, set[str]] = {}
        for route in self.routes:
            shape = getattr(route, "path_shape", None)
            if shape is not None and shape.last_literal is not None:
                self._last_literals.setdefault(shape.length, set()).add(shape.last_literal)
        self._lists: dict[tuple[int, str | None], list[BaseRoute]] = {}

    def candidates(self, segments: list[str]) -> list[BaseRoute]:
        length = len(segments)
        last: str | None = segments[-1] if segments[-1] in self._last_literals.get(length, ()) else None
        found = self._lists.get((length, last))
        if found is None:
            found = self._lists[(length, last)] = [route for route in self.routes if _may_reach(route, length, last)]
        return found


def _may_reach(route: BaseRoute, length: int, last: str | None) -> bool:
    shape: PathShape | None = getattr(route, "path_shape", None)
    if shape is None:
        return True
    return shape.length == length and shape.last_literal in (None, last)


class IndexedRouter(APIRouter):
    """The app's router: a request is matched against the routes of :class:`RouteIndex` for its path
    instead of all ~340 in turn (a route declared late, a rewards or reporting one, was reached after
    ~0.1 ms of tries). The first full match among them is the router's own first full match, since no
    other route can match the path; anything else (405, a trailing-slash redirect, 404) is left to
    FastAPI's router, which tries every route as before. ``install_route_index`` makes the app's router one."""

    _route_index: RouteIndex | None = None
    _route_index_key: tuple[int, int] | None = None

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self._index().candidates(path_segments(scope)):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    # What FastAPI's router does with its first full match (fastapi.routing.APIRouter.app).
                    _apply_router_form_limits(scope, self.form_limits)
                    scope.setdefault("router", self)
                    _update_scope(scope, child_scope)
                    _route_selected(
                        scope=scope, path=getattr(route, "path_format", None), mount=isinstance(route, Mount)
                    )
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)

    def _index(self) -> RouteIndex:
        key = (self._routes_version, len(self.routes))  # routes added since (tests add some) rebuild it
        if self._route_index is None or self._route_index_key != key:
            self._route_index, self._route_index_key = RouteIndex(self.routes), key
        return self._route_index


def install_route_index(app: FastAPI) -> None:
    """Make ``app``'s router an :class:`IndexedRouter` (FastAPI builds its router itself; the class adds no
    state of its own to set up). The router's middleware stack is its bound ``app`` (it has no middleware of
    its own), so it is bound again to the new class's."""
    router = app.router
    if router.middleware_stack != router.app:
        raise RuntimeError("the app's router has middleware of its own: the route index cannot wrap it")
    router.__class__ = IndexedRouter
    router.middleware_stack = router.app


class LoyaltyRoute(APIRoute):
    """The app's route class: input refused before the handler when it cannot be stored, and the answer of
    an idempotent request stored in the request's transaction after the handler succeeds."""

    refuses_unexpected_body = True
    """A route declaring no body refuses one (the APIs). The staff console's routes read HTML forms
    themselves (``loyaltyhub.console``) and turn this off."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if inspect.isfunction(endpoint) and not inspect.iscoroutinefunction(endpoint):
            endpoint = _commit_when_done(endpoint)
        super().__init__(path, endpoint, **kwargs)
        self.path_shape = PathShape.of(self.path_format, self.param_convertors)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # The router tries its ~340 routes in order, each with a regular expression (~1 µs): a request to
        # one of the last paid ~0.25 ms before its handler ran. Routes whose segment count or literal
        # segments differ from the path's are passed over here first; the rest match exactly as before.
        shape = self.path_shape
        if shape is not None and scope["type"] == "http":
            cached = scope.get(_PATH_SEGMENTS)  # path_segments(scope), inlined: this runs ~340 times a request
            segments = cached[1] if cached is not None and cached[0] == scope["path"] else path_segments(scope)
            if len(segments) != shape.length:
                return Match.NONE, {}
            for index, literal in shape.literals:
                if segments[index] != literal:
                    return Match.NONE, {}
        return super().matches(scope)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None
        integers = integer_params(self)
        streams = getattr(self.endpoint, STREAMED_BODY, False)

        async def route_handler(request: Request) -> Response:
            await refuse_unstorable_input(request, integers, read_body=not streams)
            strict = wants_strict_input(request)
            if (
                self.refuses_unexpected_body
                and not takes_body
                and not streams
                and request.method in ("POST", "PUT", "PATCH")
            ):
                await refuse_unexpected_body(request, strict=strict)
            token = _REQUEST.set(request)
            try:
                with strict_input(strict):
                    response = await handler(request)
            finally:
                _REQUEST.reset(token)
            pending: PendingKey | None = getattr(request.state, "idempotency", None)
            if pending is not None and 200 <= response.status_code < 300:
                await run_in_threadpool(store_response, request_session(request), pending, response)
            return response

        return route_handler


def wants_strict_input(request: Request) -> bool:
    """Strict input (:mod:`loyaltyhub.schemas`) for the whole server or asked for by this request."""
    settings = getattr(request.app.state, "settings", None)
    if settings is not None and settings.strict_input:
        return True
    return request.headers.get(STRICT_INPUT_HEADER, "").strip().lower() in ("true", "1")


async def refuse_unexpected_body(request: Request, *, strict: bool = True) -> None:
    """A route without a body refuses malformed JSON and a body that is not an object; in strict input it
    also refuses one with keys (unknown fields are never ignored), otherwise they are ignored as the
    vendor ignores keys it does not know."""
    raw = await request.body()
    if not raw.strip():
        return
    try:
        payload = json.loads(raw)
    except ValueError:
        raise BadRequest("Malformed JSON body")
    if payload in ({}, None):
        return
    if not isinstance(payload, dict):
        raise ValidationFailed.at((), "invalid_type", expected="object")
    if not strict:
        return
    raise ValidationFailed(details_tree([((key,), "unknown_attribute", {}) for key in payload]))


class LoyaltyRouter(APIRouter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", LoyaltyRoute)
        super().__init__(**kwargs)

    def patch_or_put(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """An update the vendor documents as ``PUT``: ``PATCH`` and ``PUT`` reach the same handler and make
        the same partial update (the vendor's ``PUT`` never replaced a whole resource). Two routes, so
        each method has an operation of its own in the OpenAPI document."""

        def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            self.put(path, **kwargs)(endpoint)
            return self.patch(path, **kwargs)(endpoint)

        return register


def include_flat(app: FastAPI, router: APIRouter) -> None:
    """Add ``router``'s routes to the app as they are, instead of ``app.include_router(router)``.

    FastAPI 0.165 keeps an included router by reference and, at the first request, builds a second state
    for each of its routes (dependencies, body and response fields, handler: ``_EffectiveRouteContext``)
    beside the one the route built when it was declared. With every domain's routes that copy was ~15 MiB
    of the idle server (``docs/benchmarks.md``, issue 19). A domain router declares its prefix, tags and
    dependencies on the router itself, so its routes are complete as declared: they are added directly, each
    handler rebuilt once so that the app's ``dependency_overrides`` apply to it (what inclusion did). A router
    included into another with options of its own (prefix, tags, dependencies, responses...) would need
    them merged: that is refused here, loudly, rather than served differently."""
    for route in _declared_routes(router):
        if isinstance(route, APIRoute):
            route.dependency_overrides_provider = app
            route.app = wrap_app_with_body_limit(request_response(route.get_route_handler()), route.max_body_size)
        app.router.routes.append(route)
    app.router._mark_routes_changed()


def _declared_routes(router: APIRouter) -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for route in router.routes:
        nested = getattr(route, "original_router", None)
        if nested is None:
            found.append(route)
            continue
        context = route.include_context  # type: ignore[attr-defined]
        extra = (
            context.prefix != router.prefix
            or list(context.tags) != list(router.tags)
            or list(context.dependencies) != list(router.dependencies)
            or context.responses != router.responses
            or context.callbacks != router.callbacks
            or context.deprecated
            or not context.include_in_schema
        )
        if extra:
            raise ValueError(f"router {nested!r} is included with options of its own: include it with include_router")
        if router.prefix or router.tags or router.dependencies or router.responses:
            raise ValueError(f"router {router!r} has options its included routers would inherit")
        found.extend(_declared_routes(nested))
    return found


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    route: APIRoute


def api_routes(app: FastAPI) -> list[RouteInfo]:
    """Every API route with its full path (through included routers)."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path:
            found.append(RouteInfo(context.path, frozenset(getattr(context, "methods", None) or route.methods), route))
    return found
