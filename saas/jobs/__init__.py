"""Background jobs: dramatiq with a tenant on every message.

- broker from SAAS_BROKER_URL (saas.jobs.broker): PostgreSQL by default, Redis, RabbitMQ;
- `@tenant_actor` / `enqueue` / `submit_job` / `JobContext` (saas.jobs.actors);
- the tenant's `jobs` table helpers (saas.jobs.progress);
- `periodic(actor, every=...)`: maintenance fired per firm by the worker's scheduler
  (saas.jobs.periodic, saas.jobs.scheduler);
- `saas worker` (saas.jobs.worker.run_worker); `broker_ready` for /readyz.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from saas.jobs.actors import (
    ACTORS,
    JobContext,
    TenantActor,
    TenantJobMiddleware,
    TenantUnavailable,
    enqueue,
    enqueue_sync,
    submit_job,
    tenant_actor,
)
from saas.jobs.broker import BROKER_SCHEMA, build_broker, check_broker, ensure_broker_schema
from saas.jobs.options import JobOptions
from saas.jobs.periodic import PERIODIC, periodic
from saas.jobs.progress import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    JobNotFound,
    create_job,
    fail_job,
    finish_job,
    job_state,
    report_progress,
    start_job,
)
from saas.jobs.runtime import (
    JobRuntime,
    JobsNotConfigured,
    configure_jobs,
    current_runtime,
    current_runtime_or_none,
    restore_jobs,
)
from saas.jobs.worker import run_worker

if TYPE_CHECKING:
    from saas.services import Services

__all__ = [
    "ACTORS",
    "PERIODIC",
    "BROKER_SCHEMA",
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "JobContext",
    "JobNotFound",
    "JobOptions",
    "JobRuntime",
    "JobsNotConfigured",
    "TenantActor",
    "TenantJobMiddleware",
    "TenantUnavailable",
    "broker_ready",
    "build_broker",
    "check_broker",
    "close_jobs",
    "configure_jobs",
    "create_job",
    "current_runtime",
    "current_runtime_or_none",
    "enqueue",
    "enqueue_sync",
    "ensure_broker_schema",
    "fail_job",
    "finish_job",
    "job_state",
    "periodic",
    "report_progress",
    "restore_jobs",
    "run_worker",
    "setup_jobs",
    "start_job",
    "submit_job",
    "tenant_actor",
]

_EXTRA_KEY = "jobs"


def setup_jobs(services: Services) -> JobRuntime:
    """Configure this process's broker from the services' settings (idempotent per services).

    The API calls it at start-up so that `enqueue` works in resolvers.
    """
    runtime: JobRuntime | None = services.extras.get(_EXTRA_KEY)
    if runtime is None:
        runtime = configure_jobs(services.settings, services.database_url)
        services.extras[_EXTRA_KEY] = runtime
    return runtime


def close_jobs(services: Services) -> None:
    runtime: JobRuntime | None = services.extras.pop(_EXTRA_KEY, None)
    if runtime is not None:
        runtime.broker.close()
        if current_runtime_or_none() is runtime:
            restore_jobs(None)


async def broker_ready(services: Services) -> bool:
    """/readyz: the job broker's server answers (the PostgreSQL broker: its queue table exists)."""
    runtime = setup_jobs(services)
    await asyncio.to_thread(check_broker, runtime.broker)
    return True
