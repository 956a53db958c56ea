"""Checking a custom role's definition: name, description, permissions, inheritance."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from saas.rbac.catalog import CATALOG_INDEX, grantable_in_firm
from saas.rbac.defaults import BUILTIN_ROLES, STAFF_ROLES
from saas.rbac.domains import tenant_domain
from saas.rbac.models import CasbinRule
from saas.rbac.service.errors import MAX_DESCRIPTION, MAX_INHERITS, MAX_PERMISSIONS, invalid
from saas.rbac.store import ROLE_META

ROLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{2,39}$")
RESERVED_NAMES = frozenset(BUILTIN_ROLES) | {"platform_admin", "anonymous"}
FIRM_ADMIN = "firm_admin"
# Custom roles may build on staff roles and other custom roles; never on firm_admin (that
# would hand out every permission past the "only a firm admin makes a firm admin" rule) nor
# on client, performer or integrator roles (their lines assume a client-scoped holder).
INHERITABLE_BUILTIN = frozenset(STAFF_ROLES) - {FIRM_ADMIN}


def check_name(name: str) -> str:
    name = name.strip()
    if not ROLE_NAME_RE.match(name):
        raise invalid("INVALID_ROLE_NAME", "name")
    if name in RESERVED_NAMES:
        raise invalid("ROLE_NAME_RESERVED", "name", name=name)
    return name


def check_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise invalid("DESCRIPTION_TOO_LONG", "description")
    return text


def check_permissions(permissions: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    checked: list[tuple[str, str]] = []
    for obj, act in permissions:
        obj, act = obj.strip(), act.strip()
        if not grantable_in_firm(obj, act):
            raise invalid("UNKNOWN_PERMISSION", "permissions", permission=f"{obj}:{act}")
        if (obj, act) not in checked:
            checked.append((obj, act))
    if len(checked) > MAX_PERMISSIONS:
        raise invalid("TOO_MANY_PERMISSIONS", "permissions")
    # Catalog order reads better than the order the caller happened to send.
    order = list(CATALOG_INDEX)
    return sorted(checked, key=order.index)


async def check_inherits(
    session: AsyncSession, tenant_id: int, name: str, inherits: Iterable[str]
) -> list[str]:
    wanted: list[str] = []
    for parent in (p.strip() for p in inherits):
        if parent not in wanted:
            wanted.append(parent)
    if len(wanted) > MAX_INHERITS:
        raise invalid("TOO_MANY_INHERITS", "inherits")
    known = await role_names(session, tenant_id)
    for parent in wanted:
        if parent not in known and parent != name:
            raise invalid("UNKNOWN_ROLE", "inherits", name=parent)
        if parent in BUILTIN_ROLES and parent not in INHERITABLE_BUILTIN:
            raise invalid("NOT_INHERITABLE", "inherits", name=parent)
    await check_no_cycle(session, tenant_id, name, wanted)
    return wanted


async def check_no_cycle(
    session: AsyncSession, tenant_id: int, name: str, parents: Sequence[str]
) -> None:
    rows = await session.execute(
        sa.select(CasbinRule.v0, CasbinRule.v1).where(
            CasbinRule.ptype == "g",
            CasbinRule.v2 == tenant_domain(tenant_id),
            CasbinRule.v0 != name,
        )
    )
    graph: dict[str, set[str]] = {}
    for child, parent in rows:
        graph.setdefault(child or "", set()).add(parent or "")
    graph[name] = set(parents)
    stack, seen = list(parents), set()
    while stack:
        role = stack.pop()
        if role == name:
            raise invalid("ROLE_CYCLE", "inherits")
        if role not in seen:
            seen.add(role)
            stack.extend(graph.get(role, ()))


async def role_names(session: AsyncSession, tenant_id: int) -> set[str]:
    """Every role that exists in the firm: built-in and custom."""
    custom = (
        await session.execute(
            sa.select(CasbinRule.v0).where(
                CasbinRule.ptype == ROLE_META, CasbinRule.v1 == tenant_domain(tenant_id)
            )
        )
    ).scalars()
    return set(BUILTIN_ROLES) | {name for name in custom if name}
