"""The outbox sweeper: a periodic job per firm announcing outbox rows that are still
unpublished after the grace period (saas.events.sweep_outbox): their transaction committed
but its after-commit announcement never ran (the COMMIT's answer was lost, the process died
right after it). Live subscribers and webhooks then get them, once."""

from __future__ import annotations

import logging
from typing import Any

from saas.events import sweep_outbox
from saas.jobs.actors import JobContext, tenant_actor
from saas.jobs.periodic import periodic

log = logging.getLogger(__name__)


@tenant_actor(queue_name="maintenance", max_retries=0, time_limit=300_000)
async def sweep_unpublished_events(
    job: JobContext, grace_seconds: float | None = None
) -> dict[str, Any]:
    schedule = job.services.settings.schedule
    grace = schedule.outbox_grace_seconds if grace_seconds is None else grace_seconds
    announced = await sweep_outbox(job.services, job.tenant, grace, schedule.outbox_max_age_seconds)
    if announced:
        log.warning(
            "outbox events announced late by the sweeper",
            extra={"count": len(announced), "first": announced[0]},
        )
    return {"announced": len(announced), "ids": announced}


periodic(sweep_unpublished_events, every=lambda s: s.schedule.outbox_sweep_seconds)
