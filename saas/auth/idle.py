"""Idle expiry of login sessions.

A session ends at the first of two moments: its absolute expiry (`Settings.session_days`
after login, 14 days) and `idle` after its last use, where `idle` is the firm's setting
`session_idle_minutes` (default 12 hours; the platform host's sessions use the default).
A use is an HTTP request made with the session or an operation sent over its WebSocket; the
last use is written at most once a minute (`TOUCH_INTERVAL`), together with the address it
came from, which the sessions list shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from saas.auth.models import LoginSession

if TYPE_CHECKING:
    from saas.services import Services
    from saas.tenants.registry import TenantRef

SETTING = "session_idle_minutes"
DEFAULT_IDLE_MINUTES = 12 * 60
MIN_IDLE_MINUTES = 15
MAX_IDLE_MINUTES = 14 * 24 * 60  # the absolute lifetime: longer would never apply
TOUCH_INTERVAL = timedelta(minutes=1)


def idle_minutes(tenant: TenantRef | None) -> int:
    """The firm's idle timeout in minutes (the default when unset or at the platform host)."""
    value = (tenant.settings or {}).get(SETTING) if tenant is not None else None
    return value if isinstance(value, int) and value > 0 else DEFAULT_IDLE_MINUTES


def ends_at(login: Any, tenant: TenantRef | None, seen: datetime | None = None) -> datetime:
    """When the session stops working if it is not used again: its absolute expiry or the
    idle timeout after its last use (`seen`, default the stored last use), whichever is first."""
    last_use = max(seen or login.last_seen_at, login.last_seen_at)
    return min(login.expires_at, last_use + timedelta(minutes=idle_minutes(tenant)))


def alive(login: Any, tenant: TenantRef | None, now: datetime) -> bool:
    """Not ended (logout, "end this one", password reset), not expired, not idle too long."""
    return login.revoked_at is None and ends_at(login, tenant) > now


async def touch(services: Services, login: Any, ip: str | None, now: datetime) -> datetime:
    """Record a use of the session (at most once a minute); returns its last use."""
    if now - login.last_seen_at < TOUCH_INTERVAL:
        return login.last_seen_at
    async with services.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        values: dict[str, Any] = {"last_seen_at": now}
        if ip:
            values["ip"] = ip
        await conn.execute(
            update(LoginSession)
            .where(LoginSession.id == login.id, LoginSession.last_seen_at < now)
            .values(**values)
        )
    return now


async def touch_binding(services: Services, binding: Any) -> None:
    """Record a use of the session of a request binding (an operation over a WebSocket)."""
    session_id = binding.principal.session_id
    if session_id is None:
        return
    now = datetime.now(UTC)
    values: dict[str, Any] = {"last_seen_at": now}
    if binding.ip:
        values["ip"] = binding.ip
    async with services.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(
            update(LoginSession)
            .where(
                LoginSession.id == session_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.last_seen_at < now - TOUCH_INTERVAL,
            )
            .values(**values)
        )
