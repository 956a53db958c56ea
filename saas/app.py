"""create_app(settings) -> Starlette: /graphql (HTTP + WebSocket), /healthz, /readyz, /metrics,
and the cabinet (web/dist) at /."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute

from saas.auth.handoff import handoff
from saas.request import RequestBindingMiddleware
from saas.schema.root import build_schema
from saas.schema.view import GraphQLApp
from saas.services import Services
from saas.settings import Settings
from saas.tenants.branding_routes import branding_image
from saas.web import SinglePageApp


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    services = services or Services.build(settings)
    graphql = GraphQLApp(build_schema(settings), services)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.start()
        try:
            yield
        finally:
            await services.close()

    routes = [
        Route("/healthz", healthz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/auth/handoff", handoff, methods=["GET"]),
        Route("/branding/{kind:str}", branding_image, methods=["GET", "HEAD"]),
        # Last: every path no route above claims belongs to the cabinet's front end.
        Mount("/", app=SinglePageApp()),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services
    app.add_middleware(RequestBindingMiddleware, services=services)
    return app
