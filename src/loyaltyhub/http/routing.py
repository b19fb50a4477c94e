"""Routers and route listing.

Every domain router is a :class:`LoyaltyRouter`, so its routes use :class:`LoyaltyRoute`
(idempotency storage, refusal of unexpected bodies). ``create_app`` checks this at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from loyaltyhub.http.idempotency import LoyaltyRoute


class LoyaltyRouter(APIRouter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", LoyaltyRoute)
        super().__init__(**kwargs)


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


def check_route_classes(app: FastAPI) -> None:
    wrong = [info.path for info in api_routes(app) if not isinstance(info.route, LoyaltyRoute)]
    if wrong:
        raise RuntimeError(f"routes not built by LoyaltyRouter (use loyaltyhub.http.routing.LoyaltyRouter): {wrong}")
