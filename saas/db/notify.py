"""One LISTEN connection per process, fanning PostgreSQL notifications out to callbacks.

Used for cache invalidation (tenants, Casbin policies) and for subscriptions fed by the
outbox. Channels carry small payloads (ids), never rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

Callback = Callable[[str], Awaitable[None] | None]


class NotificationHub:
    def __init__(self, url: str, *, reconnect_delay: float = 1.0, poll: float = 0.2):
        self.url = url
        self.reconnect_delay = reconnect_delay
        self.poll = poll
        self._pending: set[str] = set()
        self._callbacks: dict[str, list[Callback]] = defaultdict(list)
        self._task: asyncio.Task[None] | None = None
        self._conn: psycopg.AsyncConnection | None = None
        self._on_reconnect: list[Callable[[], Awaitable[None]]] = []
        self.ready = asyncio.Event()

    def subscribe(self, channel: str, callback: Callback) -> None:
        """Register a callback; a channel added after start() is LISTENed within `poll` seconds
        (the notifies() loop holds the connection, so new LISTENs wait for its next pause)."""
        if not self._callbacks[channel]:
            self._pending.add(channel)
        self._callbacks[channel].append(callback)

    def unsubscribe(self, channel: str, callback: Callback) -> None:
        with contextlib.suppress(ValueError):
            self._callbacks[channel].remove(callback)

    def on_reconnect(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Call `callback` each time the listener connects again after losing its connection
        (the database restarted, or the network dropped): e.g. to drop pooled connections
        that died with it before a request meets one."""
        self._on_reconnect.append(callback)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notification-hub")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _listen(self, conn: psycopg.AsyncConnection, channel: str) -> None:
        await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    async def _run(self) -> None:
        lost = False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    self._pending.clear()
                    for channel in list(self._callbacks):
                        await self._listen(conn, channel)
                    if lost:
                        await self._reconnected()
                    self._conn = conn
                    self.ready.set()
                    # A reconnect may have missed notifications: tell everyone to resync.
                    await self._dispatch_all("")
                    while True:
                        async for note in conn.notifies(timeout=self.poll):
                            await self._dispatch(note.channel, note.payload)
                        while self._pending:
                            await self._listen(conn, self._pending.pop())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning(
                    "notification listener lost its connection; reconnecting", exc_info=True
                )
            self._conn = None
            lost = True
            await asyncio.sleep(self.reconnect_delay)

    async def _reconnected(self) -> None:
        for callback in list(self._on_reconnect):
            try:
                await callback()
            except Exception:
                log.exception("reconnect callback failed")

    async def _dispatch_all(self, payload: str) -> None:
        for channel in list(self._callbacks):
            await self._dispatch(channel, payload)

    async def _dispatch(self, channel: str, payload: str) -> None:
        for callback in list(self._callbacks.get(channel, ())):
            try:
                result = callback(payload)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("notification callback failed", extra={"channel": channel})
