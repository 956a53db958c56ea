"""The scheduler inside `saas worker`: APScheduler (3.x, a background thread) fires each
periodic job (saas.jobs.periodic) on an interval aligned to the Unix epoch, so every worker's
scheduler aims at the same instants and the period claim lets exactly one of them fire.

At start every job also gets one immediate firing: a period missed while no worker ran (a
daily purge over a restart at midnight) is fired then, unless another worker already did.
SAAS_SCHEDULER=0 leaves the worker without a scheduler; an interval of 0 turns one job off.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from saas.db.server import sqlalchemy_url
from saas.jobs.models import ScheduledRun
from saas.jobs.periodic import PERIODIC, PeriodicJob, fire
from saas.settings import Settings

log = logging.getLogger(__name__)
# APScheduler logs every run of every trigger at INFO; ours say what was fired.
logging.getLogger("apscheduler").setLevel(logging.WARNING)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Scheduler:
    """The periodic jobs of one worker process; `start()` then `stop()`."""

    def __init__(self, settings: Settings, database_url: str, broker: Any):
        self.settings, self.broker = settings, broker
        # Its own small pool (a claim is one short transaction; saas.db.migrate imports jobs).
        self.engine = sa.create_engine(
            sqlalchemy_url(database_url), pool_size=1, max_overflow=1, hide_parameters=True
        )
        self.jobs = {
            job.name: (job, interval)
            for job in PERIODIC.values()
            if (interval := job.interval(settings)) > 0
        }
        self._aps = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )

    def _fire(self, job: PeriodicJob, interval: int) -> None:
        try:
            fire(job, self.engine, self.broker, interval)
        except Exception:
            # The database or the broker is away: the next trigger tries again.
            log.exception("periodic job could not fire", extra={"job": job.name})

    def start(self) -> Scheduler:
        now = datetime.now(UTC)
        for name, (job, interval) in self.jobs.items():
            args = (job, interval)
            self._aps.add_job(
                self._fire,
                IntervalTrigger(seconds=interval, start_date=EPOCH, timezone=UTC),
                args=args,
                id=name,
                misfire_grace_time=max(1, interval // 2),
            )
            self._aps.add_job(self._fire, DateTrigger(now, timezone=UTC), args=args)
        self._aps.start()
        every = {name: interval for name, (_, interval) in self.jobs.items()}
        log.info("scheduler started: %s", every, extra={"periodic": every})
        return self

    def stop(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=True)
        self.engine.dispose()
        log.info("scheduler stopped")


def start_scheduler(settings: Settings, database_url: str, broker: Any) -> Scheduler | None:
    """The worker's scheduler, started, or None when SAAS_SCHEDULER=0."""
    if not settings.scheduler:
        log.info("scheduler off (SAAS_SCHEDULER=0)")
        return None
    return Scheduler(settings, database_url, broker).start()


def last_runs(engine: sa.Engine) -> dict[str, int]:
    """name -> last period fired (for operators and tests)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ScheduledRun.name, ScheduledRun.last_period))
        return {str(name): int(period) for name, period in rows}
