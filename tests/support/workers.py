"""Real `saas worker` processes for the scheduler tests (poll them with
tests/support/waiting.py).

The suite runs with SAAS_SCHEDULER=0 (tests/conftest.py): a worker started by another test
must not run maintenance over the session's database. These workers turn it on, with the
maintenance jobs a test does not watch switched off (interval 0)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TypeVar

from saas.jobs import JobOptions, build_broker
from saas.jobs.actors import declare_all
from saas.settings import PROJECT_ROOT, Settings
from tests.support import jobs

T = TypeVar("T")

MAINTENANCE = (
    "DRIVE_PURGE",
    "STORAGE_RECONCILE",
    "NOTIFICATION_MAIL",
    "OUTBOX_SWEEP",
    "CHAT_NOTICE_REMINDER",
    "REQUEST_DEADLINE_WATCH",
)


def scheduling_env(
    settings: Settings,
    database_url: str,
    *,
    enabled: dict[str, str] | None = None,
    broker_url: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment of a scheduling worker on this session's database and storage (and
    broker: PostgreSQL unless `broker_url`), with a queue prefix of its own; `enabled` maps a
    maintenance job (e.g. "DRIVE_PURGE") to its interval, every other one is off."""
    env = {
        **os.environ,
        "SAAS_DATABASE_URL": database_url,
        "SAAS_BROKER_URL": broker_url or "",
        "SAAS_JOB_QUEUE_PREFIX": f"s{uuid.uuid4().hex[:8]}_",
        "SAAS_LOG_JSON": "0",
        "SAAS_DATA_DIR": str(settings.data_dir),
        "SAAS_STORAGE_URL": settings.storage_url,
        "SAAS_SECRET_KEY": settings.secret_key,
        "SAAS_BASE_DOMAIN": settings.base_domain,
        "SAAS_SCHEDULER": "1",
    }
    for name in MAINTENANCE:
        env[f"SAAS_SCHEDULE_{name}_SECONDS"] = (enabled or {}).get(name, "0")
    env.update(extra)
    return env


class WorkerProcess:
    """`saas worker --threads 1` with its output in a file."""

    def __init__(self, env: dict[str, str], log: Path):
        self.path = log
        self._file = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "saas.cli", "worker", "--threads", "1"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self._file,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.path.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._file.close()
        return int(self.process.returncode)


def drop_queues(env: dict[str, str]) -> None:
    """Delete the queues a Redis or RabbitMQ worker of `env` declared (every actor imported
    here; the PostgreSQL broker keeps none of its own)."""
    if not env["SAAS_BROKER_URL"]:
        return
    options = JobOptions(queue_prefix=env["SAAS_JOB_QUEUE_PREFIX"])
    broker = build_broker(env["SAAS_BROKER_URL"], env["SAAS_DATABASE_URL"], options)
    try:
        declare_all(broker)
        jobs.drop_queues(broker)
    finally:
        broker.close()
