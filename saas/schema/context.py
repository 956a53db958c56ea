"""The typed context of a GraphQL operation.

Reads go through `ctx.db` (the request's tenant-bound session, never committed) or
`ctx.shared` (the shared schema). A write is one `async with ctx.unit_of_work() as session:`
block: it commits once, and what services registered with `saas.core.commit.after_commit(
session, ...)` runs only after that commit (never after a rollback); the block ends once those
callbacks are done. Mutations of one request are serialized.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from saas.auth.messages import language_of
from saas.auth.principal import Principal
from saas.core.commit import after_commit, bind_services, settled
from saas.db.read_once import read_once
from saas.db.session import SerialSession, shared_session, tenant_session
from saas.request import RequestBinding
from saas.schema.errors import PublicError
from saas.services import Services
from saas.tenants.registry import TenantRef

log = logging.getLogger(__name__)
# How long closing a request's session waits for an operation still running on it.
CLOSE_WAIT_SECONDS = 5


class NoTenant(PublicError):
    """The operation needs a firm's host (or an API token) and was sent to the platform host."""

    def __init__(self) -> None:
        super().__init__(
            "This operation belongs to a firm: call it at the firm's address.", "TENANT_REQUIRED"
        )


class Context:
    def __init__(
        self,
        services: Services,
        binding: RequestBinding,
        request: Request | WebSocket,
        response: Response | None,
    ):
        self.services = services
        self.binding = binding
        self.request = request
        self.response = response
        self.loaders: dict[type, Any] = {}
        self._db: SerialSession | None = None
        self._shared: SerialSession | None = None
        self._working: SerialSession | None = None
        self._write_lock = asyncio.Lock()
        self.core_cache: dict[str, Any] = {}  # saas.core.actor's per-request answers

    @property
    def settings(self):  # type: ignore[no-untyped-def]
        return self.services.settings

    @property
    def language(self) -> str:
        """'en' or 'ru': the language the caller reads (Accept-Language), for messages."""
        return language_of(self.request.headers.get("accept-language"))

    @property
    def principal(self) -> Principal:
        return self.binding.principal

    @principal.setter
    def principal(self, value: Principal) -> None:
        self.binding = replace(self.binding, principal=value)

    @property
    def tenant_or_none(self) -> TenantRef | None:
        return self.binding.tenant

    @property
    def tenant(self) -> TenantRef:
        if self.binding.tenant is None:
            raise NoTenant()
        return self.binding.tenant

    @property
    def db(self) -> SerialSession:
        if self._db is None:
            self._db = tenant_session(self.services.engine, self.tenant)
            bind_services(self._db, self.services)
        return self._db

    async def scalar_text(self, text: str, params: dict[str, Any]) -> Any:
        """The value of SQL text for the driver read under the firm (a compiled page,
        `saas.schema.compiled`): in one round trip of its own (`saas.db.read_once`) when the
        request has no tenant session yet, none made for it; else in that session."""
        if self._db is None:
            return await read_once(self.services.engine, self.tenant, text, params)
        return await self._db.scalar_text(text, params)

    @property
    def shared(self) -> SerialSession:
        if self._shared is None:
            self._shared = shared_session(self.services.engine)
        return self._shared

    def loader(self, cls: type) -> Any:
        """The request's instance of a DataLoader class (created on first use)."""
        if cls not in self.loaders:
            self.loaders[cls] = cls(self)
        return self.loaders[cls]

    def after_commit(self, callback: Callable[[], Awaitable[None]], *, key: Any = None) -> None:
        """`saas.core.commit.after_commit` on the session of the unit of work in progress
        (the tenant session outside one)."""
        after_commit(self._working or self.db, callback, key=key)

    @asynccontextmanager
    async def unit_of_work(self, *, shared: bool = False) -> AsyncIterator[SerialSession]:
        """One transaction: commit on success, roll back on error; after a commit, wait for
        the session's after-commit callbacks but those registered `background=True` (the
        announcement of its outbox events: the mutation answers without waiting for it)."""
        async with self._write_lock:
            session = self.shared if shared else self.db
            outer, self._working = self._working, session
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                # A rollback expires every row the session holds, the loaders' cached ones
                # too: the next operation of the request (a batch, several mutations) must
                # load them again, never touch an expired row (a lazy load outside the
                # event loop's greenlet fails).
                self.loaders.clear()
                raise
            finally:
                self._working = outer
            await settled(session, background=False)

    async def close(self) -> None:
        for session in (self._db, self._shared):
            if session is not None:
                try:
                    async with asyncio.timeout(CLOSE_WAIT_SECONDS):
                        await session.close()  # after what still runs on it
                except (DBAPIError, TimeoutError):
                    # The connection died under the operation (a query cancelled when its
                    # socket closed, e.g. at a server stop), or the operation never ended:
                    # nothing is left to roll back. The pool drops the connection; the
                    # request's own outcome was already decided.
                    log.warning("closing a request's database session: its connection is gone")
                    with contextlib.suppress(Exception):
                        await session.invalidate()
        self._db = self._shared = None


Info = StrawberryInfo[Context, None]


def viewer_language(info: Info) -> str:
    return info.context.language
