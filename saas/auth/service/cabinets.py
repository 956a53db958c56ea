"""A person's cabinets at every firm, and the hand-off between hosts: a session works only at
the host it was opened at, so opening a cabinet of another firm goes through a one-minute,
single-use code spent at that firm's host (saas.auth.handoff)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import end_sessions
from saas.auth.models import LoginSession, Membership, OneTimeCode, Person
from saas.auth.service.accounts import kinds_at
from saas.auth.service.clock import database_now
from saas.auth.service.codes import consume_code
from saas.auth.service.sessions import IssuedSession, mfa_satisfied, open_session
from saas.auth.tokens import digest, new_secret
from saas.core.actor import Actor
from saas.db.session import shared_session
from saas.tenants.cabinet import cabinet_enabled
from saas.tenants.models import Tenant
from saas.tenants.registry import TenantRef

if TYPE_CHECKING:
    from saas.services import Services


HANDOFF_TTL = timedelta(seconds=60)


@dataclass(frozen=True)
class CabinetEntry:
    key: str
    kind: str
    tenant: TenantRef
    client_org_id: int | None
    roles: tuple[str, ...]
    url: str
    organization_name: str | None = None


# Modules that know client organizations register here to name them in the cabinet list:
# called once per list with every (tenant, client_org_id) pair, returns names by that pair.
OrganizationNames = Callable[
    ["Services", Sequence[tuple[TenantRef, int]]], Awaitable[dict[tuple[int, int], str]]
]


ORGANIZATION_NAME_RESOLVERS: list[OrganizationNames] = []


def cabinet_key(slug: str, kind: str, client_org_id: int | None) -> str:
    return f"{slug}:{kind}" + (f":{client_org_id}" if kind == "client" else "")


def parse_cabinet_key(key: str) -> tuple[str, str, int | None] | None:
    parts = key.split(":")
    if len(parts) == 2 and parts[1] in ("staff", "performer"):
        return parts[0], parts[1], None
    if len(parts) == 3 and parts[1] == "client" and parts[2].isdigit():
        return parts[0], "client", int(parts[2])
    return None


async def cabinets_of(
    services: Services, session: AsyncSession, person_id: int
) -> list[CabinetEntry]:
    """Every cabinet of a person at every firm: one query over memberships and tenants."""
    rows = (
        await session.execute(
            select(Membership.kind, Membership.client_org_id, Membership.roles, Tenant)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(
                Membership.person_id == person_id,
                Membership.status == "active",
                Tenant.status == "active",
            )
            .order_by(Tenant.name, Tenant.id, Membership.kind, Membership.client_org_id)
        )
    ).all()
    entries = []
    for kind, org_id, roles, row in rows:
        tenant = TenantRef.of(row)
        url = services.settings.public_url(services.registry.host_of(tenant))
        entries.append(
            CabinetEntry(
                cabinet_key(tenant.slug, kind, org_id),
                kind,
                tenant,
                org_id,
                tuple(roles or ()),
                url,
            )
        )
    pairs = [(e.tenant, e.client_org_id) for e in entries if e.client_org_id is not None]
    if pairs and ORGANIZATION_NAME_RESOLVERS:
        names: dict[tuple[int, int], str] = {}
        for resolve in ORGANIZATION_NAME_RESOLVERS:
            names.update(await resolve(services, pairs))  # type: ignore[arg-type]
        entries = [
            CabinetEntry(
                e.key,
                e.kind,
                e.tenant,
                e.client_org_id,
                e.roles,
                e.url,
                names.get((e.tenant.id, e.client_org_id)) if e.client_org_id is not None else None,
            )
            for e in entries
        ]
    return entries


async def issue_handoff(
    services: Services, person_id: int, key: str
) -> tuple[CabinetEntry, str] | None:
    """A single-use, one-minute link that opens cabinet `key` at its firm's host."""
    async with shared_session(services.engine) as session:
        entry = next(
            (e for e in await cabinets_of(services, session, person_id) if e.key == key), None
        )
        if entry is None:
            return None
        code = new_secret(32)
        now = await database_now(session)
        session.add(
            OneTimeCode(
                purpose="handoff",
                code_hash=digest(code),
                person_id=person_id,
                tenant_id=entry.tenant.id,
                expires_at=now + HANDOFF_TTL,
            )
        )
        await session.commit()
    host = services.registry.host_of(entry.tenant)
    return entry, services.settings.public_url(host, f"/auth/handoff?code={code}")


async def consume_handoff(
    services: Services,
    tenant: TenantRef,
    code: str,
    caller: Actor,
    *,
    replaces_session_id: int | None = None,
) -> IssuedSession | None:
    """Opens a session at the firm's host for the person the hand-off code was issued to."""
    async with shared_session(services.engine) as session:
        person_id = await consume_code(session, "handoff", code, tenant.id)
        if person_id is None:
            return None
        person = await session.get(Person, person_id)
        kinds = await kinds_at(session, person_id, tenant.id)
        if person is None or not kinds or (kinds == {"client"} and not cabinet_enabled(tenant)):
            await session.commit()  # the code stays spent
            return None
        if replaces_session_id is not None:
            await end_sessions(session, LoginSession.id == replaces_session_id)
        issued = await open_session(
            session,
            services,
            person_id,
            tenant.id,
            caller,
            mfa_passed=mfa_satisfied(tenant, person, kinds),
        )
        await session.commit()
        return issued
