"""The firm's audit entry of an identity change made over GraphQL."""

from __future__ import annotations

from typing import Any

from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.schema.context import Info
from saas.tenants.registry import TenantRef


def request_actor(info: Info, tenant: TenantRef) -> Actor:
    """The caller as the core's Actor in `tenant` (with its address for the audit entry)."""
    binding = info.context.binding
    return Actor.of(binding.principal, tenant.id, ip=binding.ip, user_agent=binding.user_agent)


async def audit(
    session: Any,
    info: Info,
    tenant: TenantRef,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, Any],
) -> None:
    """The firm's audit log, in the same transaction as the change on the shared schema
    (`saas.core.audit.audit_shared`: under the firm's role, no SQL naming a schema)."""
    await audit_shared(
        session, tenant, request_actor(info, tenant), action, object_type, object_id, details=data
    )
