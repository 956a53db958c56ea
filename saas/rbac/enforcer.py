"""is_allowed(ctx, object, action): the one permission check.

Interim implementation over saas.rbac.defaults; replaced by the per-tenant Casbin enforcer.
"""

from __future__ import annotations

from typing import Any

from saas.rbac.defaults import DEFAULT_POLICY


def _match(pattern: str, value: str) -> bool:
    return pattern == "*" or pattern == value


async def is_allowed(ctx: Any, obj: str, act: str) -> bool:
    tenant = ctx.tenant_or_none
    principal = ctx.principal
    if tenant is None or not principal.authenticated or principal.tenant_id != tenant.id:
        return False
    return any(
        role in principal.roles and _match(o, obj) and _match(a, act) for role, o, a in DEFAULT_POLICY
    )
