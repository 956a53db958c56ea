"""The firm the request is bound to, as seen by anyone at its host."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay

from saas.schema.context import Info
from saas.tenants.registry import TenantRef


@strawberry.type(description="An accounting firm (a tenant of the platform).")
class Firm(relay.Node):
    id: relay.NodeID[int]
    slug: str
    name: str

    @classmethod
    def of(cls, tenant: TenantRef) -> Firm:
        return cls(id=tenant.id, slug=tenant.slug, name=tenant.name)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Firm | None]:
        tenant = info.context.tenant_or_none
        return [Firm.of(tenant) if tenant and str(tenant.id) == i else None for i in node_ids]


@strawberry.type
class Query:
    node: relay.Node = relay.node(description="Any object by its global id.")

    @strawberry.field(description="The firm served at this host; null at the platform's own host.")
    def current_firm(self, info: Info) -> Firm | None:
        tenant = info.context.tenant_or_none
        return Firm.of(tenant) if tenant else None
