"""A periodic job for the scheduler tests, loaded by `saas worker` through
SAAS_WORKER_MODULES: every SAAS_TEST_PROBE_SECONDS (unset: off) it records, in the firms
named by SAAS_TEST_PROBE_FIRMS, one `jobs` row per message with the period it was fired for
and the worker process that ran it."""

from __future__ import annotations

import os

from saas.jobs import JobContext, create_job, periodic, tenant_actor

KIND = "scheduler_probe"


@tenant_actor(queue_name="scheduler_probe")
async def scheduler_probe(job: JobContext, *, period: int) -> None:
    if job.tenant.slug not in os.environ.get("SAAS_TEST_PROBE_FIRMS", "").split(","):
        return
    async with job.transaction() as db:
        await create_job(db, KIND, params={"period": period, "pid": os.getpid()})


periodic(
    scheduler_probe,
    every=lambda _settings: float(os.environ.get("SAAS_TEST_PROBE_SECONDS") or 0),
    period_kwarg="period",
)
