"""The firm's audit entry of an identity change made over GraphQL."""

from __future__ import annotations

from typing import Any

from saas.auth.service.audit import audit_in_firm
from saas.schema.context import Info
from saas.tenants.registry import TenantRef


async def audit(
    session: Any,
    info: Info,
    tenant: TenantRef,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, Any],
) -> None:
    """The firm's audit log, in the same transaction as the change on the shared schema."""
    await audit_in_firm(
        session,
        tenant,
        info.context.principal.subject,
        action,
        object_type,
        object_id,
        data,
        info.context.binding.ip,
    )
