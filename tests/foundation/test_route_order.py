"""Route order: the hottest Public API routes are matched first (routing is a linear scan), and no
route is shadowed by one listed before it."""

from __future__ import annotations

import re

from starlette.routing import compile_path

from loyaltyhub.app import ROUTE_MODULES, create_app
from loyaltyhub.http.routing import api_routes
from loyaltyhub.settings import Settings

SAMPLE_VALUES = ("infinity-mall", "10000951", "me", "x1")


def _sample_paths(path: str) -> list[str]:
    """``path`` with each ``{param}`` filled in with several kinds of value."""
    return [re.sub(r"\{[^}]+\}", value, path) for value in SAMPLE_VALUES]


def test_member_offers_are_matched_first():
    assert ROUTE_MODULES[0] == "loyaltyhub.member_offers.routes"


def test_no_route_is_shadowed_by_an_earlier_one():
    routes = api_routes(create_app(Settings(database_url="sqlite://", env="test")))
    patterns = [(compile_path(info.path)[0], info.methods, info.path) for info in routes]
    shadowed = []
    for index, info in enumerate(routes):
        own = patterns[index][0]
        for sample in filter(own.match, _sample_paths(info.path)):
            for regex, methods, earlier in patterns[:index]:
                if regex.match(sample) and methods & info.methods and earlier != info.path:
                    shadowed.append((info.path, sample, earlier))
    assert shadowed == []
