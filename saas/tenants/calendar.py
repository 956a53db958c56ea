"""The firm's calendar settings (time zone, own days off) in its row's settings: the change.

What they mean and how modules use them: `saas.core.calendar` (`calendar_of(tenant)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.core.calendar.business import BusinessCalendar
from saas.core.calendar.firm import (
    DAYS_OFF_SETTING,
    TIME_ZONE_SETTING,
    DayOff,
    check_days_off,
    check_time_zone,
    time_zone_of,
)
from saas.tenants.models import Tenant
from saas.tenants.registry import TENANTS_CHANGED, TenantRef


async def update_firm_calendar(
    session: AsyncSession,
    tenant: TenantRef,
    *,
    time_zone: str | None = None,
    days_off: Sequence[DayOff] | None = None,
    by: Actor | str,
) -> TenantRef:
    """Set the firm's time zone and/or replace its days off (None leaves a setting as it
    is), in the caller's shared transaction, audited; returns the firm as it will be."""
    changes: dict[str, Any] = {}
    if time_zone is not None:
        changes[TIME_ZONE_SETTING] = check_time_zone(time_zone)
    row = await session.get(Tenant, tenant.id, with_for_update=True)
    assert row is not None
    settings = dict(row.settings or {})
    if days_off is not None:
        zone = ZoneInfo(changes.get(TIME_ZONE_SETTING) or time_zone_of(TenantRef.of(row)))
        checked = check_days_off(days_off, BusinessCalendar(zone=zone).today())
        changes[DAYS_OFF_SETTING] = [{"date": d.date.isoformat(), "note": d.note} for d in checked]
    row.settings = {**settings, **changes}
    # Every process drops its cached TenantRef when this is delivered (on commit).
    await session.execute(select(func.pg_notify(TENANTS_CHANGED, str(tenant.id))))
    await audit_shared(
        session, tenant, by, "calendar.update", "firm", tenant.id, details=_audited(changes)
    )
    await session.flush()
    return TenantRef.of(row)


def _audited(changes: dict[str, Any]) -> dict[str, Any]:
    data = dict(changes)
    if DAYS_OFF_SETTING in data:
        data[DAYS_OFF_SETTING] = [d["date"] for d in data[DAYS_OFF_SETTING]]
    return data
