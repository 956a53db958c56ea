"""Serving the API with a bounded, graceful stop (`saas serve`, `saas demo`).

On SIGTERM (or SIGINT) the server
1. closes every open WebSocket with 1001 "going away" (clients reconnect to another
   process; uvicorn alone would say 1012 and then wait on the subscriptions' tasks),
2. stops accepting connections and lets the requests in flight finish,
3. runs the app's shutdown (pools, listeners) and exits,
all within SAAS_SHUTDOWN_GRACE_SECONDS (default 10): what is still running then is
cancelled. Set the orchestrator's kill timeout above it (docs/operate.md).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

GOING_AWAY = 1001
# Of the grace period, what is left for the app's own shutdown once connections are drained.
LIFESPAN_SHARE = 0.2


class OpenSockets:
    """ASGI wrapper keeping the `send` of every accepted WebSocket until it closes, so the
    server can close them all at once."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.open: dict[int, Send] = {}
        self.closed_by_server: set[int] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        key = id(scope)

        async def tracked(message: Message) -> None:
            if key in self.closed_by_server:
                return  # the server said goodbye: the app's late messages go nowhere
            if message["type"] == "websocket.close":
                self.open.pop(key, None)
            await send(message)
            if message["type"] == "websocket.accept":
                self.open[key] = send

        try:
            await self.app(scope, receive, tracked)
        finally:
            self.open.pop(key, None)
            self.closed_by_server.discard(key)

    async def close_all(self, code: int = GOING_AWAY) -> int:
        sockets = list(self.open.items())
        for key, send in sockets:
            self.open.pop(key, None)
            self.closed_by_server.add(key)
            try:
                await send({"type": "websocket.close", "code": code, "reason": "server stopping"})
            except Exception:  # the client is already gone
                log.debug("closing a socket failed", exc_info=True)
        return len(sockets)


class GracefulServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, sockets: OpenSockets, grace: float):
        super().__init__(config)
        self.open_sockets = sockets
        self.grace = grace

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        closed = await self.open_sockets.close_all()
        log.info(
            "stopping: draining requests",
            extra={"websockets_closed": closed, "grace_seconds": self.grace},
        )
        try:
            async with asyncio.timeout(self.grace):
                await super().shutdown(sockets)
        except TimeoutError:
            log.error("stopping: the grace period is over, exiting with work cut short")
        # uvicorn would raise the handled signal again once stopped, killing the process
        # before the caller's clean-up (the demo stops its worker after `serve`): a stop
        # asked for by a signal and carried out is a normal exit, status 0.
        self._captured_signals.clear()


def serve(
    app: ASGIApp, grace: float, sockets: list[socket.socket] | None = None, **options: Any
) -> bool:
    """uvicorn.run(app, **options), stopping within `grace` seconds of SIGTERM; on `sockets`
    (already bound, a worker's of `saas serve --workers`) instead of binding host and port.
    Whether the server started (False: the app's startup failed)."""
    tracked = OpenSockets(app)
    config = uvicorn.Config(
        tracked,
        # uvicorn waits this long for connections and tasks, then cancels them; the rest of
        # the grace period is the app's lifespan shutdown.
        timeout_graceful_shutdown=max(round(grace * (1 - LIFESPAN_SHARE)), 1),
        **options,
    )
    server = GracefulServer(config, tracked, grace)
    server.run(sockets)
    return bool(server.started)
