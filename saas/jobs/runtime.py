"""Configuring the process's job runtime: the API at start-up so it can enqueue, the worker
before consuming (`configure_jobs`); tests put the previous one back (`restore_jobs`). The
runtime itself (`JobRuntime`, `current_runtime`) is in saas.jobs.current.
"""

from __future__ import annotations

from dramatiq import Broker

from saas.jobs.actors import declare_all
from saas.jobs.broker import build_broker, prepare_broker
from saas.jobs.current import (
    JobRuntime,
    JobsNotConfigured,
    current_runtime,
    current_runtime_or_none,
    make_current,
)
from saas.jobs.options import JobOptions
from saas.settings import Settings

__all__ = [
    "JobRuntime",
    "JobsNotConfigured",
    "configure_jobs",
    "current_runtime",
    "current_runtime_or_none",
    "restore_jobs",
]


def configure_jobs(
    settings: Settings,
    database_url: str,
    *,
    broker: Broker | None = None,
    options: JobOptions | None = None,
) -> JobRuntime:
    """Make a broker (from SAAS_BROKER_URL unless given) this process's, declaring every
    tenant actor on it. Returns the runtime; `restore_jobs(previous)` undoes it in tests."""
    options = options or JobOptions.from_env()
    if broker is None:
        broker = build_broker(settings.broker_url, database_url, options)
    else:
        prepare_broker(broker, options)
    runtime = JobRuntime(settings, database_url, broker, options)
    make_current(runtime)
    declare_all(broker)
    return runtime


def restore_jobs(previous: JobRuntime | None) -> None:
    """Put back the runtime that was current before a `configure_jobs` (tests)."""
    make_current(previous)
    if previous is not None:
        declare_all(previous.broker)
