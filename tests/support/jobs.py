"""Background jobs for tests: a job runtime of a test's own (`jobs_on`), in-process workers,
fast retry options, a tenant actor that answers, and waiting for a job's row.

Fixtures (registered by tests/conftest.py and tests/modules/conftest.py): `aengine` and
`tenants` (an async engine and the two firms' TenantRefs), `worker` (an in-process worker on
the live server's broker).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from dramatiq import Broker, Worker
from sqlalchemy.ext.asyncio import AsyncEngine

from saas.db.engine import create_engine
from saas.jobs import (
    JobContext,
    JobOptions,
    configure_jobs,
    current_runtime_or_none,
    restore_jobs,
    setup_jobs,
    tenant_actor,
)
from saas.settings import Settings
from saas.tenants.provisioning import schema_for
from saas.tenants.registry import TenantRef, TenantRegistry
from tests.support.firms import Firm
from tests.support.waiting import async_eventually, eventually

QUEUE = "jobs_test"


@tenant_actor(queue_name=QUEUE)
async def say_done(job: JobContext, *, marker: str) -> dict[str, Any]:
    return {"marker": marker, "tenant": job.tenant.slug}


def fast_options(prefix: str = "") -> JobOptions:
    """Short backoff and polling keep retries and delayed messages fast."""
    return JobOptions(
        max_retries=3,
        min_backoff_ms=20,
        max_backoff_ms=100,
        poll_interval_s=0.1,
        queue_prefix=prefix,
    )


@contextmanager
def jobs_on(
    settings: Settings, database_url: str, broker: Broker, options: JobOptions
) -> Iterator[Broker]:
    """Make `broker` this process's for one test, then put the previous runtime back."""
    previous = current_runtime_or_none()
    configure_jobs(settings, database_url, broker=broker, options=options)
    try:
        yield broker
    finally:
        restore_jobs(previous)


@contextmanager
def running_worker(broker: Broker, threads: int = 2) -> Iterator[Worker]:
    worker = Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop(timeout=10_000)


def drop_queues(broker: Broker) -> None:
    """Empties what a test left on Redis or RabbitMQ (the PostgreSQL broker needs nothing)."""
    kind = type(broker).__name__
    if kind == "RedisBroker":
        broker.flush_all()  # type: ignore[attr-defined]
    elif kind == "RabbitmqBroker":
        channel = broker.channel  # type: ignore[attr-defined]
        for queue in list(broker.queues):
            for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                channel.queue_delete(name)


def job_row(db_engine: sa.Engine, firm: Firm, job_id: int) -> Any:
    with db_engine.connect() as conn:
        return conn.execute(
            sa.text(
                f"SELECT status, done, total, result, error, kind, params "
                f'FROM "{schema_for(firm.slug)}".jobs WHERE id = :id'
            ),
            {"id": job_id},
        ).one()


async def wait_for_status(
    db_engine: sa.Engine, firm: Firm, job_id: int, statuses: set[str], within: float = 20
) -> Any:
    """The job's row once its status is one of `statuses`."""

    def reached() -> Any:
        row = job_row(db_engine, firm, job_id)
        assert row.status in statuses, f"job {job_id} is {row.status!r} (error: {row.error})"
        return row

    return await async_eventually(reached, within=within, what=f"job {job_id} in {statuses}")


def job_finished(
    read: Callable[[], dict[str, Any]], *, within: float = 30, what: str = "the job"
) -> dict[str, Any]:
    """A job's state as the API shows it (an object with `status`: an import, an export)
    once it is DONE or FAILED; `read` fetches it."""

    def finished() -> dict[str, Any]:
        state = read()
        assert state["status"] in ("DONE", "FAILED"), state
        return state

    return eventually(finished, within=within, what=f"{what} to finish")


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
async def aengine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def tenants(aengine: AsyncEngine, firms: dict[str, Firm]) -> dict[str, TenantRef]:
    registry = TenantRegistry(aengine, "kabinet.test", dev_hosts=False)
    out = {}
    for key, firm in firms.items():
        tenant = await registry.by_id(firm.id)
        assert tenant is not None
        out[key] = tenant
    return out


@contextmanager
def live_worker(live_server: Any, threads: int = 1) -> Iterator[Worker]:
    """An in-process worker on the live server's broker. The job runtime is per process and
    another app of the test session may have closed it: make the live server's current, and
    put the previous one back afterwards."""
    runtime = setup_jobs(live_server.app.state.services)
    previous = current_runtime_or_none()
    restore_jobs(runtime)
    running = Worker(runtime.broker, worker_threads=threads, worker_timeout=100)
    running.start()
    try:
        yield running
    finally:
        running.stop(timeout=10_000)
        restore_jobs(previous)


@pytest.fixture
def worker(live_server) -> Iterator[Worker]:  # type: ignore[no-untyped-def]
    """`live_worker` for the whole test."""
    with live_worker(live_server) as running:
        yield running
