"""The firm the request is bound to, as seen by anyone at its host."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from saas.schema.context import Info
from saas.schema.errors import ConflictError, DomainError, NotFoundError, ValidationError
from saas.schema.relay import MaxIds
from saas.tenants import platform
from saas.tenants.permissions import requires_platform_admin
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
    node: relay.Node | None = relay.node(
        description="Any object by its global id; null when it does not exist or is not yours."
    )
    nodes: list[relay.Node | None] = relay.node(
        description="Objects by their global ids (at most 100), in the order asked; null for "
        "any that does not exist or is not yours.",
        extensions=[MaxIds()],
    )

    @strawberry.field(description="The firm served at this host; null at the platform's own host.")
    def current_firm(self, info: Info) -> Firm | None:
        tenant = info.context.tenant_or_none
        return Firm.of(tenant) if tenant else None

    @strawberry.field(
        description="Platform admin: every firm of the platform, by slug.",
        extensions=requires_platform_admin("read"),
    )
    async def firms(self, info: Info, status: FirmStatus | None = None) -> list[ManagedFirm]:
        records = await platform.list_firms(info.context.services, status.value if status else None)
        return [ManagedFirm.of(r, info) for r in records]


# Platform administration (the platform's own host, platform admins only).


@strawberry.enum(description="Where a firm is in its life.")
class FirmStatus(Enum):
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    SUSPENDED = "suspended"


@strawberry.type(description="A firm as the platform admin sees it.")
class ManagedFirm:
    slug: str
    name: str
    status: FirmStatus
    domains: list[str]
    host: str = strawberry.field(description="The address its cabinet is served at.")
    created_at: datetime

    @classmethod
    def of(cls, record: platform.FirmRecord, info: Info) -> ManagedFirm:
        base_domain = info.context.services.registry.base_domain
        return cls(
            slug=record.slug,
            name=record.name,
            status=FirmStatus(record.status),
            domains=list(record.domains),
            host=record.domains[0] if record.domains else f"{record.slug}.{base_domain}",
            created_at=record.created_at,
        )


CreateFirmResult = Annotated[
    ManagedFirm | ValidationError | ConflictError, strawberry.union("CreateFirmResult")
]
FirmStatusResult = Annotated[
    ManagedFirm | NotFoundError | ConflictError, strawberry.union("FirmStatusResult")
]


def _status_error(exc: DomainError) -> NotFoundError | ConflictError:
    if exc.code == "NOT_FOUND":
        return NotFoundError(code=exc.code, message=exc.message)
    return ConflictError(code=exc.code, message=exc.message)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Platform admin: create a firm (its schema, role, migrations and default "
        "roles). The slug becomes its address: <slug>.<platform domain>.",
        extensions=requires_platform_admin(),
    )
    async def create_firm(self, info: Info, slug: str, name: str) -> CreateFirmResult:
        try:
            record = await platform.create_firm(info.context.services, slug, name)
        except DomainError as exc:
            if exc.code == "SLUG_TAKEN":
                return ConflictError(code=exc.code, message=exc.message)
            return ValidationError(code=exc.code, message=exc.message, field=exc.field)
        return ManagedFirm.of(record, info)

    @strawberry.mutation(
        description="Platform admin: suspend a firm; its cabinets answer 403 until resumed.",
        extensions=requires_platform_admin(),
    )
    async def suspend_firm(self, info: Info, slug: str) -> FirmStatusResult:
        try:
            record = await platform.change_firm_status(info.context.services, slug, "suspended")
        except DomainError as exc:
            return _status_error(exc)
        return ManagedFirm.of(record, info)

    @strawberry.mutation(
        description="Platform admin: resume a suspended firm.",
        extensions=requires_platform_admin(),
    )
    async def resume_firm(self, info: Info, slug: str) -> FirmStatusResult:
        try:
            record = await platform.change_firm_status(info.context.services, slug, "active")
        except DomainError as exc:
            return _status_error(exc)
        return ManagedFirm.of(record, info)
