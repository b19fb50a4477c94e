"""``create_app(settings)``: the one FastAPI application serving all three APIs."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from loyaltyhub import __version__
from loyaltyhub.auth.cache import ClientTokenCache
from loyaltyhub.db.engine import make_engine, make_session_factory, writer
from loyaltyhub.db.session import SessionFactory
from loyaltyhub.http.docs import install_docs
from loyaltyhub.http.errors import install_error_handlers
from loyaltyhub.http.idempotency import LoyaltyRoute, ReplayResponse, replay_response
from loyaltyhub.http.logging import RequestLogging
from loyaltyhub.http.metrics import RequestMetrics
from loyaltyhub.http.middleware import BodySizeLimit
from loyaltyhub.http.openapi import install_openapi
from loyaltyhub.http.routing import check_route_classes
from loyaltyhub.ratelimit.middleware import RateLimitHeaders
from loyaltyhub.settings import Settings

# Each domain exposes ``router`` from its routes module. Routing tries routes in this order, one by
# one, so the member offers (a use at the shop counter, the app's offer list) come first;
# tests/foundation/test_route_order.py checks that no route shadows a later one.
ROUTE_MODULES = (
    "loyaltyhub.member_offers.routes",
    "loyaltyhub.auth.routes",
    "loyaltyhub.members.routes",
    "loyaltyhub.stores.routes",
    "loyaltyhub.offers.routes",
    "loyaltyhub.collections.routes",
    "loyaltyhub.reporting.routes",
    "loyaltyhub.places.routes",
    "loyaltyhub.exports.routes",
    "loyaltyhub.http.health",
    "loyaltyhub.http.metrics",
)


def default_session_factory(engine: Engine) -> SessionFactory:
    reader = make_session_factory(engine)
    writer_factory = make_session_factory(writer(engine))

    def factory(write: bool) -> Session:
        return writer_factory() if write else reader()

    return factory


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: SessionFactory | None = None,
    start_background_jobs: bool | None = None,
    on_started: Callable[[], None] | None = None,
) -> FastAPI:
    """The application. ``on_started`` runs once the lifespan's start-up is done (the server entry point
    uses it to tune the garbage collector; see :mod:`loyaltyhub.asgi`)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owns_engine = app.state.engine is None
        if owns_engine:
            settings.ensure_local_dirs()
            app.state.engine = make_engine(
                settings.database_url,
                echo=settings.sql_echo,
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
            )
        if app.state.session_factory is None:
            app.state.session_factory = default_session_factory(app.state.engine)
        run_jobs = settings.run_worker_in_server if start_background_jobs is None else start_background_jobs
        worker = None
        if run_jobs:
            from loyaltyhub.worker import BackgroundWorker

            worker = BackgroundWorker(settings, app.state.engine)
            worker.start()
        if on_started is not None:
            on_started()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if owns_engine:
                app.state.engine.dispose()

    app = FastAPI(
        title="loyaltyhub",
        version=__version__,
        description="Loyalty-club platform: Management API, Public (member) API and Reporting API.",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.client_token_cache = ClientTokenCache(settings.client_token_cache_seconds)
    app.router.route_class = LoyaltyRoute
    install_error_handlers(app)
    app.add_exception_handler(ReplayResponse, lambda _r, exc: replay_response(exc))  # type: ignore[arg-type]
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestLogging, access_log=settings.access_log)
    install_docs(app)
    install_openapi(app)
    for module_name in ROUTE_MODULES:
        module = importlib.import_module(module_name)
        app.include_router(module.router)
    check_route_classes(app)
    return app
