"""Managing firms from the platform: list, create (provision), suspend, resume.

Plain async functions over the shared schema; `saas.tenants.graphql` exposes them to platform
admins only. Provisioning is synchronous DDL (one transaction), so it runs in a thread on its
own short-lived connection rather than on the API's pool.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from saas.db.server import sqlalchemy_url
from saas.db.session import shared_session
from saas.schema.errors import DomainError
from saas.services import Services
from saas.tenants.models import Tenant
from saas.tenants.provisioning import InvalidSlug, provision_tenant
from saas.tenants.registry import TENANTS_CHANGED

ACTIVE, SUSPENDED = "active", "suspended"


@dataclass(frozen=True)
class FirmRecord:
    id: int
    slug: str
    name: str
    status: str
    domains: tuple[str, ...]
    created_at: datetime

    @classmethod
    def of(cls, row: Tenant) -> FirmRecord:
        return cls(row.id, row.slug, row.name, row.status, tuple(row.domains or ()), row.created_at)


async def list_firms(services: Services, status: str | None = None) -> list[FirmRecord]:
    query = sa.select(Tenant).order_by(Tenant.slug)
    if status is not None:
        query = query.where(Tenant.status == status)
    async with shared_session(services.engine) as session:
        return [FirmRecord.of(row) for row in (await session.execute(query)).scalars().all()]


async def firm_by_slug(services: Services, slug: str) -> FirmRecord | None:
    async with shared_session(services.engine) as session:
        row = (
            await session.execute(sa.select(Tenant).where(Tenant.slug == slug))
        ).scalar_one_or_none()
    return FirmRecord.of(row) if row else None


def _provision(database_url: str, slug: str, name: str) -> int:
    engine = sa.create_engine(
        sqlalchemy_url(database_url), poolclass=NullPool, hide_parameters=True
    )
    try:
        return provision_tenant(engine, slug, name)
    finally:
        engine.dispose()


async def create_firm(services: Services, slug: str, name: str) -> FirmRecord:
    """Provision a new firm. Raises DomainError for a bad slug or name, or a taken slug."""
    slug, name = slug.strip().lower(), name.strip()
    if not name:
        raise DomainError("NAME_REQUIRED", "The firm needs a name.", "name")
    existing = await firm_by_slug(services, slug)
    # A firm left half-provisioned by a failure is completed (provisioning is idempotent).
    if existing is not None and existing.status != "provisioning":
        raise DomainError("SLUG_TAKEN", f"The address {slug!r} is already taken.", "slug")
    try:
        await asyncio.to_thread(_provision, services.database_url, slug, name)
    except InvalidSlug as exc:
        raise DomainError("INVALID_SLUG", str(exc), "slug") from exc
    firm = await firm_by_slug(services, slug)
    assert firm is not None
    return firm


async def change_firm_status(services: Services, slug: str, status: str) -> FirmRecord:
    """Suspend or resume a firm; a firm still being provisioned is neither."""
    async with shared_session(services.engine) as session, session.begin():
        row = (
            await session.execute(sa.select(Tenant).where(Tenant.slug == slug).with_for_update())
        ).scalar_one_or_none()
        if row is None:
            raise DomainError("NOT_FOUND", f"There is no firm {slug!r}.", "slug")
        if row.status not in (ACTIVE, SUSPENDED):
            raise DomainError("NOT_READY", f"The firm {slug!r} is still being provisioned.", "slug")
        row.status = status  # updated_at follows through the column's onupdate
        # Every API process drops its cached tenant on this notification (sent at commit).
        await session.execute(sa.select(sa.func.pg_notify(TENANTS_CHANGED, str(row.id))))
    firm = await firm_by_slug(services, slug)
    assert firm is not None
    return firm
