"""Sessions. `tenant_session` is the only way to reach tenant tables.

Inside every transaction of a tenant-bound session, in one statement:
  set_config('role', <tenant role>, true)   -- SET LOCAL ROLE: a role that owns that tenant's
                                            -- schema and nothing else
  set_config('search_path', <schema>, true)
and the placeholder schema `tenant` of the models is translated to the tenant's schema.
Both settings are transaction-local, so a pooled connection carries no tenant into the next
use. A bug in a query cannot read another firm's rows: PostgreSQL refuses.

AsyncSession refuses concurrent operations, and DataLoaders of one request resolve
concurrently; `SerialSession` serializes a request's statements with a lock instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from saas.core.commit import settled
from saas.db.base import TENANT_SCHEMA
from saas.db.read_once import read_once

if TYPE_CHECKING:
    from saas.tenants.registry import TenantRef


class SerialSession(AsyncSession):
    """An AsyncSession whose operations run one at a time, so concurrent resolvers may share it.

    `scalars()` is not overridden: AsyncSession.scalars calls self.execute, which takes the
    lock (an override taking it too would deadlock).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = asyncio.Lock()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await super().scalar(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        async with self._lock:
            return await super().get(*args, **kwargs)

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        async with self._lock:
            await super().flush(*args, **kwargs)

    async def commit(self) -> None:
        async with self._lock:
            await super().commit()

    async def rollback(self) -> None:
        async with self._lock:
            await super().rollback()

    async def scalar_text(self, text: str, params: dict[str, Any]) -> Any:
        """The value of SQL text for the driver (a statement compiled once,
        `saas.schema.compiled`), read under the session's tenant: in the session's transaction
        when one is open, else in a read of its own, one round trip (`saas.db.read_once`)."""
        async with self._lock:
            tenant = self.info.get("tenant")
            if tenant is not None and not self.in_transaction():
                assert isinstance(self.bind, AsyncEngine)  # tenant_session's
                return await read_once(self.bind, tenant, text, params)
            connection = await self.connection()
            return (await connection.exec_driver_sql(text, params)).scalar()

    async def close(self) -> None:
        # After the operation still running on it (a subscription cancelled at a socket's
        # end may be inside its first statement): closing under it is an illegal state change.
        async with self._lock:
            await super().close()


_BIND_TENANT = text(
    "SELECT set_config('role', :role, true), set_config('search_path', :schema, true)"
)


@event.listens_for(Session, "after_begin")
def _bind_transaction_to_tenant(session: Session, transaction: Any, connection: Any) -> None:
    tenant = session.info.get("tenant")
    if tenant is None or transaction.nested:
        # A SAVEPOINT (begin_nested) is inside a transaction already bound: binding it again
        # was a round trip per savepoint (three per announcement, one per ON_ANNOUNCE hook).
        return
    # One round trip for both: set_config('role', name, true) is SET LOCAL ROLE (the same
    # membership check, refused for a role the login may not take; reverts at transaction end).
    connection.execute(_BIND_TENANT, {"role": tenant.db_role, "schema": tenant.schema})


def shared_session(engine: AsyncEngine) -> SerialSession:
    """A session for the shared schema (tenants, people, memberships, tokens, policies)."""
    return SerialSession(engine, expire_on_commit=False)


def tenant_session(engine: AsyncEngine, tenant: TenantRef) -> SerialSession:
    bound = engine.execution_options(schema_translate_map={TENANT_SCHEMA: tenant.schema})
    session = SerialSession(bound, expire_on_commit=False)
    session.info["tenant"] = tenant
    return session


@asynccontextmanager
async def tenant_transaction(engine: AsyncEngine, tenant: TenantRef) -> AsyncIterator[AsyncSession]:
    """One unit of work for a tenant: commits on success, rolls back on error; after a commit,
    waits for the callbacks registered with `saas.core.commit.after_commit`."""
    async with tenant_session(engine, tenant) as session:
        async with session.begin():
            yield session
        await settled(session)


@asynccontextmanager
async def shared_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with shared_session(engine) as session:
        async with session.begin():
            yield session
        await settled(session)
