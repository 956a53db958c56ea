"""The audit writer: who did what, in the firm's own log (`audit_log`, tenant schema).

`await audit(session, actor, action, object_type, object_id, **data)` adds the entry in the
caller's transaction through its tenant-bound session (`ctx.db`, `tenant_transaction`): the
entry commits or rolls back with the change it records. The service that makes the change
writes its entry, never the resolver.

A change in the shared schema (people, memberships, invitations, tokens, the firm's row) is
recorded with `audit_shared(shared_session, tenant, actor, ...)`: the entry is written in the
same shared transaction under the firm's own database role (`SET LOCAL ROLE`, as a tenant
session does, and back afterwards), so PostgreSQL still refuses any other firm's schema and
the entry commits with the change. No SQL text names a schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text

from saas.db.base import TENANT_SCHEMA
from saas.db.core_models import AuditEntry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from saas.core.actor import Actor
    from saas.tenants.registry import TenantRef


def _values(
    actor: Actor | str,
    action: str,
    object_type: str,
    object_id: Any,
    data: dict[str, Any],
    ip: str | None,
) -> dict[str, Any]:
    subject = actor if isinstance(actor, str) else actor.subject
    return {
        "actor": subject,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "data": data,
        "ip": ip if ip is not None or isinstance(actor, str) else actor.ip,
    }


async def audit(
    session: AsyncSession,
    actor: Actor | str,
    action: str,
    object_type: str,
    object_id: Any,
    *,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
    **data: Any,
) -> None:
    """An entry in the firm's audit log, in `session`'s (tenant-bound) transaction; its data
    is `details` (a ready dict) plus the keyword arguments."""
    data = {**(details or {}), **data}
    if session.sync_session.info.get("tenant") is None:
        raise RuntimeError("audit() needs a tenant-bound session; use audit_shared()")
    session.add(AuditEntry(**_values(actor, action, object_type, object_id, data, ip)))
    await session.flush()


_AS_TENANT = text("SELECT set_config('role', :role, true)")
_BACK = text("SELECT set_config('role', 'none', true)")


async def audit_shared(
    session: AsyncSession,
    tenant: TenantRef,
    actor: Actor | str,
    action: str,
    object_type: str,
    object_id: Any,
    *,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
    **data: Any,
) -> None:
    """An entry in `tenant`'s audit log written in a shared-schema transaction (the change it
    records lives in the shared schema): as the firm's role for this one statement."""
    data = {**(details or {}), **data}
    stmt = insert(AuditEntry).values(**_values(actor, action, object_type, object_id, data, ip))
    options = {"schema_translate_map": {TENANT_SCHEMA: tenant.schema}}
    # A failure aborts the whole transaction, so there is no role to restore then.
    await session.execute(_AS_TENANT, {"role": tenant.db_role})
    await session.execute(stmt, execution_options=options)
    await session.execute(_BACK)
