"""The firm's memberships and their roles: who may be given which role, the last firm admin."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import announce, person_key
from saas.auth.models import Membership, Person
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.core.search import contains_pattern
from saas.rbac.defaults import ASSIGNABLE_BUILTIN, BUILTIN_ROLES, CUSTOM_ROLES_ALLOWED_FOR
from saas.rbac.service.checks import FIRM_ADMIN, role_names
from saas.rbac.service.errors import conflict, invalid, not_found
from saas.rbac.store import lock_tenant_policy
from saas.tenants.registry import TenantRef


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
    totp_enabled: bool = False
    contact_label: str = ""
    contact_phone: str = ""
    contact_note: str = ""


def members_statement(
    tenant_id: int, kind: str | None = None, search: str | None = None
) -> sa.Select:  # type: ignore[type-arg]
    """The firm's memberships with their person, for a keyset page (sorted by id); `search`
    keeps those whose e-mail or display name contains it (case-insensitive)."""
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
            Person.totp_enabled,
            Membership.contact_label,
            Membership.contact_phone,
            Membership.contact_note,
        )
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.tenant_id == tenant_id)
    )
    if kind is not None:
        statement = statement.where(Membership.kind == kind)
    if search and search.strip():
        pattern = contains_pattern(search.strip())
        statement = statement.where(
            sa.or_(Person.email.ilike(pattern), Person.display_name.ilike(pattern))
        )
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
        totp_enabled=bool(row.totp_enabled),
        contact_label=row.contact_label or "",
        contact_phone=row.contact_phone or "",
        contact_note=row.contact_note or "",
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
