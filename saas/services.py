"""The process-wide services an app or a worker holds: settings, engine, registry, listener.

Built once at startup (`Services.start`) and closed at shutdown; everything per-request is
derived from it in saas.schema.context.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from saas.auth.live import install_live_sockets
from saas.db.engine import create_engine
from saas.db.notify import NotificationHub
from saas.db.server import resolve_database_url
from saas.rbac.cache import install_enforcer_cache
from saas.settings import Settings
from saas.tenants.registry import TENANTS_CHANGED, TenantRegistry

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    database_url: str
    engine: AsyncEngine
    registry: TenantRegistry
    hub: NotificationHub
    # Module-owned singletons (enforcer cache, storage, broker...) keyed by name.
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls, settings: Settings, database_url: str | None = None, *, pre_ping: bool = False
    ) -> Services:
        url = database_url or resolve_database_url(settings.database_url, settings.data_dir)
        engine = create_engine(
            url,
            pool_size=settings.db_pool_size,
            max_age=settings.db_connection_max_age,
            max_uses=settings.db_connection_max_uses,
            pre_ping=pre_ping,
        )
        registry = TenantRegistry(engine, settings.base_domain, dev_hosts=not settings.production)
        hub = NotificationHub(url)
        hub.subscribe(TENANTS_CHANGED, registry.invalidate)
        # The listener reconnecting means the database came back: pooled connections died
        # with it, so start a fresh pool rather than fail a request on each (saas.ops.outage).
        hub.on_reconnect(engine.dispose)
        services = cls(settings, url, engine, registry, hub)
        # Subscribed before the hub starts: it LISTENs only on channels known at start.

        install_enforcer_cache(services)

        install_live_sockets(services)  # after the caches above: they drop their copies first
        return services

    async def start(self) -> None:
        await self.hub.start()

    async def close(self) -> None:
        await self.hub.stop()
        await self.engine.dispose()
