"""Tenant-bound actors: every message carries its tenant's id, and the actor runs with that
tenant loaded fresh by id and a session bound to it (SET LOCAL ROLE + search_path).

    @tenant_actor(max_retries=3)
    async def export_audit_csv(job: JobContext, *, period: str) -> dict:
        async with job.transaction() as db:          # bound to the message's tenant
            rows = ...
        await job.progress(done=10, total=100)       # committed at once, the cabinet sees it
        return {"key": key}                          # stored as the job's result

    job_id = await submit_job(engine, tenant, export_audit_csv, period="2026-10")

Workers get ids, never objects: `enqueue` refuses anything that is not plain JSON.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq import Broker, Message
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from saas.db.session import SerialSession, tenant_session, tenant_transaction
from saas.jobs.current import current_runtime, current_runtime_or_none
from saas.jobs.progress import (
    JobNotFound,
    create_job,
    describe_error,
    fail_job,
    finish_job,
    report_progress,
    requeue_job,
    start_job,
)
from saas.logs import request_id_var, tenant_var
from saas.tenants.registry import TenantRef

if TYPE_CHECKING:
    from saas.services import Services

log = logging.getLogger(__name__)

TENANT_KWARG = "tenant_id"
JOB_KWARG = "job_id"
# Message option carrying the tenant's slug for log lines only; the actor trusts the id alone.
TENANT_LABEL_OPTION = "kabinet_tenant"
# Message option naming the periodic job that sent it (saas.jobs.periodic): its outcome is logged.
PERIODIC_OPTION = "kabinet_periodic"


class TenantUnavailable(RuntimeError):
    """The message's tenant is gone, still provisioning or suspended (never retried)."""


@dataclass
class JobContext:
    """What a tenant actor gets: its tenant (loaded by id), the services, and its job row."""

    tenant: TenantRef
    services: Services
    actor_name: str
    job_id: int | None = None

    @property
    def engine(self) -> AsyncEngine:
        return self.services.engine

    def session(self) -> SerialSession:
        """A session bound to the tenant; the caller opens transactions and commits."""
        return tenant_session(self.services.engine, self.tenant)

    def transaction(self) -> Any:
        """`async with job.transaction() as db:` one committed unit of work for the tenant."""
        return tenant_transaction(self.services.engine, self.tenant)

    async def progress(self, done: int, total: int | None = None) -> None:
        """Record progress in the job row, committed on its own so it is visible at once."""
        if self.job_id is None:
            return
        async with self.transaction() as db:
            await report_progress(db, self.job_id, done, total)


ActorFunction = Callable[..., Awaitable[Any]]

# Every tenant actor of the process by name; declared on each broker the process configures.
ACTORS: dict[str, TenantActor] = {}
_declare_lock = threading.Lock()


class TenantActor:
    """A tenant-bound actor, declared lazily on whichever broker the process configures
    (the actor modules can be imported before settings exist)."""

    def __init__(
        self,
        fn: ActorFunction,
        *,
        actor_name: str,
        queue_name: str,
        priority: int,
        options: dict[str, Any],
    ):
        self.fn = fn
        self.name = actor_name
        self.queue_name = queue_name
        self.priority = priority
        self.options = options
        self.source = f"{fn.__module__}.{fn.__qualname__}"

    def __repr__(self) -> str:
        return f"TenantActor({self.name!r})"

    def declare(self, broker: Broker) -> dramatiq.Actor:  # type: ignore[type-arg]
        """The dramatiq actor of this tenant actor on `broker`, declared on first use."""
        with _declare_lock:
            existing = broker.actors.get(self.name)
            if existing is not None and getattr(existing, "kabinet_actor", None) is self:
                return existing
            broker.actors.pop(self.name, None)  # a re-import of the same actor replaces it
            prefix = getattr(broker, "kabinet_options", None)
            queue = f"{prefix.queue_prefix if prefix else ''}{self.queue_name}"
            actor = dramatiq.actor(
                broker=broker,
                actor_name=self.name,
                queue_name=queue,
                priority=self.priority,
                **self.options,
            )(self._run)
            actor.kabinet_actor = self  # type: ignore[attr-defined]
            return actor

    async def _run(self, tenant_id: int, job_id: int | None = None, **ids: Any) -> Any:
        runtime = current_runtime()
        services = await runtime.services()
        tenant = await services.registry.by_id(int(tenant_id))
        if tenant is None or not tenant.active:
            raise TenantUnavailable(f"tenant {tenant_id} is not active; job dropped")
        tenant_token = tenant_var.set(tenant.slug)
        request_token = request_id_var.set(f"job:{self.name}:{job_id or '-'}")
        job = JobContext(tenant, services, self.name, job_id)
        try:
            if job_id is not None:
                async with job.transaction() as db:
                    await start_job(db, job_id)
            try:
                result = await self.fn(job, **ids)
            except BaseException as exc:  # also a time limit's cancellation
                if job_id is not None:
                    # Before dramatiq's Retries decides: the middleware marks it failed if it
                    # gives up; otherwise it waits, queued, for its next attempt.
                    await asyncio.shield(_record_attempt_failure(job, job_id, exc))
                raise
            if job_id is not None:
                async with job.transaction() as db:
                    await finish_job(db, job_id, result if isinstance(result, dict) else None)
            # For the middleware's log line (no result backend keeps it).
            return result
        finally:
            request_id_var.reset(request_token)
            tenant_var.reset(tenant_token)


async def _record_attempt_failure(job: JobContext, job_id: int, exc: BaseException) -> None:
    try:
        async with job.transaction() as db:
            await requeue_job(db, job_id, describe_error(exc))
    except Exception:
        log.exception("could not record a failed attempt", extra={"job_id": job_id})


def tenant_actor(
    fn: ActorFunction | None = None,
    *,
    actor_name: str | None = None,
    queue_name: str = "default",
    priority: int = 0,
    **options: Any,
) -> Any:
    """Declare an `async def actor(job: JobContext, **ids)` run bound to a tenant.

    Options are dramatiq's (max_retries, min_backoff, max_backoff, time_limit, throws, ...).
    A missing or inactive tenant and an unknown job id are never retried.
    """

    def decorate(fn: ActorFunction) -> TenantActor:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"{fn.__qualname__}: tenant actors are `async def` functions")
        name = actor_name or fn.__name__
        throws = options.get("throws") or ()
        throws = throws if isinstance(throws, tuple) else (throws,)
        actor = TenantActor(
            fn,
            actor_name=name,
            queue_name=queue_name,
            priority=priority,
            options={**options, "throws": (TenantUnavailable, JobNotFound, *throws)},
        )
        functools.update_wrapper(actor, fn)  # type: ignore[arg-type]
        previous = ACTORS.get(name)
        if previous is not None and previous.source != actor.source:
            raise ValueError(f"two tenant actors named {name!r}: {previous.source}, {actor.source}")
        ACTORS[name] = actor
        runtime = current_runtime_or_none()
        if runtime is not None:
            actor.declare(runtime.broker)
        return actor

    return decorate(fn) if fn is not None else decorate


def declare_all(broker: Broker) -> None:
    for actor in list(ACTORS.values()):
        actor.declare(broker)


JSON_SCALARS = (str, int, float, bool, type(None))


def _check_plain(name: str, value: Any) -> None:
    """Messages carry ids and plain values: an ORM object would be stale (or another tenant's)
    by the time the worker runs."""
    if isinstance(value, JSON_SCALARS):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_plain(name, item)
        return
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        for item in value.values():
            _check_plain(name, item)
        return
    raise TypeError(
        f"job argument {name!r} must be an id or plain JSON, not {type(value).__name__}"
    )


def build_message(
    broker: Broker,
    tenant: TenantRef | int,
    actor: TenantActor,
    ids: dict[str, Any],
    label: str | None = None,
) -> Message[Any]:
    if not isinstance(actor, TenantActor):
        raise TypeError("enqueue takes a @tenant_actor")
    if TENANT_KWARG in ids:
        raise TypeError(f"{TENANT_KWARG!r} is set by enqueue from the tenant argument")
    for name, value in ids.items():
        _check_plain(name, value)
    tenant_id = tenant.id if isinstance(tenant, TenantRef) else int(tenant)
    label = label or (tenant.slug if isinstance(tenant, TenantRef) else f"#{tenant_id}")
    dramatiq_actor = actor.declare(broker)
    options: dict[str, Any] = {TENANT_LABEL_OPTION: label}
    return dramatiq_actor.message_with_options(kwargs={TENANT_KWARG: tenant_id, **ids}, **options)


async def enqueue(
    tenant: TenantRef | int,
    actor: TenantActor,
    *,
    delay_ms: int | None = None,
    **ids: Any,
) -> str:
    """Send a message for `tenant` to `actor` with keyword ids; returns the message id.

    The broker call blocks (psycopg, redis, pika), so it runs in a thread. Call it after the
    transaction that wrote what the actor reads has committed (ctx.after_commit).
    """
    broker = current_runtime().broker
    message = build_message(broker, tenant, actor, ids)
    await asyncio.to_thread(broker.enqueue, message, delay=delay_ms)
    return str(message.message_id)


def enqueue_sync(
    tenant: TenantRef | int, actor: TenantActor, *, delay_ms: int | None = None, **ids: Any
) -> str:
    """`enqueue` for synchronous code (CLI, provisioning hooks)."""
    broker = current_runtime().broker
    message = build_message(broker, tenant, actor, ids)
    broker.enqueue(message, delay=delay_ms)
    return str(message.message_id)


async def submit_job(
    engine: AsyncEngine,
    tenant: TenantRef,
    actor: TenantActor,
    *,
    params: dict[str, Any] | None = None,
    created_by: int | None = None,
    total: int = 0,
    **ids: Any,
) -> int:
    """Create the tenant's job row (queued), commit, and enqueue the actor with its id.

    If the broker refuses, the row is marked failed (no job stays queued forever) and the
    error propagates.
    """
    for name, value in ids.items():
        _check_plain(name, value)
    async with tenant_transaction(engine, tenant) as db:
        job_id = await create_job(
            db,
            actor.name,
            params=params if params is not None else dict(ids),
            created_by=created_by,
            total=total,
        )
    try:
        await enqueue(tenant, actor, **{JOB_KWARG: job_id}, **ids)
    except Exception as exc:
        async with tenant_transaction(engine, tenant) as db:
            await fail_job(db, job_id, f"could not enqueue: {describe_error(exc)}")
        raise
    return job_id


@asynccontextmanager
async def _bound(services: Services, tenant_id: int) -> AsyncIterator[AsyncSession | None]:
    tenant = await services.registry.by_id(tenant_id)
    if tenant is None:
        yield None
        return
    async with tenant_transaction(services.engine, tenant) as db:
        yield db


async def _mark_failed(tenant_id: int, job_id: int, error: str) -> None:
    services = await current_runtime().services()
    async with _bound(services, tenant_id) as db:
        if db is not None:
            await fail_job(db, job_id, error)


def _is_tenant_message(broker: Broker, message: Any) -> bool:
    actor = broker.actors.get(message.actor_name)
    return actor is not None and getattr(actor, "kabinet_actor", None) is not None


def _summary(result: Any) -> dict[str, Any]:
    """A job's result for a log line: its plain values (counts), not its lists of keys."""
    if not isinstance(result, dict):
        return {}
    return {k: v for k, v in result.items() if isinstance(v, str | int | float | bool)}


class TenantJobMiddleware(Middleware):
    """Binds the worker thread's log context to the message's tenant, and marks a job failed
    when dramatiq gives up on it (placed before Retries, so its `after_*` runs after it)."""

    def before_process_message(self, broker: Broker, message: Any) -> None:
        if _is_tenant_message(broker, message):
            tenant_var.set(message.options.get(TENANT_LABEL_OPTION))
            request_id_var.set(f"job:{message.actor_name}:{message.kwargs.get(JOB_KWARG) or '-'}")

    def after_process_message(
        self, broker: Broker, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        try:
            if exception is not None and message.failed and _is_tenant_message(broker, message):
                self._fail(message, describe_error(exception))
            if exception is None and message.options.get(PERIODIC_OPTION):
                name, summary = message.options[PERIODIC_OPTION], _summary(result)
                log.info(
                    "periodic job %s done: %s",
                    name,
                    summary,
                    extra={"job": name, "result": summary},
                )
        finally:
            tenant_var.set(None)
            request_id_var.set(None)

    def after_skip_message(self, broker: Broker, message: Any) -> None:
        # Skipped messages (AgeLimit) are failed without being run.
        if _is_tenant_message(broker, message):
            self._fail(message, "expired before a worker could run it")

    def _fail(self, message: Any, error: str) -> None:
        job_id = message.kwargs.get(JOB_KWARG)
        tenant_id = message.kwargs.get(TENANT_KWARG)
        loop_thread = get_event_loop_thread()
        if job_id is None or tenant_id is None or loop_thread is None:
            return
        try:
            loop_thread.run_coroutine(_mark_failed(int(tenant_id), int(job_id), error))
        except Exception:
            log.exception("could not mark a failed job", extra={"job_id": job_id})

    def before_worker_shutdown(self, broker: Broker, worker: Any) -> None:
        # Close the actors' engine on its own loop, before AsyncIO stops that loop.
        runtime = current_runtime_or_none()
        loop_thread = get_event_loop_thread()
        if runtime is not None and loop_thread is not None:
            try:
                loop_thread.run_coroutine(runtime.close_services())
            except Exception:
                log.warning("closing the job services failed", exc_info=True)
