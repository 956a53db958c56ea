"""While the database does not answer: `503 Service Unavailable` with `Retry-After` and the
request id, in the GraphQL error shape, instead of a plain-text 500.

    {"errors": [{"message": "...", "extensions": {"code": "SERVICE_UNAVAILABLE",
                                                  "requestId": "...", "retryAfter": 5}}]}

`DatabaseOutageMiddleware` sits outside the request binding (whose tenant and session lookups
are the first to fail) and answers for any path that has not started its response; a
GraphQL operation whose resolvers failed on the database gets the same error from the error
policy (`unavailable_error`) and the same 503 when it has no data at all (saas.schema.view).
A browser asking for a page gets a short HTML page; WebSockets are closed with 1013 (try
again later). `/readyz` turns 503 on its own (saas.ops.health).
"""

from __future__ import annotations

import logging
import uuid

import orjson
import psycopg
from graphql import GraphQLError
from psycopg_pool import PoolTimeout
from sqlalchemy import exc as sa_exc
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.types import ExecutionResult

from saas.auth.messages import language_of
from saas.logs import request_id_var

log = logging.getLogger(__name__)

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
RETRY_AFTER_SECONDS = 5
WS_TRY_AGAIN_LATER = 1013
MESSAGES = {
    "ru": "Сервис временно недоступен: база данных не отвечает. Повторите через несколько секунд.",
    "en": "The service is temporarily unavailable: its database does not answer. "
    "Retry in a few seconds.",
}
# SQLSTATE classes of a lost or refused connection: 08 connection exception, 57P operator
# intervention (admin shutdown, crash shutdown, cannot connect now).
_CONNECTION_STATES = ("08", "57P")


def database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` (or what caused it) says the database cannot be reached, as opposed
    to a statement it refused."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, sa_exc.TimeoutError | PoolTimeout | psycopg.InterfaceError):
            return True  # no connection free or none could be opened in time
        if isinstance(exc, psycopg.OperationalError):
            state = exc.sqlstate
            if state is None or state.startswith(_CONNECTION_STATES):
                return True
        orig = getattr(exc, "orig", None) if isinstance(exc, sa_exc.DBAPIError) else None
        exc = orig or exc.__cause__ or exc.__context__
    return False


def unavailable_error(
    error: GraphQLError, request_id: str | None, language: str = "ru"
) -> GraphQLError:
    """A resolver's database failure as the client reads it (instead of INTERNAL)."""
    return GraphQLError(
        MESSAGES[language],
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={
            "code": SERVICE_UNAVAILABLE,
            "requestId": request_id,
            "retryAfter": RETRY_AFTER_SECONDS,
        },
    )


def raise_if_unavailable(result: ExecutionResult) -> None:
    """An HTTP operation that got nothing (no data, or every root field null) because the
    database failed: raise that failure, so the middleware answers 503 instead of a 200
    holding only the error. Partial data stays a 200 with the error in `errors`."""
    if not result.errors or any(v is not None for v in (result.data or {}).values()):
        return
    for error in result.errors:
        code = (error.extensions or {}).get("code")
        if code == SERVICE_UNAVAILABLE and error.original_error is not None:
            raise error.original_error


def _page(language: str) -> bytes:
    title = "Сервис временно недоступен" if language == "ru" else "Service unavailable"
    return (
        f'<!doctype html><html lang="{language}"><meta charset="utf-8"><title>{title}</title>'
        f"<h1>{title}</h1><p>{MESSAGES[language]}</p></html>"
    ).encode()


async def send_unavailable(scope: Scope, send: Send, request_id: str) -> None:
    headers = Headers(scope=scope)
    language = language_of(headers.get("accept-language"))
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": WS_TRY_AGAIN_LATER, "reason": ""})
        return
    if scope["path"] != "/graphql" and "text/html" in headers.get("accept", ""):
        body, content_type = _page(language), b"text/html; charset=utf-8"
    else:
        error = {
            "message": MESSAGES[language],
            "extensions": {
                "code": SERVICE_UNAVAILABLE,
                "requestId": request_id,
                "retryAfter": RETRY_AFTER_SECONDS,
            },
        }
        body, content_type = orjson.dumps({"errors": [error]}), b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"cache-control", b"no-store"),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class DatabaseOutageMiddleware:
    """Turns a database outage met anywhere below it into a 503 (see the module docstring)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] in ("http.response.start", "websocket.accept", "websocket.close"):
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started or not database_unavailable(exc):
                raise
            # The request binding set the id before it failed (same context), if it got there.
            request_id = (
                request_id_var.get() or Headers(scope=scope).get("x-request-id") or uuid.uuid4().hex
            )
            log.warning(
                "database unavailable: answered 503 (%s)",
                type(exc).__name__,
                extra={"path": scope["path"], "request_id": request_id},
            )
            await send_unavailable(scope, send, request_id)
