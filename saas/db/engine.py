"""One async engine per process. Connections are recycled (catalog caches grow with every
tenant schema a connection touches) and carry no session-level settings between uses."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from saas.db.server import sqlalchemy_url


def create_engine(url: str, *, pool_size: int = 10, max_age: int = 600) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=max_age,
        pool_pre_ping=False,
        pool_reset_on_return="rollback",
        connect_args={"application_name": "kabinet"},
    )
