"""create_app(settings) -> Starlette: /graphql (HTTP + WebSocket), /healthz, /readyz, /metrics,
and the cabinet (web/dist) at /."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sentry_sdk.transport import Transport
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from starlette_compress import CompressMiddleware

from saas.auth.handoff import handoff
from saas.core.commit import drain_background
from saas.jobs import close_jobs, setup_jobs
from saas.modules.branding.routes import branding_image
from saas.modules.calendar.routes import calendar_feed
from saas.ops.health import healthz, readyz
from saas.ops.metrics import RequestMetricsMiddleware, metrics, track_engine
from saas.ops.observer import OperationObserver
from saas.ops.outage import DatabaseOutageMiddleware
from saas.ops.proxies import trust_proxies
from saas.ops.sentry import init_sentry
from saas.request import RequestBindingMiddleware
from saas.schema.root import build_schema
from saas.schema.view import GraphQLApp
from saas.security_headers import SecurityHeaders
from saas.services import Services
from saas.settings import Settings
from saas.storage import get_store
from saas.storage.endpoint import file_link
from saas.web import SinglePageApp

COMPRESS_MIN_BYTES = 1024


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    *,
    sentry_transport: type[Transport] | Transport | None = None,
) -> Starlette:
    settings = settings or Settings.from_env()
    # Before the schema and the app exist: the Sentry integrations hook their constructors.
    init_sentry(settings, transport=sentry_transport)
    services = services or Services.build(settings)
    track_engine(services.engine)
    schema = build_schema(settings)
    # Last, so it sees the original errors before any masking extension rewrites them.
    schema.extensions = (*schema.extensions, OperationObserver)
    graphql = GraphQLApp(schema, services)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.start()
        setup_jobs(services)  # resolvers enqueue background jobs through this process's broker
        try:
            yield
        finally:
            # Announcements of the last writes still running (answered before them): let them
            # finish while the pool is open; one cut short is left to the outbox sweeper.
            await drain_background(settings.shutdown_grace_seconds)
            close_jobs(services)
            await services.close()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        # Every method reaches the view, which refuses the others with a JSON 405.
        Route("/graphql", graphql),
        WebSocketRoute("/graphql", graphql),
        Route("/auth/handoff", handoff, methods=["GET"]),
        Route("/branding/{kind:str}", branding_image, methods=["GET", "HEAD"]),
        Route("/calendar/{token}.ics", calendar_feed, methods=["GET", "HEAD"]),
        # Signed links of the folder storage backend (S3 serves presigned URLs itself).
        Route("/files/{token}", file_link, methods=["GET", "PUT"]),
        # Last: every path no route above claims belongs to the cabinet's front end.
        Mount("/", app=SinglePageApp(graphql=graphql)),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services
    app.add_middleware(RequestBindingMiddleware, services=services)
    # Around the binding (its lookups fail first): a database outage answers 503, not 500.
    app.add_middleware(DatabaseOutageMiddleware)
    # Outermost: refusals of the binding middleware are counted and logged as well.
    app.add_middleware(RequestMetricsMiddleware)
    # Responses over 1 KB (GraphQL answers, the HTML shell) go out compressed as the client
    # accepts (zstd, brotli, gzip); WebSockets pass untouched, streams are flushed per chunk,
    # and what is already encoded (the precompressed assets) or ranged is left alone.
    app.add_middleware(CompressMiddleware, minimum_size=COMPRESS_MIN_BYTES)
    app.add_middleware(
        SecurityHeaders,
        production=settings.production,
        storage_origin=lambda: get_store(services).browser_origin,
    )
    trust_proxies(app, settings)  # X-Forwarded-* only from SAAS_TRUSTED_PROXIES, outermost
    return app
