"""``create_app(settings)``: the one FastAPI application serving all three APIs."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from loyaltyhub import __version__
from loyaltyhub.apidocs.docs import install_docs
from loyaltyhub.apidocs.openapi import install_openapi
from loyaltyhub.auth.cache import ClientTokenCache
from loyaltyhub.console.static_files import install_static as install_console_static
from loyaltyhub.db.engine import for_requests, make_engine, make_session_factory, writer
from loyaltyhub.db.session import SessionFactory
from loyaltyhub.db.tenancy import install_audit
from loyaltyhub.files.rules import LARGE_BODY_CONTENT_TYPES, LARGE_BODY_PATHS
from loyaltyhub.http.errors import install_error_handlers
from loyaltyhub.http.idempotency import replay_response
from loyaltyhub.http.logging import RequestLogging
from loyaltyhub.http.metrics import RequestMetrics
from loyaltyhub.http.middleware import BodySizeLimit
from loyaltyhub.http.resilience import AnswerEveryRequest
from loyaltyhub.http.routing import LoyaltyRoute, include_flat, install_route_index
from loyaltyhub.idempotency.service import Replay
from loyaltyhub.ratelimit.middleware import RateLimitHeaders
from loyaltyhub.services import SESSION_KEY, AppServices
from loyaltyhub.settings import Settings
from loyaltyhub.wiring import build_services

# Each domain exposes ``router`` from its routes module. Routing tries routes in this order, one by
# one, so the member offers (a use at the shop counter, the app's offer list) come first;
# tests/foundation/test_route_order.py checks that no route shadows a later one.
ROUTE_MODULES = (
    "loyaltyhub.member_offers.routes",
    "loyaltyhub.member_offers.preview_routes",  # /v3/{slug}/offers/preview... and codes/validate, beside offers
    "loyaltyhub.member_offers.codes_routes",
    "loyaltyhub.auth.routes",
    "loyaltyhub.members.routes",
    "loyaltyhub.club_info.routes",
    "loyaltyhub.stores.routes",
    "loyaltyhub.offer_images.routes",
    "loyaltyhub.offers.routes",
    "loyaltyhub.collections.routes",
    "loyaltyhub.reporting.routes",
    "loyaltyhub.places.routes",
    "loyaltyhub.exports.routes",
    "loyaltyhub.messaging.legacy_routes",  # /v1/messages/{id}... before the services' /v1/messages/{name}...
    "loyaltyhub.messaging.routes",
    "loyaltyhub.messaging.history_routes",
    "loyaltyhub.messaging.links_routes",
    "loyaltyhub.messaging.receipts_routes",
    "loyaltyhub.rewards.program.routes",
    "loyaltyhub.rewards.points.routes",
    "loyaltyhub.rewards.catalogue.routes",
    "loyaltyhub.rewards.receipts.routes",
    "loyaltyhub.rewards.achievements.routes",
    "loyaltyhub.events.routes",
    "loyaltyhub.webhooks.routes",
    "loyaltyhub.triggers.routes",
    "loyaltyhub.files.routes",  # before the deprecated API's, whose /{fileable_type}/{id}/{kind} is wider
    "loyaltyhub.files.whole_files_routes",
    "loyaltyhub.files.legacy_routes",
    "loyaltyhub.http.health",
    "loyaltyhub.http.metrics",
    "loyaltyhub.console.routes",  # the staff console's pages (/console), not part of the API
)


def default_session_factory(engine: Engine, services: AppServices) -> SessionFactory:
    """Request sessions: writers take SQLite's write lock up front; on PostgreSQL plain reads run without
    a transaction, which begins before a request's first write or lock (``docs/decisions/http.md``);
    every session carries the app's services."""
    info = {SESSION_KEY: services}
    requests = for_requests(engine)
    reader_factory = make_session_factory(requests, info)
    writer_factory = make_session_factory(writer(requests), info)

    def factory(write: bool) -> Session:
        return writer_factory() if write else reader_factory()

    return factory


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    services: AppServices | None = None,
    session_factory: SessionFactory | None = None,
    start_background_jobs: bool | None = None,
    on_started: Callable[[], None] | None = None,
) -> FastAPI:
    """The application. ``services`` are the pluggable parts (default: :func:`loyaltyhub.wiring.build_services`);
    a ``session_factory`` given here must bind them to its sessions itself. ``on_started`` runs once the
    lifespan's start-up is done (the server entry point uses it to tune the garbage collector; see
    :mod:`loyaltyhub.asgi`)."""
    settings = settings or Settings()
    services = services or build_services(settings)

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
            if settings.tenancy_audit:
                install_audit(app.state.engine)
        if app.state.session_factory is None:
            app.state.session_factory = default_session_factory(app.state.engine, services)
        run_jobs = settings.run_worker_in_server if start_background_jobs is None else start_background_jobs
        worker = None
        if run_jobs:
            from loyaltyhub.worker import BackgroundWorker

            worker = BackgroundWorker(settings, app.state.engine, services)
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
    app.state.services = services
    app.state.client_token_cache = ClientTokenCache(settings.client_token_cache_seconds)
    app.router.route_class = LoyaltyRoute
    install_route_index(app)
    install_error_handlers(app)
    app.add_exception_handler(Replay, lambda _r, exc: replay_response(exc))  # type: ignore[arg-type]
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        large_paths=LARGE_BODY_PATHS,
        large_max_bytes=settings.file_part_max_bytes,
        large_content_types=LARGE_BODY_CONTENT_TYPES,
    )
    # Outside the body limit (whose 413 it must not turn into a 500), inside the headers, metrics and log
    # (which then see the answer it gives).
    app.add_middleware(AnswerEveryRequest, max_replay_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimitHeaders)
    app.add_middleware(RequestMetrics)
    app.add_middleware(RequestLogging, access_log=settings.access_log)
    install_docs(app)
    install_console_static(app)
    install_openapi(app)
    for module_name in ROUTE_MODULES:
        module = importlib.import_module(module_name)
        include_flat(app, module.router)
    return app
