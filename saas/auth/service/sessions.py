"""Login sessions: opening one (login, hand-off, invitation), ending one (logout), whether it
has every factor the firm requires; a person's sessions at one address, as the account
security page lists them, with "end this one" and "end all others", and the firm's idle
timeout (`saas.auth.idle`).

Sessions are bound to the host they were opened at (a firm, or the platform), so the list
holds the sessions of this firm's address only: a person of two firms sees each firm's at
that firm's address, and nothing of one firm shows at the other. Ending goes through
`saas.auth.live.end_sessions`, the path logout and password reset use: the ended sessions
stop working over HTTP at once and their open WebSockets are closed (4403) in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from ua_parser import parse

from saas.auth import idle
from saas.auth.live import end_sessions
from saas.auth.models import LoginSession, Person
from saas.auth.service.clock import database_now
from saas.auth.tokens import digest, new_secret
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.db.session import shared_session
from saas.schema.errors import DomainError
from saas.tenants.models import Tenant
from saas.tenants.registry import TENANTS_CHANGED, TenantRef

if TYPE_CHECKING:
    from saas.services import Services


@dataclass(frozen=True)
class IssuedSession:
    id: int
    secret: str
    csrf_token: str
    expires_at: datetime
    mfa_passed: bool


async def open_session(
    session: AsyncSession,
    services: Services,
    person_id: int,
    tenant_id: int | None,
    caller: Actor,
    *,
    mfa_passed: bool = True,
) -> IssuedSession:
    secret, csrf = new_secret(32), new_secret(24)
    now = await database_now(session)
    expires = now + timedelta(days=services.settings.session_days)
    session_id = await session.scalar(
        insert(LoginSession)
        .values(
            token_hash=digest(secret),
            csrf_token=csrf,
            person_id=person_id,
            tenant_id=tenant_id,
            mfa_passed=mfa_passed,
            ip=caller.ip,
            user_agent=(caller.user_agent or "")[:400] or None,
            expires_at=expires,
        )
        .returning(LoginSession.id)
    )
    assert session_id is not None
    return IssuedSession(session_id, secret, csrf, expires, mfa_passed)


async def revoke_session(services: Services, session_id: int) -> None:
    """End one session (logout): its live sockets in every process close too
    (`saas.auth.live.end_sessions`)."""
    async with shared_session(services.engine) as session:
        await end_sessions(session, LoginSession.id == session_id)
        await session.commit()


def _firm_requires_staff_totp(tenant: TenantRef | None) -> bool:
    return bool(tenant and (tenant.settings or {}).get("require_staff_totp"))


def mfa_satisfied(tenant: TenantRef | None, person: Person, kinds: set[str]) -> bool:
    """Whether a session at this host has every factor the firm requires."""
    return person.totp_enabled or not (_firm_requires_staff_totp(tenant) and "staff" in kinds)


@lru_cache(maxsize=512)
def device_of(user_agent: str | None) -> str | None:
    """ "Chrome 120 · Windows 10", "Mobile Safari 17 · iOS 17.1 · iPhone"; None when the user
    agent names no known browser or system (a script, an HTTP library)."""
    if not user_agent:
        return None
    found = parse(user_agent)
    parts: list[str] = []
    if found.user_agent is not None and found.user_agent.family != "Other":
        browser = found.user_agent
        parts.append(f"{browser.family} {browser.major}" if browser.major else browser.family)
    if found.os is not None and found.os.family != "Other":
        system = found.os
        version = ".".join(v for v in (system.major, system.minor) if v)
        parts.append(f"{system.family} {version}".strip())
    if found.device is not None and found.device.family not in ("Other", "Spider"):
        if found.device.family not in parts[-1:]:
            parts.append(found.device.family)
    return " · ".join(parts) or None


def _at_host(person_id: int, tenant_id: int | None) -> tuple[ColumnElement[bool], ...]:
    return (
        LoginSession.person_id == person_id,
        LoginSession.tenant_id.is_not_distinct_from(tenant_id),
    )


async def sessions_of(
    session: AsyncSession, person_id: int, tenant: TenantRef | None, ids: list[int] | None = None
) -> list[LoginSession]:
    """The person's working sessions at this host (not ended, expired or idle too long),
    last used first; only those of `ids` when given."""
    now = (await session.execute(select(func.now()))).scalar_one()
    stmt = (
        select(LoginSession)
        .where(
            *_at_host(person_id, tenant.id if tenant else None),
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > now,
            LoginSession.last_seen_at > now - timedelta(minutes=idle.idle_minutes(tenant)),
        )
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    if ids is not None:
        stmt = stmt.where(LoginSession.id.in_(ids))
    return list((await session.execute(stmt)).scalars())


async def end_session(
    session: AsyncSession, person_id: int, tenant_id: int | None, session_id: int
) -> list[int]:
    """ "End this one": one of the person's sessions at this host (the ids ended)."""
    where = _at_host(person_id, tenant_id)
    return await end_sessions(session, LoginSession.id == session_id, *where)


async def end_other_sessions(
    session: AsyncSession, person_id: int, tenant_id: int | None, current_id: int
) -> list[int]:
    """ "End all others": every session of the person at this host but the current one."""
    where = _at_host(person_id, tenant_id)
    return await end_sessions(session, LoginSession.id != current_id, *where)


async def set_idle_timeout(
    session: AsyncSession, tenant: TenantRef, minutes: int, *, by: Actor | str
) -> dict[str, object]:
    """The firm's idle timeout (minutes, MIN_IDLE_MINUTES..MAX_IDLE_MINUTES). Every process
    drops its copy of the firm at commit, and live sockets of the firm are re-checked: a
    shorter timeout ends the sessions already idle longer than it."""
    if not idle.MIN_IDLE_MINUTES <= minutes <= idle.MAX_IDLE_MINUTES:
        raise DomainError(
            "IDLE_TIMEOUT_OUT_OF_RANGE",
            f"Choose between {idle.MIN_IDLE_MINUTES} and {idle.MAX_IDLE_MINUTES} minutes.",
            "minutes",
        )
    row = await session.get(Tenant, tenant.id, with_for_update=True)
    assert row is not None
    row.settings = {**(row.settings or {}), idle.SETTING: minutes}
    await session.execute(select(func.pg_notify(TENANTS_CHANGED, str(tenant.id))))
    await audit_shared(
        session, tenant, by, "security.update", "firm", tenant.id, details={idle.SETTING: minutes}
    )
    return row.settings
