"""Every route of the app is a LoyaltyRoute (checked here once, not at every app start).

In this FastAPI an included router keeps its own route class, so a domain router built as a plain
``APIRouter`` would silently skip what LoyaltyRoute does (unstorable input refused, bodies refused where
none is expected, idempotent answers stored): use ``loyaltyhub.http.routing.LoyaltyRouter``.
"""

from __future__ import annotations

from fastapi import FastAPI

from loyaltyhub.http.routing import LoyaltyRoute, api_routes


def test_every_route_is_a_loyalty_route(app: FastAPI) -> None:
    routes = api_routes(app)
    assert len(routes) > 50
    wrong = [info.path for info in routes if not isinstance(info.route, LoyaltyRoute)]
    assert wrong == [], "routes not built by LoyaltyRouter (use loyaltyhub.http.routing.LoyaltyRouter)"
