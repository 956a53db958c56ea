"""The firm's setting of chat notices: after how many business days a notice still waiting
for an answer reminds its recipients (`chat_notice_reminder_days`, 1..20, default 2), kept in
the firm's row like its calendar settings."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.modules.chat.service.errors import invalid
from saas.modules.chat.service.reminders import MAX_REMINDER_DAYS, REMINDER_SETTING
from saas.tenants.models import Tenant
from saas.tenants.registry import TENANTS_CHANGED, TenantRef


async def update_notice_settings(
    session: AsyncSession, tenant: TenantRef, actor: Actor, reminder_days: int
) -> TenantRef:
    """Set the firm's reminder delay, in the caller's shared transaction, audited; returns the
    firm as it will be (every process drops its cached firm on commit)."""
    if not 1 <= reminder_days <= MAX_REMINDER_DAYS:
        raise invalid(
            "INVALID_DAYS",
            f"Укажите от 1 до {MAX_REMINDER_DAYS} рабочих дней.",
            f"Give 1 to {MAX_REMINDER_DAYS} business days.",
            "reminderBusinessDays",
        )
    row = await session.get(Tenant, tenant.id, with_for_update=True)
    assert row is not None
    row.settings = {**(row.settings or {}), REMINDER_SETTING: reminder_days}
    await session.execute(select(func.pg_notify(TENANTS_CHANGED, str(tenant.id))))
    await audit_shared(
        session, tenant, actor, "chat.settings", "firm", tenant.id, reminder_days=reminder_days
    )
    await session.flush()
    return TenantRef.of(row)
