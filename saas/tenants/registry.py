"""The tenant registry: host -> tenant, cached per process and dropped on NOTIFY."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine

from saas.db.session import shared_session
from saas.tenants.models import Tenant

TENANTS_CHANGED = "kabinet_tenants"
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
DEV_PLATFORM_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


@dataclass(frozen=True)
class TenantRef:
    """What a request needs to know of its tenant; immutable, safe to cache."""

    id: int
    slug: str
    name: str
    status: str
    schema: str
    db_role: str
    domains: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def of(cls, row: Tenant) -> TenantRef:
        return cls(
            id=row.id,
            slug=row.slug,
            name=row.name,
            status=row.status,
            schema=row.schema_name,
            db_role=row.db_role,
            domains=tuple(row.domains or ()),
            settings=dict(row.settings or {}),
        )

    @property
    def active(self) -> bool:
        return self.status == "active"


class UnknownHost(LookupError):
    pass


@dataclass(frozen=True)
class HostMatch:
    """A host is either the platform's own (tenant None) or one tenant's."""

    tenant: TenantRef | None


def normalize_host(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


class TenantRegistry:
    def __init__(self, engine: AsyncEngine, base_domain: str, *, dev_hosts: bool, ttl: float = 30):
        self.engine = engine
        self.base_domain = base_domain.lower()
        self.platform_hosts = {self.base_domain} | (set(DEV_PLATFORM_HOSTS) if dev_hosts else set())
        self.ttl = ttl
        self._by_host: dict[str, tuple[float, TenantRef | None]] = {}
        self._by_id: dict[int, tuple[float, TenantRef | None]] = {}

    def invalidate(self, _payload: str = "") -> None:
        self._by_host.clear()
        self._by_id.clear()

    async def resolve_host(self, raw_host: str) -> HostMatch:
        host = normalize_host(raw_host)
        if host in self.platform_hosts:
            return HostMatch(None)
        cached = self._by_host.get(host)
        if cached and cached[0] > time.monotonic():
            tenant = cached[1]
        else:
            tenant = await self._load_by_host(host)
            self._by_host[host] = (time.monotonic() + self.ttl, tenant)
        if tenant is None:
            raise UnknownHost(host)
        return HostMatch(tenant)

    async def by_id(self, tenant_id: int) -> TenantRef | None:
        cached = self._by_id.get(tenant_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        async with shared_session(self.engine) as session:
            row = await session.get(Tenant, tenant_id)
        tenant = TenantRef.of(row) if row and row.status != "provisioning" else None
        self._by_id[tenant_id] = (time.monotonic() + self.ttl, tenant)
        return tenant

    def host_of(self, tenant: TenantRef) -> str:
        """The canonical host of a tenant: its first custom domain or <slug>.<base domain>."""
        return tenant.domains[0] if tenant.domains else f"{tenant.slug}.{self.base_domain}"

    async def _load_by_host(self, host: str) -> TenantRef | None:
        suffix = "." + self.base_domain
        query = select(Tenant).where(Tenant.status != "provisioning")
        if host.endswith(suffix) and "." not in host[: -len(suffix)]:
            query = query.where(Tenant.slug == host[: -len(suffix)])
        else:
            query = query.where(Tenant.domains.contains(cast([host], ARRAY(Text))))
        async with shared_session(self.engine) as session:
            row = (await session.execute(query)).scalar_one_or_none()
        return TenantRef.of(row) if row else None
