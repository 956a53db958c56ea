"""The firm's audit log, written by a session of the shared schema (tokens, people,
memberships live there)."""

from __future__ import annotations

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from saas.tenants.registry import TenantRef


async def audit_in_firm(
    session: AsyncSession,
    tenant: TenantRef,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, object],
    ip: str | None = None,
) -> None:
    """An entry in the firm's audit log written by a session of the shared schema (tokens,
    people, memberships live there), in the same transaction as the change."""
    await session.execute(
        text(
            f'INSERT INTO "{tenant.schema}".audit_log '
            "(actor, action, object_type, object_id, data, ip) "
            "VALUES (:actor, :action, :type, :id, CAST(:data AS jsonb), :ip)"
        ),
        {
            "actor": actor,
            "action": action,
            "type": object_type,
            "id": str(object_id),
            "data": orjson.dumps(data).decode(),
            "ip": ip,
        },
    )
