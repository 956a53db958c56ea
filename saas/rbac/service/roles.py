"""The firm's roles: built-in ones (saas.rbac.defaults, lines seeded at provisioning, never
edited here) and custom ones (a `role` row plus `p` and `g` lines in the firm's domain)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.models import ApiToken, Invitation, Membership
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.rbac.defaults import BUILTIN_ROLES, ROLE_DESCRIPTIONS, STAFF_ROLES
from saas.rbac.domains import tenant_domain
from saas.rbac.models import CasbinRule
from saas.rbac.service.checks import (
    FIRM_ADMIN,
    check_description,
    check_inherits,
    check_name,
    check_permissions,
)
from saas.rbac.service.errors import conflict, not_found
from saas.rbac.store import ROLE_META, lock_tenant_policy
from saas.tenants.registry import TenantRef


@dataclass(frozen=True)
class RoleView:
    name: str
    builtin: bool
    # Custom roles: the firm admin's text (any language); built-in roles: None (their
    # descriptions are ROLE_DESCRIPTIONS).
    custom_description: str | None
    permissions: tuple[tuple[str, str], ...]
    inherits: tuple[str, ...]

    def description(self, language: str) -> str:
        if self.builtin:
            ru, en = ROLE_DESCRIPTIONS.get(self.name, (self.name, self.name))
            return en if language == "en" else ru
        return self.custom_description or ""


async def list_roles(session: AsyncSession, tenant_id: int) -> list[RoleView]:
    """Built-in roles first (in their fixed order), then custom roles by name."""
    domain = tenant_domain(tenant_id)
    rows = (
        await session.execute(
            sa.select(CasbinRule.ptype, CasbinRule.v0, CasbinRule.v1, CasbinRule.v2, CasbinRule.v3)
            .where(
                sa.or_(
                    sa.and_(CasbinRule.ptype.in_(("p", ROLE_META)), CasbinRule.v1 == domain),
                    sa.and_(CasbinRule.ptype == "g", CasbinRule.v2 == domain),
                )
            )
            .order_by(CasbinRule.id)
        )
    ).all()
    permissions: dict[str, list[tuple[str, str]]] = {}
    inherits: dict[str, list[str]] = {}
    custom: dict[str, str] = {}
    for ptype, v0, v1, v2, v3 in rows:
        v0, v1, v2, v3 = v0 or "", v1 or "", v2 or "", v3 or ""
        if ptype == "p":
            permissions.setdefault(v0, []).append((v2, v3))
        elif ptype == "g":
            inherits.setdefault(v0, []).append(v1)
        else:
            custom[v0] = v2
    views = [
        RoleView(name, True, None, tuple(permissions.get(name, ())), tuple(inherits.get(name, ())))
        for name in BUILTIN_ROLES
    ]
    views += [
        RoleView(
            name,
            False,
            custom[name],
            tuple(permissions.get(name, ())),
            tuple(inherits.get(name, ())),
        )
        for name in sorted(custom)
    ]
    return views


async def get_role(session: AsyncSession, tenant_id: int, name: str) -> RoleView | None:
    return next((r for r in await list_roles(session, tenant_id) if r.name == name), None)


async def custom_role_exists(session: AsyncSession, tenant_id: int, name: str) -> bool:
    found = await session.scalar(
        sa.select(CasbinRule.id)
        .where(
            CasbinRule.ptype == ROLE_META,
            CasbinRule.v1 == tenant_domain(tenant_id),
            CasbinRule.v0 == name,
        )
        .limit(1)
    )
    return found is not None


# Built-in roles an API token may carry: never firm_admin (a leaked token must not manage the
# firm), never a client's or performer's role.
TOKEN_BUILTIN_ROLES = ("integrator", *(r for r in STAFF_ROLES if r != FIRM_ADMIN))


async def token_role_allowed(session: AsyncSession, tenant_id: int, role: str) -> bool:
    """Whether an API token of the firm may carry this role (scopes chosen at creation): a
    built-in role of TOKEN_BUILTIN_ROLES or one of the firm's custom roles."""
    return role in TOKEN_BUILTIN_ROLES or await custom_role_exists(session, tenant_id, role)


async def _write_lines(
    session: AsyncSession,
    tenant_id: int,
    name: str,
    permissions: Sequence[tuple[str, str]] | None,
    inherits: Sequence[str] | None,
) -> None:
    domain = tenant_domain(tenant_id)
    if permissions is not None:
        await session.execute(
            sa.delete(CasbinRule).where(
                CasbinRule.ptype == "p", CasbinRule.v0 == name, CasbinRule.v1 == domain
            )
        )
        session.add_all(
            CasbinRule(ptype="p", v0=name, v1=domain, v2=o, v3=a) for o, a in permissions
        )
    if inherits is not None:
        await session.execute(
            sa.delete(CasbinRule).where(
                CasbinRule.ptype == "g", CasbinRule.v0 == name, CasbinRule.v2 == domain
            )
        )
        session.add_all(CasbinRule(ptype="g", v0=name, v1=parent, v2=domain) for parent in inherits)
    await session.flush()


async def create_role(
    session: AsyncSession,
    firm: TenantRef,
    actor: Actor,
    name: str,
    description: str | None,
    permissions: Iterable[tuple[str, str]],
    inherits: Iterable[str] = (),
) -> RoleView:
    """A custom role; its audit entry is written in the same transaction."""
    tenant_id = firm.id
    name = check_name(name)
    text = check_description(description)
    checked = check_permissions(permissions)
    await lock_tenant_policy(session, tenant_id)
    if await custom_role_exists(session, tenant_id, name):
        raise conflict("ROLE_EXISTS", name=name)
    parents = await check_inherits(session, tenant_id, name, inherits)
    session.add(CasbinRule(ptype=ROLE_META, v0=name, v1=tenant_domain(tenant_id), v2=text))
    await _write_lines(session, tenant_id, name, checked, parents)
    view = RoleView(name, False, text, tuple(checked), tuple(parents))
    await _audit_role(session, firm, actor, "role.create", view)
    return view


async def _custom_role(session: AsyncSession, tenant_id: int, name: str) -> CasbinRule:
    if name in BUILTIN_ROLES:
        raise conflict("BUILTIN_ROLE", name=name)
    row = await session.scalar(
        sa.select(CasbinRule).where(
            CasbinRule.ptype == ROLE_META,
            CasbinRule.v1 == tenant_domain(tenant_id),
            CasbinRule.v0 == name,
        )
    )
    if row is None:
        raise not_found("ROLE_NOT_FOUND", name=name)
    return row


async def update_role(
    session: AsyncSession,
    firm: TenantRef,
    actor: Actor,
    name: str,
    *,
    description: str | None = None,
    permissions: Iterable[tuple[str, str]] | None = None,
    inherits: Iterable[str] | None = None,
) -> RoleView:
    """Change what is given (None leaves it); the lists replace the role's current ones."""
    tenant_id = firm.id
    checked = check_permissions(permissions) if permissions is not None else None
    text = check_description(description) if description is not None else None
    await lock_tenant_policy(session, tenant_id)
    meta = await _custom_role(session, tenant_id, name)
    parents = (
        await check_inherits(session, tenant_id, name, inherits) if inherits is not None else None
    )
    if text is not None:
        meta.v2 = text
    await _write_lines(session, tenant_id, name, checked, parents)
    view = await get_role(session, tenant_id, name)
    assert view is not None
    await _audit_role(session, firm, actor, "role.update", view)
    return view


async def role_uses(session: AsyncSession, tenant_id: int, name: str) -> dict[str, int]:
    """Where a role is still referenced: memberships, live tokens, open invitations, roles."""
    now = datetime.now(UTC)
    members = await session.scalar(
        sa.select(sa.func.count()).where(
            Membership.tenant_id == tenant_id, sa.any_(Membership.roles) == name
        )
    )
    tokens = await session.scalar(
        sa.select(sa.func.count()).where(
            ApiToken.tenant_id == tenant_id,
            ApiToken.role == name,
            ApiToken.revoked_at.is_(None),
            sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        )
    )
    invitations = await session.scalar(
        sa.select(sa.func.count()).where(
            Invitation.tenant_id == tenant_id,
            sa.any_(Invitation.roles) == name,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )
    heirs = await session.scalar(
        sa.select(sa.func.count()).where(
            CasbinRule.ptype == "g",
            CasbinRule.v1 == name,
            CasbinRule.v2 == tenant_domain(tenant_id),
        )
    )
    uses = {
        "members": members or 0,
        "tokens": tokens or 0,
        "invitations": invitations or 0,
        "roles": heirs or 0,
    }
    return {k: v for k, v in uses.items() if v}


async def delete_role(session: AsyncSession, firm: TenantRef, actor: Actor, name: str) -> None:
    tenant_id = firm.id
    await lock_tenant_policy(session, tenant_id)
    meta = await _custom_role(session, tenant_id, name)
    uses = await role_uses(session, tenant_id, name)
    if uses:
        raise conflict(
            "ROLE_IN_USE", name=name, uses=", ".join(f"{k}: {v}" for k, v in uses.items())
        )
    await _write_lines(session, tenant_id, name, (), ())
    await session.delete(meta)
    await session.flush()
    await audit_shared(session, firm, actor, "role.delete", "role", name)


async def _audit_role(
    session: AsyncSession, firm: TenantRef, actor: Actor, action: str, view: RoleView
) -> None:
    await audit_shared(
        session,
        firm,
        actor,
        action,
        "role",
        view.name,
        permissions=[f"{o}:{a}" for o, a in view.permissions],
        inherits=list(view.inherits),
    )
