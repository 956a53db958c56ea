"""Background jobs: tenant binding, progress, retries, durability, on real brokers.

The PostgreSQL broker (the embedded default) always runs; Redis and RabbitMQ join the
parametrization when SAAS_TEST_REDIS_URL / SAAS_TEST_AMQP_URL are set (as on CI).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from dramatiq import Broker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from saas.db.core_models import Job
from saas.db.migrate import upgrade_shared
from saas.jobs import (
    BROKER_SCHEMA,
    JobContext,
    broker_ready,
    build_broker,
    current_runtime_or_none,
    enqueue,
    restore_jobs,
    submit_job,
    tenant_actor,
)
from saas.services import Services
from saas.settings import PROJECT_ROOT, Settings
from saas.tenants.provisioning import schema_for
from saas.tenants.registry import TenantRef
from tests.support.brokers import brokers
from tests.support.firms import Firm
from tests.support.jobs import (
    QUEUE,
    drop_queues,
    fast_options,
    job_row,
    jobs_on,
    running_worker,
    say_done,
    wait_for_status,
)

ATTEMPTS: Counter[str] = Counter()


@tenant_actor(queue_name=QUEUE)
async def inspect_binding(job: JobContext, *, other_schema: str, steps: int = 3) -> dict[str, Any]:
    """Reports what the actor's session is bound to, and whether another tenant is refused."""
    async with job.transaction() as db:
        schema = await db.scalar(text("SELECT current_schema()"))
        role = await db.scalar(text("SELECT current_user"))
        own_jobs = await db.scalar(select(func.count()).select_from(Job))
    refused = ""
    async with job.session() as db:
        try:
            async with db.begin():
                await db.execute(text(f'SELECT count(*) FROM "{other_schema}".jobs'))
        except DBAPIError as exc:
            refused = str(exc.orig).splitlines()[0]
    seen: list[int] = []
    for step in range(1, steps + 1):
        await job.progress(step, steps)
        # A fresh transaction sees the report: progress is committed as it happens.
        async with job.transaction() as db:
            seen.append(await db.scalar(select(Job.done).where(Job.id == job.job_id)))
    return {
        "schema": schema,
        "role": role,
        "own_jobs": own_jobs,
        "refused": refused,
        "seen_progress": seen,
        "tenant": job.tenant.slug,
    }


@tenant_actor(queue_name=QUEUE, max_retries=2)
async def always_fails(job: JobContext, *, marker: str) -> None:
    ATTEMPTS[marker] += 1
    raise RuntimeError(f"boom {marker}")


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(params=brokers("redis", "rabbitmq", why="job tests (tests/test_jobs.py)"))
def real_broker(
    request: pytest.FixtureRequest, settings: Settings, database_url: str
) -> Iterator[Broker]:
    # A queue prefix of our own: a shared Redis/RabbitMQ may serve other test runs at once.
    options = fast_options(prefix=f"t{uuid.uuid4().hex[:8]}_")
    broker = build_broker(request.param, database_url, options)
    with jobs_on(settings, database_url, broker, options):
        yield broker
    drop_queues(broker)
    broker.close()


# --- unit logic on the StubBroker with an in-process worker ---------------------------------


@pytest.fixture
def stub_broker(settings: Settings, database_url: str) -> Iterator[StubBroker]:
    broker = StubBroker()
    broker.emit_after("process_boot")
    with jobs_on(settings, database_url, broker, fast_options()):
        yield broker
    broker.close()


async def test_stub_job_is_bound_to_its_tenant_and_reports_progress(
    stub_broker: StubBroker,
    aengine: AsyncEngine,
    tenants: dict[str, TenantRef],
    firms: dict[str, Firm],
    db_engine: sa.Engine,
) -> None:
    a, b = tenants["a"], tenants["b"]
    job_id = await submit_job(aengine, a, inspect_binding, other_schema=b.schema)
    with running_worker(stub_broker):
        await asyncio.to_thread(stub_broker.join, QUEUE, fail_fast=True)
    row = job_row(db_engine, firms["a"], job_id)
    assert (row.status, row.done, row.total, row.error) == ("done", 3, 3, None)
    assert row.kind == "inspect_binding" and row.params == {"other_schema": b.schema}
    assert row.result["schema"] == a.schema and row.result["role"] == a.db_role
    assert "permission denied" in row.result["refused"]
    assert row.result["seen_progress"] == [1, 2, 3]


async def test_stub_failing_job_is_retried_then_failed(
    stub_broker: StubBroker,
    aengine: AsyncEngine,
    tenants: dict[str, TenantRef],
    firms: dict[str, Firm],
    db_engine: sa.Engine,
) -> None:
    marker = uuid.uuid4().hex
    job_id = await submit_job(aengine, tenants["a"], always_fails, marker=marker)
    with running_worker(stub_broker), pytest.raises(RuntimeError, match=f"boom {marker}"):
        await asyncio.to_thread(stub_broker.join, QUEUE, fail_fast=True)
    assert ATTEMPTS[marker] == 3  # the first run and max_retries=2 retries
    row = await wait_for_status(db_engine, firms["a"], job_id, {"failed"}, within=5)
    assert row.error == f"RuntimeError: boom {marker}"


async def test_stub_unknown_job_id_fails_without_retry(
    stub_broker: StubBroker,
    tenants: dict[str, TenantRef],
    firms: dict[str, Firm],
    db_engine: sa.Engine,
) -> None:
    # Firm B's job row is not reachable from a message of firm A: the id is looked up in A.
    b_job = 999_999
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f'INSERT INTO "{schema_for(firms["b"].slug)}".jobs '
                "(id, kind, status, params, result) VALUES (:id, 'say_done', 'queued', '{}', '{}')"
            ),
            {"id": b_job},
        )
    await enqueue(tenants["a"], say_done, job_id=b_job, marker="x")
    with running_worker(stub_broker), pytest.raises(Exception, match="no job"):
        await asyncio.to_thread(stub_broker.join, QUEUE, fail_fast=True)
    assert job_row(db_engine, firms["b"], b_job).status == "queued"  # B's row untouched


async def test_enqueue_takes_ids_not_objects(
    stub_broker: StubBroker, tenants: dict[str, TenantRef]
) -> None:
    with pytest.raises(TypeError, match="plain JSON"):
        await enqueue(tenants["a"], say_done, marker=tenants["b"])
    with pytest.raises(TypeError, match="tenant_id"):
        await enqueue(tenants["a"], say_done, tenant_id=tenants["b"].id, marker="x")
    message_id = await enqueue(tenants["a"].id, say_done, marker="plain")
    (message,) = [m for m in stub_broker.queues[QUEUE].queue if m]  # type: ignore[attr-defined]
    assert message_id


def test_tenant_actors_are_async() -> None:
    with pytest.raises(TypeError, match="async def"):
        tenant_actor(lambda job: None)


# --- real brokers ---------------------------------------------------------------------------


async def test_job_runs_bound_to_its_tenant(
    real_broker: Broker,
    aengine: AsyncEngine,
    tenants: dict[str, TenantRef],
    firms: dict[str, Firm],
    db_engine: sa.Engine,
) -> None:
    a, b = tenants["a"], tenants["b"]
    job_a = await submit_job(aengine, a, inspect_binding, other_schema=b.schema)
    job_b = await submit_job(aengine, b, inspect_binding, other_schema=a.schema)
    with running_worker(real_broker):
        row_a = await wait_for_status(db_engine, firms["a"], job_a, {"done", "failed"})
        row_b = await wait_for_status(db_engine, firms["b"], job_b, {"done", "failed"})
    for row, own, other in ((row_a, a, b), (row_b, b, a)):
        assert row.status == "done", row.error
        assert row.result["schema"] == own.schema and row.result["tenant"] == own.slug
        assert row.result["role"] == own.db_role
        assert "permission denied" in row.result["refused"], other.schema
        assert (row.done, row.total, row.result["seen_progress"]) == (3, 3, [1, 2, 3])


async def test_failing_job_is_retried_with_backoff_then_failed(
    real_broker: Broker,
    aengine: AsyncEngine,
    tenants: dict[str, TenantRef],
    firms: dict[str, Firm],
    db_engine: sa.Engine,
) -> None:
    marker = uuid.uuid4().hex
    job_id = await submit_job(aengine, tenants["a"], always_fails, marker=marker)
    with running_worker(real_broker):
        row = await wait_for_status(db_engine, firms["a"], job_id, {"failed", "done"})
    assert row.status == "failed"
    assert row.error == f"RuntimeError: boom {marker}"
    assert ATTEMPTS[marker] == 3


async def test_message_sent_while_no_worker_runs_is_processed_later(
    real_broker: Broker,
    aengine: AsyncEngine,
    tenants: dict[str, TenantRef],
    firms: dict[str, Firm],
    db_engine: sa.Engine,
) -> None:
    first = await submit_job(aengine, tenants["a"], say_done, marker="first")
    with running_worker(real_broker):
        await wait_for_status(db_engine, firms["a"], first, {"done"})
    # The worker is gone: the message waits in the broker, the job stays queued.
    second = await submit_job(aengine, tenants["b"], say_done, marker="second")
    await asyncio.sleep(0.5)  # the point: a while with no worker, and the job still waits
    assert job_row(db_engine, firms["b"], second).status == "queued"
    with running_worker(real_broker):
        row = await wait_for_status(db_engine, firms["b"], second, {"done", "failed"})
    assert row.status == "done"
    assert row.result == {"marker": "second", "tenant": tenants["b"].slug}


# --- schema, readiness, the worker command --------------------------------------------------


def test_broker_schema_is_created_by_migrations_idempotently(db_engine: sa.Engine) -> None:
    upgrade_shared(db_engine)  # a second run changes nothing and does not fail
    with db_engine.connect() as conn:
        tables = set(
            conn.execute(
                sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": BROKER_SCHEMA},
            ).scalars()
        )
    assert {"queue", "worker", "result"} <= tables


async def test_broker_ready(settings: Settings, database_url: str) -> None:
    previous = current_runtime_or_none()
    services = Services.build(settings, database_url)
    try:
        assert await broker_ready(services) is True
    finally:
        services.extras["jobs"].broker.close()
        await services.close()
        restore_jobs(previous)

    down = Services.build(
        Settings(**{**settings.__dict__, "broker_url": "redis://127.0.0.1:1/0"}), database_url
    )
    try:
        with pytest.raises(Exception, match="(?i)connect"):
            await broker_ready(down)
    finally:
        await down.close()
        restore_jobs(previous)


async def test_saas_worker_command_processes_jobs_and_stops_on_sigterm(
    settings: Settings,
    database_url: str,
    aengine: AsyncEngine,
    tenants: dict[str, TenantRef],
    firms: dict[str, Firm],
    db_engine: sa.Engine,
) -> None:
    prefix = f"w{uuid.uuid4().hex[:8]}_"
    options = fast_options(prefix=prefix)
    broker = build_broker(None, database_url, options)
    with jobs_on(settings, database_url, broker, options):
        job_id = await submit_job(aengine, tenants["a"], say_done, marker="cli")
    broker.close()
    env = {
        **os.environ,
        "SAAS_DATABASE_URL": database_url,
        "SAAS_WORKER_MODULES": "tests.test_jobs",
        "SAAS_JOB_QUEUE_PREFIX": prefix,
        "SAAS_LOG_JSON": "0",
        "SAAS_BROKER_URL": "",
        "SAAS_DATA_DIR": str(settings.data_dir),
        "SAAS_BASE_DOMAIN": settings.base_domain,
    }
    worker = subprocess.Popen(  # noqa: ASYNC220 (started once, awaited by polling)
        [sys.executable, "-m", "saas.cli", "worker", "--threads", "1"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        row = await wait_for_status(db_engine, firms["a"], job_id, {"done", "failed"}, within=30)
        assert row.status == "done" and row.result["marker"] == "cli"
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "worker ready" in output and "worker stopping" in output
