"""Domain rules of roles and role assignments. No GraphQL here.

Roles of a firm are its built-in roles (saas.rbac.defaults, lines seeded at provisioning,
never edited here) and its custom roles (a `role` row plus `p` and `g` lines in the firm's
domain). A person's roles in a firm are `shared.memberships.roles`; a token's is
`api_tokens.role`.

Every change runs under the tenant's policy lock (a transaction-level advisory lock), so
two admins cannot race each other past a rule (the last firm admin, a role in use, a cycle).
Functions flush, never commit; the caller commits and then calls
`saas.rbac.store.notify_policy_changed` (events go out after commit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import announce, person_key
from saas.auth.models import ApiToken, Invitation, Membership, Person
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.rbac.catalog import CATALOG_INDEX, grantable_in_firm
from saas.rbac.defaults import (
    ASSIGNABLE_BUILTIN,
    BUILTIN_ROLES,
    CUSTOM_ROLES_ALLOWED_FOR,
    ROLE_DESCRIPTIONS,
    STAFF_ROLES,
)
from saas.rbac.domains import tenant_domain
from saas.rbac.models import CasbinRule
from saas.rbac.store import ROLE_META, lock_tenant_policy
from saas.schema.errors import DomainError
from saas.tenants.registry import TenantRef

ROLE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{2,39}$")
RESERVED_NAMES = frozenset(BUILTIN_ROLES) | {"platform_admin", "anonymous"}
MAX_DESCRIPTION = 500
MAX_PERMISSIONS = 200
MAX_INHERITS = 20
FIRM_ADMIN = "firm_admin"
# Custom roles may build on staff roles and other custom roles; never on firm_admin (that
# would hand out every permission past the "only a firm admin makes a firm admin" rule) nor
# on client, performer or integrator roles (their lines assume a client-scoped holder).
INHERITABLE_BUILTIN = frozenset(STAFF_ROLES) - {FIRM_ADMIN}


# ----------------------------------------------------------------------------- errors

MESSAGES: dict[str, tuple[str, str]] = {
    "INVALID_ROLE_NAME": (
        "Название роли: 3–40 символов, латинские строчные буквы, цифры и _, начиная с буквы.",
        "A role name is 3-40 characters: lowercase latin letters, digits and _, "
        "starting with a letter.",
    ),
    "ROLE_NAME_RESERVED": (
        "Название «{name}» занято встроенной ролью.",
        "The name '{name}' belongs to a built-in role.",
    ),
    "ROLE_EXISTS": ("Роль «{name}» уже есть.", "A role named '{name}' already exists."),
    "DESCRIPTION_TOO_LONG": (
        f"Описание роли — не длиннее {MAX_DESCRIPTION} символов.",
        f"A role description is at most {MAX_DESCRIPTION} characters.",
    ),
    "UNKNOWN_PERMISSION": (
        "Неизвестное право «{permission}».",
        "Unknown permission '{permission}'.",
    ),
    "TOO_MANY_PERMISSIONS": (
        f"У роли может быть не больше {MAX_PERMISSIONS} прав.",
        f"A role holds at most {MAX_PERMISSIONS} permissions.",
    ),
    "UNKNOWN_ROLE": ("Роли «{name}» нет.", "There is no role named '{name}'."),
    "NOT_INHERITABLE": (
        "Роль «{name}» нельзя наследовать.",
        "The role '{name}' cannot be inherited.",
    ),
    "TOO_MANY_INHERITS": (
        f"Роль может наследовать не больше {MAX_INHERITS} ролей.",
        f"A role inherits at most {MAX_INHERITS} roles.",
    ),
    "ROLE_CYCLE": (
        "Роль не может наследовать саму себя, в том числе через другие роли.",
        "A role cannot inherit itself, directly or through other roles.",
    ),
    "ROLE_NOT_FOUND": ("Роль «{name}» не найдена.", "Role '{name}' not found."),
    "BUILTIN_ROLE": (
        "Встроенную роль «{name}» нельзя изменить или удалить.",
        "The built-in role '{name}' cannot be changed or deleted.",
    ),
    "ROLE_IN_USE": (
        "Роль «{name}» используется ({uses}); сначала снимите её.",
        "The role '{name}' is in use ({uses}); take it away first.",
    ),
    "MEMBER_NOT_FOUND": ("Участник не найден.", "Member not found."),
    "ROLE_NOT_ASSIGNABLE": (
        "Роль «{name}» нельзя назначить участнику вида «{kind}».",
        "The role '{name}' cannot be given to a member of kind '{kind}'.",
    ),
    "CLIENT_ROLES_MANAGED_BY_CONTACTS": (
        "Роли контактных лиц клиента задаются в карточке клиента.",
        "A client contact's roles are set on the client's contact card.",
    ),
    "FIRM_ADMIN_ONLY": (
        "Назначать и снимать роль администратора фирмы может только администратор фирмы.",
        "Only a firm admin can give or take away the firm admin role.",
    ),
    "LAST_FIRM_ADMIN": (
        "Это последний администратор фирмы: сначала назначьте другого.",
        "This is the firm's last admin: appoint another one first.",
    ),
}


class RolesError(DomainError):
    """An expected refusal; `kind` picks the GraphQL error type, `message_in` the language."""

    def __init__(self, kind: str, code: str, field: str | None = None, /, **params: Any):
        self.kind = kind  # validation | not_found | conflict
        self.code, self.params = code, params
        super().__init__(code, self.message_in("en"), field)

    def message_in(self, language: str) -> str:
        ru, en = MESSAGES.get(self.code, (self.code, self.code))
        return (en if language == "en" else ru).format(**self.params)


def invalid(code: str, field: str | None = None, /, **params: Any) -> RolesError:
    return RolesError("validation", code, field, **params)


def conflict(code: str, /, **params: Any) -> RolesError:
    return RolesError("conflict", code, **params)


def not_found(code: str, /, **params: Any) -> RolesError:
    return RolesError("not_found", code, **params)


# ------------------------------------------------------------------------------ views


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


@dataclass(frozen=True)
class MemberView:
    id: int
    person_id: int
    email: str
    display_name: str
    kind: str
    client_org_id: int | None
    roles: tuple[str, ...]
    status: str
    created_at: datetime


# ------------------------------------------------------------------------------ roles


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


def _check_name(name: str) -> str:
    name = name.strip()
    if not ROLE_NAME_RE.match(name):
        raise invalid("INVALID_ROLE_NAME", "name")
    if name in RESERVED_NAMES:
        raise invalid("ROLE_NAME_RESERVED", "name", name=name)
    return name


def _check_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise invalid("DESCRIPTION_TOO_LONG", "description")
    return text


def _check_permissions(permissions: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
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


async def _check_inherits(
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
    await _check_no_cycle(session, tenant_id, name, wanted)
    return wanted


async def _check_no_cycle(
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
    name = _check_name(name)
    text = _check_description(description)
    checked = _check_permissions(permissions)
    await lock_tenant_policy(session, tenant_id)
    if await custom_role_exists(session, tenant_id, name):
        raise conflict("ROLE_EXISTS", name=name)
    parents = await _check_inherits(session, tenant_id, name, inherits)
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
    checked = _check_permissions(permissions) if permissions is not None else None
    text = _check_description(description) if description is not None else None
    await lock_tenant_policy(session, tenant_id)
    meta = await _custom_role(session, tenant_id, name)
    parents = (
        await _check_inherits(session, tenant_id, name, inherits) if inherits is not None else None
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


# ---------------------------------------------------------------------------- members


def members_statement(tenant_id: int, kind: str | None = None) -> sa.Select:  # type: ignore[type-arg]
    """The firm's memberships with their person, for a keyset page (sorted by id)."""
    statement: sa.Select = (  # type: ignore[type-arg]
        sa.select(
            Membership.id,
            Membership.person_id,
            Person.email,
            Person.display_name,
            Membership.kind,
            Membership.client_org_id,
            Membership.roles,
            Membership.status,
            Membership.created_at,
        )
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.tenant_id == tenant_id)
    )
    if kind is not None:
        statement = statement.where(Membership.kind == kind)
    return statement


def member_of(row: Any) -> MemberView:
    return MemberView(
        id=row.id,
        person_id=row.person_id,
        email=row.email,
        display_name=row.display_name or "",
        kind=row.kind,
        client_org_id=row.client_org_id,
        roles=tuple(row.roles or ()),
        status=row.status,
        created_at=row.created_at,
    )


async def get_members(
    session: AsyncSession, tenant_id: int, ids: Sequence[int]
) -> dict[int, MemberView]:
    if not ids:
        return {}
    rows = (await session.execute(members_statement(tenant_id).where(Membership.id.in_(ids)))).all()
    return {row.id: member_of(row) for row in rows}


async def assign_roles(
    session: AsyncSession,
    firm: TenantRef,
    actor: Actor,
    membership_id: int | None,
    roles: Iterable[str],
) -> MemberView:
    """Replace a membership's roles in the firm (audited in the same transaction)."""
    tenant_id = firm.id
    wanted: list[str] = []
    for role in (r.strip() for r in roles):
        if role not in wanted:
            wanted.append(role)
    await lock_tenant_policy(session, tenant_id)
    membership = (
        await session.scalar(
            sa.select(Membership).where(
                Membership.id == membership_id, Membership.tenant_id == tenant_id
            )
        )
        if membership_id is not None
        else None
    )
    if membership is None:
        raise not_found("MEMBER_NOT_FOUND")
    if membership.kind == "client":
        raise conflict("CLIENT_ROLES_MANAGED_BY_CONTACTS")
    known = await role_names(session, tenant_id)
    builtin_ok = ASSIGNABLE_BUILTIN.get(membership.kind, ())
    for role in wanted:
        if role not in known:
            raise invalid("UNKNOWN_ROLE", "roles", name=role)
        custom_ok = role not in BUILTIN_ROLES and membership.kind in CUSTOM_ROLES_ALLOWED_FOR
        if role not in builtin_ok and not custom_ok:
            raise invalid("ROLE_NOT_ASSIGNABLE", "roles", name=role, kind=membership.kind)
    current = list(membership.roles or ())
    touches_admin = (FIRM_ADMIN in current) != (FIRM_ADMIN in wanted)
    if touches_admin and FIRM_ADMIN not in actor.roles:
        raise conflict("FIRM_ADMIN_ONLY")
    if FIRM_ADMIN in current and FIRM_ADMIN not in wanted and membership.status == "active":
        others = await session.scalar(
            sa.select(sa.func.count()).where(
                Membership.tenant_id == tenant_id,
                Membership.id != membership.id,
                Membership.kind == "staff",
                Membership.status == "active",
                sa.any_(Membership.roles) == FIRM_ADMIN,
            )
        )
        if not others:
            raise conflict("LAST_FIRM_ADMIN")
    membership.roles = wanted
    membership.updated_at = datetime.now(UTC)
    await session.flush()
    # Live sockets of the person are re-checked in every process (saas.auth.live).
    await announce(session, person_key(membership.person_id))
    members = await get_members(session, tenant_id, [membership.id])
    view = members[membership.id]
    await audit_shared(
        session, firm, actor, "member.roles", "membership", view.id, roles=list(view.roles)
    )
    return view


# ------------------------------------------------------------------------------ audit


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
