"""The process's current job runtime (its broker, and the Services its actors use): the state
that actors read. Set by `saas.jobs.runtime.configure_jobs` / `restore_jobs`.

Actors run on dramatiq's event-loop thread (AsyncIO middleware), so the actors' Services
(engine, tenant registry, notification listener) are built lazily on that loop, never shared
with uvicorn's loop.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from dramatiq import Broker

from saas.jobs.options import JobOptions
from saas.services import Services
from saas.settings import Settings


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


def make_current(runtime: JobRuntime | None) -> None:
    """Make `runtime` the process's (None: no jobs)."""
    global _current
    _current = runtime


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
