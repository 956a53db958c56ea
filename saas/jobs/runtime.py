"""The process's job runtime: its broker, and the Services its actors use.

A process configures jobs once (`configure_jobs`): the API at start-up so it can enqueue, the
worker before consuming. Actors run on dramatiq's event-loop thread (AsyncIO middleware), so
the actors' Services (engine, tenant registry, notification listener) are built lazily on that
loop, never shared with uvicorn's loop.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dramatiq import Broker

from saas.jobs.broker import build_broker, prepare_broker
from saas.jobs.options import JobOptions
from saas.settings import Settings

if TYPE_CHECKING:
    from saas.services import Services


class JobsNotConfigured(RuntimeError):
    pass


@dataclass(eq=False)
class JobRuntime:
    settings: Settings
    database_url: str
    broker: Broker
    options: JobOptions
    _services: Services | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _started: asyncio.Future[None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def services(self) -> Services:
        """The actors' Services, built on first use on the running (worker) loop."""
        from saas.services import Services

        loop = asyncio.get_running_loop()
        with self._lock:
            if self._services is None or self._loop is not loop:
                # Pinged connections: a job after a database restart must not fail once.
                self._services = Services.build(self.settings, self.database_url, pre_ping=True)
                self._loop = loop
                self._started = loop.create_task(self._services.start())
            services, started = self._services, self._started
        assert started is not None
        try:
            await asyncio.shield(started)
        except Exception:
            # The database was unreachable: build afresh on the next message (its retry).
            with self._lock:
                if self._services is services:
                    self._services = self._loop = self._started = None
            await services.close()
            raise
        return services

    async def close_services(self) -> None:
        with self._lock:
            services, self._services, self._loop, self._started = self._services, None, None, None
        if services is not None:
            await services.close()


_current: JobRuntime | None = None


def configure_jobs(
    settings: Settings,
    database_url: str,
    *,
    broker: Broker | None = None,
    options: JobOptions | None = None,
) -> JobRuntime:
    """Make a broker (from SAAS_BROKER_URL unless given) this process's, declaring every
    tenant actor on it. Returns the runtime; `restore_jobs(previous)` undoes it in tests."""
    from saas.jobs.actors import declare_all

    global _current
    options = options or JobOptions.from_env()
    if broker is None:
        broker = build_broker(settings.broker_url, database_url, options)
    else:
        prepare_broker(broker, options)
    runtime = JobRuntime(settings, database_url, broker, options)
    _current = runtime
    declare_all(broker)
    return runtime


def current_runtime() -> JobRuntime:
    if _current is None:
        raise JobsNotConfigured(
            "background jobs are not configured in this process: call "
            "saas.jobs.setup_jobs(services) at start-up (the API does it in its lifespan, "
            "`saas worker` before consuming)"
        )
    return _current


def current_runtime_or_none() -> JobRuntime | None:
    return _current


def restore_jobs(previous: JobRuntime | None) -> None:
    """Put back the runtime that was current before a `configure_jobs` (tests)."""
    from saas.jobs.actors import declare_all

    global _current
    _current = previous
    if previous is not None:
        declare_all(previous.broker)
