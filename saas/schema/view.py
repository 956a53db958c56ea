"""/graphql over HTTP and WebSocket (graphql-transport-ws only)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from saas.schema.context import Context
from saas.services import Services


class GraphQLApp(GraphQL):
    def __init__(self, schema: Any, services: Services):
        settings = services.settings
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=settings.limits.max_subscriptions,
            multipart_uploads_enabled=False,
        )
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            context = scope.get("state", {}).pop("graphql_context", None)
            if context is not None:
                await context.close()

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:  # type: ignore[override]
        state = request.scope.setdefault("state", {})
        context = Context(
            self.services,
            state["binding"],
            request,
            response if isinstance(response, Response) else None,
        )
        state["graphql_context"] = context
        return context
