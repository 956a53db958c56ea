"""is_allowed(ctx, object, action): the one permission check.

- At the platform's own host (no tenant): only a platform admin, only platform objects
  (PLATFORM_POLICY, domain "platform").
- At a firm's host: the principal's credential must belong to that firm; its roles (a
  person's roles from their memberships, a token's role) are checked against the firm's
  Casbin policy (saas.rbac.policy.TenantPolicy, cached per tenant in saas.rbac.cache).
"""

from __future__ import annotations

from typing import Any

from saas.rbac.cache import enforcer_cache
from saas.rbac.defaults import PLATFORM_POLICY
from saas.rbac.domains import PLATFORM_DOMAIN
from saas.rbac.policy import PolicyRule, TenantPolicy

PLATFORM = TenantPolicy(
    None,
    [PolicyRule("p", (role, PLATFORM_DOMAIN, obj, act)) for role, obj, act in PLATFORM_POLICY],
    domain=PLATFORM_DOMAIN,
)


async def is_allowed(ctx: Any, obj: str, act: str) -> bool:
    principal = ctx.principal
    if not principal.authenticated:
        return False
    tenant = ctx.tenant_or_none
    if tenant is None:
        return (
            principal.kind == "person"
            and principal.is_platform_admin
            and PLATFORM.allows(("platform_admin",), obj, act)
        )
    if principal.tenant_id != tenant.id or not principal.roles:
        return False
    policy = await enforcer_cache(ctx.services).get(tenant.id)
    return policy.allows(principal.roles, obj, act)
