"""/graphql over HTTP and WebSocket (graphql-transport-ws only).

Every refusal is JSON shaped like a GraphQL response, {"errors": [{"message", "extensions":
{"code"}}]}, with a 4xx status: malformed JSON, a body that is not an operation, a missing
query, an unknown operation name, a mutation over GET, a batch over the limit, a body over
`limits.max_body_bytes` (413, refused from Content-Length before reading, or while reading).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from saas.auth.authenticate import AuthRefused, bearer_in, from_connection_params
from saas.auth.idle import touch_binding
from saas.auth.live import SocketGuard, live_sockets
from saas.logs import request_id_var
from saas.ops.outage import raise_if_unavailable
from saas.schema.context import Context
from saas.schema.extensions import apply_error_policy
from saas.schema.limits import BODY_TOO_LARGE, TOO_MANY_OPERATIONS, TOO_MANY_SUBSCRIPTIONS
from saas.services import Services


class Refusal(HTTPException):
    """An HTTP-level refusal with a code for `extensions.code`."""

    def __init__(self, status_code: int, code: str, reason: str, **details: Any):
        super().__init__(status_code, reason)
        self.code = code
        self.details = details


class BodyTooLarge(Exception):
    pass


def _code_of(exc: HTTPException, method: str) -> tuple[int, str, str]:
    """Status, code and message for strawberry's own HTTP refusals."""
    cause = exc.__cause__
    if isinstance(cause, CannotGetOperationTypeError):
        return 400, "UNKNOWN_OPERATION", exc.reason
    if isinstance(cause, InvalidOperationTypeError):
        if cause.operation_type == OperationType.SUBSCRIPTION:
            return (
                400,
                "OPERATION_NOT_ALLOWED",
                ("Subscriptions are served over WebSocket at /graphql (graphql-transport-ws)."),
            )
        return 405, "OPERATION_NOT_ALLOWED", f"{exc.reason}: send them with POST."
    if isinstance(cause, MissingQueryError):
        return 400, "MISSING_QUERY", "The request has no GraphQL `query`."
    if isinstance(cause, json.JSONDecodeError):
        return 400, "MALFORMED_JSON", "The request body is not valid JSON."
    if exc.status_code == 405:
        return 405, "METHOD_NOT_ALLOWED", "GraphQL is served over GET (queries) and POST."
    if exc.status_code == 404 and method == "GET":
        return (
            404,
            "GRAPHIQL_DISABLED",
            ("GraphiQL is served in development only; send GraphQL requests with POST."),
        )
    if "content type" in exc.reason.lower():
        return 415, "UNSUPPORTED_CONTENT_TYPE", "Send GraphQL requests as application/json."
    return exc.status_code, "BAD_REQUEST", exc.reason


def refusal_response(status: int, code: str, message: str, **details: Any) -> JSONResponse:
    error = {"message": message, "extensions": {"code": code, **details}}
    headers = {"allow": "GET, POST"} if status == 405 else None
    return JSONResponse({"errors": [error]}, status_code=status, headers=headers)


def _limited(receive: Receive, limit: int) -> Receive:
    """A receive that raises BodyTooLarge once the body passes `limit` bytes (chunked uploads)."""
    seen = 0

    async def receive_limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return receive_limited


def _check_operation_shape(data: object) -> None:
    operations = data if isinstance(data, list) else [data]
    for operation in operations:
        if not isinstance(operation, dict):
            raise Refusal(
                400,
                "BAD_REQUEST",
                "The body must be a JSON object with `query` (or a list of them for a batch).",
            )
        name = operation.get("operationName")
        if name is not None and not isinstance(name, str):
            raise Refusal(400, "BAD_REQUEST", "`operationName` must be a string or null.")


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with a subscription limit refusal that says what the limit is,
    and a guard keeping the socket's rights current (saas.auth.live: each operation is
    authorized as an HTTP request would be; a revocation closes the socket with 4403)."""

    guard: SocketGuard | None = None

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        services = self.context.services
        self.guard = SocketGuard(self, services)
        live_sockets(services).add(self.guard)

    async def shutdown(self) -> None:
        if self.guard is not None:
            live_sockets(self.context.services).discard(self.guard)
        await super().shutdown()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """A token in the payload (graphql-ws clients' `connectionParams: {authorization:
        "Bearer ..."}`) authenticates the socket; a bad one closes it (4403, its code)."""
        secret = bearer_in(message.get("payload"))
        if secret is not None and not self.connection_init_received and self.guard is not None:
            binding = self.context.binding
            try:
                principal, tenant = await from_connection_params(
                    self.context.services, secret, self.context.request.scope, binding.tenant
                )
            except AuthRefused as exc:
                await self.guard.close(exc.code)
                return
            self.context.binding = replace(binding, principal=principal, tenant=tenant)
            self.context.loaders.clear()
            if not await self.guard.check():  # also closes it when its token expires
                return
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and self.guard is not None:
            if not await self.guard.check():
                return
            await touch_binding(self.context.services, self.context.binding)  # a use (idle)
            self.context.loaders.clear()  # each operation reads the rights as they are now
        limit = self.max_subscriptions_per_connection
        if (
            self.connection_acknowledged
            and limit is not None
            and message["id"] not in self.operations
            and len(self.operations) >= limit
        ):
            error = GraphQLError(
                f"This connection already runs {limit} subscriptions, the limit: "
                "complete one first or open another connection.",
                extensions={"code": TOO_MANY_SUBSCRIPTIONS, "limit": limit},
            )
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        await super().handle_subscribe(message)


class GraphQLApp(GraphQL):
    graphql_transport_ws_handler_class = TransportWSHandler  # type: ignore[assignment]

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
        self.max_body_bytes = settings.limits.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope["type"] == "http":
                response = await self._respond(scope, receive)
                await response(scope, receive, send)
            else:
                await super().__call__(scope, receive, send)
        finally:
            context = scope.get("state", {}).pop("graphql_context", None)
            if context is not None:
                await context.close()

    async def _respond(self, scope: Scope, receive: Receive) -> Response:
        limit = self.max_body_bytes
        declared = Headers(scope=scope).get("content-length", "")
        too_large = refusal_response(
            413,
            BODY_TOO_LARGE,
            f"The request body is over the limit of {limit} bytes.",
            limit=limit,
        )
        if declared.isdigit() and int(declared) > limit:
            return too_large
        request = Request(scope, receive=_limited(receive, limit))
        try:
            return await self.run(request)
        except BodyTooLarge:
            return too_large
        except Refusal as exc:
            return refusal_response(exc.status_code, exc.code, exc.reason, **exc.details)
        except HTTPException as exc:
            return refusal_response(*_code_of(exc, scope["method"]))

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses absurd nesting with a JSONDecodeError; json.loads hits RecursionError.
        return orjson.loads(data)

    def encode_json(self, data: object) -> str:
        # orjson: ~10x faster than json.dumps on a 50-report page. Non-ASCII text is sent as
        # UTF-8 instead of \u escapes (the same JSON once decoded). A str, not bytes, so
        # WebSocket messages stay text frames. What orjson refuses (non-str keys, integers
        # over 64 bits) falls back to json.dumps, as before.
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        # Over HTTP the body is bytes: orjson's own, not decoded to a str that Starlette
        # encodes again (a feed page is ~100 KB).
        try:
            body: bytes = orjson.dumps(response_data)
        except TypeError:
            body = json.dumps(response_data, separators=(",", ":")).encode()
        response = Response(body, status_code=200, media_type="application/json")
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    async def parse_http_body(self, request: Any) -> Any:
        content_type, _ = parse_content_type(request.content_type or "")
        if request.method == "POST" and "application/json" in content_type:
            _check_operation_shape(self.parse_json(await request.get_body()))
        return await super().parse_http_body(request)

    def _validate_batch_request(self, request_data: list[Any], protocol: Any) -> None:
        config = self.schema.config.batching_config
        limit = config["max_operations"] if config else 1
        if len(request_data) > limit:
            raise Refusal(
                400,
                TOO_MANY_OPERATIONS,
                f"The batch holds {len(request_data)} operations; the limit is {limit}. "
                "Send them in smaller batches.",
                limit=limit,
            )
        super()._validate_batch_request(request_data, protocol)

    async def execute_operation(  # type: ignore[override]
        self,
        request: Any,
        request_adapter: Any,
        request_data: Any,
        context: Any,
        root_value: Any,
        sub_response: Any,
    ) -> Any:
        # Strawberry gathers a batch's operations concurrently on one context; they share the
        # request's sessions, so a read could run inside a write's transaction (under the
        # firm's role while audit_shared holds it, or aborted by the write's failure). A batch
        # runs in order, one operation after another, as its client wrote it.
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        return [
            await self.execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=data,
            )
            for data in request_data
        ]

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        # The error policy also runs as a schema extension; this catches what escaped the
        # operation as a whole (an exception outside any resolver) before it reaches the client.
        if result.errors:
            binding = request.scope.get("state", {}).get("binding")
            request_id = binding.request_id if binding else request_id_var.get()
            result.errors = apply_error_policy(result.errors, request_id)
            raise_if_unavailable(result)  # nothing but an outage to say: a 503 (saas.ops.outage)
        return await super().process_result(request, result)

    async def get_context(  # type: ignore[override]
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.scope.setdefault("state", {})
        context = Context(
            self.services,
            state["binding"],
            request,
            response if isinstance(response, Response) else None,
        )
        state["graphql_context"] = context
        return context
