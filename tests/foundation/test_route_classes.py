"""Every route of the app is a LoyaltyRoute (checked here once, not at every app start), and its quick
path-shape check never answers otherwise than its regular expression.

In this FastAPI an included router keeps its own route class, so a domain router built as a plain
``APIRouter`` would silently skip what LoyaltyRoute does (unstorable input refused, bodies refused where
none is expected, idempotent answers stored): use ``loyaltyhub.http.routing.LoyaltyRouter``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match

from loyaltyhub.http.routing import IndexedRouter, LoyaltyRoute, RouteIndex, api_routes, path_segments


def test_every_route_is_a_loyalty_route(app: FastAPI) -> None:
    routes = api_routes(app)
    assert len(routes) > 50
    wrong = [info.path for info in routes if not isinstance(info.route, LoyaltyRoute)]
    assert wrong == [], "routes not built by LoyaltyRouter (use loyaltyhub.http.routing.LoyaltyRouter)"


def _sample_path(route: LoyaltyRoute, value: str) -> str:
    """The route's pattern with every parameter replaced by ``value`` (a ``:path`` one by two segments)."""
    return re.sub(r"\{[^}:]+(:path)?(:[^}]+)?\}", lambda m: f"{value}/{value}" if m.group(1) else value, route.path)


def test_the_path_shape_check_answers_as_the_regular_expression(app: FastAPI) -> None:
    """``LoyaltyRoute.matches`` passes over routes by the path's shape before their regular expression: for
    the paths of every route (and with a trailing slash, and another method), it answers exactly what the
    regular expression alone answers, sharing one scope across the routes as the router does."""
    routes = [route for route in app.routes if isinstance(route, LoyaltyRoute)]
    assert sum(route.path_shape is not None for route in routes) > 300
    paths = {_sample_path(route, value) for route in routes for value in ("7", "me")}
    paths |= {path + "/" for path in list(paths)} | {"/", "", "/v3", "/v3/x/members/7/offers/7/use/extra"}
    for path in sorted(paths):
        for method in ("GET", "POST"):
            shared = {"type": "http", "path": path, "root_path": "", "method": method}
            for route in routes:
                fresh = {"type": "http", "path": path, "root_path": "", "method": method}
                assert route.matches(shared)[0] == APIRoute.matches(route, fresh)[0], (route.path, path, method)


def _first_full_match(routes: list[Any], scope: dict[str, Any]) -> Any:
    for route in routes:
        if route.matches(scope)[0] is Match.FULL:
            return route
    return None


def test_the_route_index_reaches_the_route_the_router_would(app: FastAPI) -> None:
    """The app's router tries only the routes :class:`RouteIndex` gives for a path: for the paths of every
    route (with a trailing slash, for both methods, and paths no route has), the first full match among them
    is the first full match among all routes, and none is found where all routes have none (the router
    then falls back to trying every route, for 405s and redirects)."""
    assert isinstance(app.router, IndexedRouter)
    routes = list(app.router.routes)
    index = RouteIndex(routes)
    loyalty = [route for route in routes if isinstance(route, LoyaltyRoute)]
    paths = {_sample_path(route, value) for route in loyalty for value in ("7", "me", "use")}
    paths |= {path + "/" for path in list(paths)}
    paths |= {"/", "", "/v3", "/healthz", "/v3/x/members/7/offers/7/use/extra", "/v3/x/members/7/nothing"}
    reached = 0
    for path in sorted(paths):
        for method in ("GET", "POST", "DELETE"):
            scope = {"type": "http", "path": path, "root_path": "", "method": method}
            candidates = index.candidates(path_segments(scope))
            expected = _first_full_match(routes, dict(scope))
            assert _first_full_match(candidates, dict(scope)) is expected, (path, method)
            reached += expected is not None
    assert reached > 300
    assert len(index._lists) < 200  # lists per route shape, not per request path


def test_the_indexed_router_answers_misses_as_before(client: Any) -> None:
    """A path no route reaches is a 404 and a wrong method a 405, as FastAPI's own router answers."""
    assert client.get("/v3/nowhere/at/all/today").status_code == 404
    assert client.delete("/healthz").status_code == 405
