"""Job settings that only the broker and the worker need, read from SAAS_JOB_* variables.

They stay out of `saas.settings.Settings` on purpose: nothing outside `saas.jobs` reads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class JobOptions:
    # Retries with exponential backoff (dramatiq's Retries middleware): attempt n waits about
    # min_backoff * 2**n, capped at max_backoff. An actor may override each with its options.
    max_retries: int = 5
    min_backoff_ms: int = 5_000
    max_backoff_ms: int = 600_000
    # A long task is interrupted after this long (dramatiq TimeLimit); actors may override.
    time_limit_ms: int = 30 * 60_000
    # Prepended to every queue name: lets several deployments (or test runs) share one Redis
    # or RabbitMQ without consuming each other's messages.
    queue_prefix: str = ""
    # PostgreSQL broker: how often a worker looks for due delayed messages (retries);
    # new messages wake it at once through LISTEN/NOTIFY.
    poll_interval_s: float = 1.0
    # PostgreSQL broker: a worker silent this long is dead and its messages are requeued.
    heartbeat_ttl_s: float = 60.0

    @classmethod
    def from_env(cls) -> JobOptions:
        return cls(
            max_retries=_int("SAAS_JOB_MAX_RETRIES", cls.max_retries),
            min_backoff_ms=_int("SAAS_JOB_MIN_BACKOFF_MS", cls.min_backoff_ms),
            max_backoff_ms=_int("SAAS_JOB_MAX_BACKOFF_MS", cls.max_backoff_ms),
            time_limit_ms=_int("SAAS_JOB_TIME_LIMIT_MS", cls.time_limit_ms),
            queue_prefix=os.environ.get("SAAS_JOB_QUEUE_PREFIX", ""),
        )
