"""The process's НПД status checker and how a performer's status is checked and kept.

One `StatusChecker` per process (in `services.extras["npd"]`), built from `NpdSettings`
(SAAS_NPD_*); with the simulator, `SAAS_NPD_SIMULATOR_INACTIVE` lists INNs answered as not
self-employed (the demo's and the browser tests' way to show a refusal). Tests reach the
simulator as `status_checker(services).gateway`.

`check_performer` asks for a profile's status today (cached for the day per firm and INN,
retried with back-off) and writes what it got on the profile; when the service stays down it
raises the module's NPD_UNAVAILABLE refusal, and the caller decides (giving an order refuses,
a registry holds only that payment).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from typing import Any

from saas.modules.performers.models import NPD_ACTIVE, NPD_INACTIVE, PerformerProfile
from saas.modules.performers.service.errors import npd_unavailable
from saas.modules.performers.service.npd import (
    NpdError,
    NpdSettings,
    NpdSimulator,
    TaxpayerStatus,
    gateway_from,
)
from saas.modules.performers.service.status_cache import StatusChecker

KEY = "npd"


def status_checker(services: Any) -> StatusChecker:
    checker = services.extras.get(KEY)
    if checker is None:
        settings = NpdSettings.from_env()
        gateway = gateway_from(settings)
        if isinstance(gateway, NpdSimulator):
            inactive = os.environ.get("SAAS_NPD_SIMULATOR_INACTIVE") or ""
            gateway.statuses.update({inn.strip(): False for inn in inactive.split(",") if inn})
        checker = StatusChecker(
            gateway, retries=settings.retries, backoff_seconds=settings.backoff_seconds
        )
        services.extras[KEY] = checker
    return checker


def today() -> date:
    return datetime.now(UTC).date()


async def check_performer(
    services: Any, tenant_key: str, profile: PerformerProfile, on: date | None = None
) -> TaxpayerStatus:
    """The profile's НПД status on `on` (today), written on the profile (flushed by the
    caller's transaction)."""
    day = on or today()
    try:
        status = await status_checker(services).status(tenant_key, profile.inn, day)
    except NpdError as exc:
        raise npd_unavailable() from exc
    profile.npd_status = NPD_ACTIVE if status.self_employed else NPD_INACTIVE
    profile.npd_checked_on = day
    profile.npd_message = status.message
    return status
