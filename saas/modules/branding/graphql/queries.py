"""Branding queries: the public brand at a host, the firm admin's settings."""

from __future__ import annotations

import strawberry

from saas.modules.branding import service
from saas.modules.branding.graphql.types import Branding, BrandingSettings
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.tenants.models import Tenant
from saas.tenants.registry import TenantRef


@strawberry.type
class Query:
    @strawberry.field(
        description="The brand at this host (no login needed); the neutral platform brand "
        "at the platform's host."
    )
    def branding(self, info: Info) -> Branding:
        return Branding.of(service.brand_of(info.context.tenant_or_none))

    @strawberry.field(
        description="The firm's branding and cabinet settings, for its admin.",
        extensions=requires("branding", "manage"),
    )
    async def branding_settings(self, info: Info) -> BrandingSettings:
        # Read from the row, not the registry's cache: the admin sees what was just saved.
        row = await info.context.shared.get(Tenant, info.context.tenant.id)
        return BrandingSettings.of(TenantRef.of(row) if row else info.context.tenant, info)
