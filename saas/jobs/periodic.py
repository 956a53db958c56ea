"""Periodic jobs: what the worker's scheduler (saas.jobs.scheduler) fires, and the claim that
makes one scheduler fire each period however many workers run.

A module declares its periodic jobs next to their actors:

    periodic(purge_deleted_files, every=lambda s: s.schedule.drive_purge_seconds)

Time is cut into periods of `every` seconds counted from the Unix epoch (a daily job's period
is the UTC day). When a scheduler's trigger fires, it claims the current period of the job in
one shared-schema transaction: `pg_try_advisory_xact_lock` (another scheduler claiming the
same job right now makes this one skip without waiting) and an upsert of the job's
`shared.scheduled_runs` row that only moves `last_period` forward (the row decides even if
the lock were not there). The winner then enqueues one message of the job's tenant actor per
active firm: a normal job, its tenant in the message. A crash between the claim and the
enqueue loses that period (at most once); the next period runs as usual.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from saas.jobs.actors import PERIODIC_OPTION, TenantActor, build_message
from saas.jobs.models import ScheduledRun
from saas.settings import Settings
from saas.tenants.models import Tenant

log = logging.getLogger(__name__)

# First key of the advisory lock taken while claiming a period (the second: the job's name).
LOCK_CLASS = 0x5C4ED  # "sched"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    actor: TenantActor
    every: Callable[[Settings], float]
    # The message gets the claimed period under this keyword (None: no extra keyword).
    period_kwarg: str | None = None

    def interval(self, settings: Settings) -> int:
        """Seconds between two firings; 0 turns the job off."""
        return max(0, int(self.every(settings)))


PERIODIC: dict[str, PeriodicJob] = {}


def periodic(
    actor: TenantActor,
    *,
    every: Callable[[Settings], float],
    name: str | None = None,
    period_kwarg: str | None = None,
) -> PeriodicJob:
    """Fire `actor` for every active firm once per `every(settings)` seconds (0: never)."""
    job = PeriodicJob(name or actor.name, actor, every, period_kwarg)
    previous = PERIODIC.get(job.name)
    if previous is not None and previous.actor.source != actor.source:
        raise ValueError(f"two periodic jobs named {job.name!r}")
    PERIODIC[job.name] = job
    return job


def period_of(interval: int, now: float | None = None) -> int:
    return int((time.time() if now is None else now) // interval)


def claim_period(conn: sa.Connection, name: str, interval: int, period: int) -> bool:
    """In the caller's transaction: True if this caller fires `period` of job `name`."""
    locked = conn.scalar(
        sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_CLASS, sa.func.hashtext(name)))
    )
    if not locked:
        return False
    row = pg_insert(ScheduledRun).values(
        name=name, last_period=period, interval_seconds=interval, fired_at=sa.func.now()
    )
    current = ScheduledRun.__table__.c
    statement = row.on_conflict_do_update(
        index_elements=[current.name],
        set_={
            "last_period": row.excluded.last_period,
            "interval_seconds": row.excluded.interval_seconds,
            "fired_at": row.excluded.fired_at,
        },
        # A changed interval counts periods on another scale: the new one starts afresh.
        where=(current.last_period < period) | (current.interval_seconds != interval),
    ).returning(current.name)
    return conn.execute(statement).first() is not None


def active_tenants(conn: sa.Connection) -> list[tuple[int, str]]:
    rows = conn.execute(
        sa.select(Tenant.id, Tenant.slug).where(Tenant.status == "active").order_by(Tenant.id)
    )
    return [(int(tenant_id), str(slug)) for tenant_id, slug in rows]


def fire(
    job: PeriodicJob, engine: sa.Engine, broker: Any, interval: int, now: float | None = None
) -> int | None:
    """Claim the job's current period and, if won, enqueue it for every active firm.
    Returns the period fired, or None when another scheduler had it."""
    period = period_of(interval, now)
    with engine.begin() as conn:
        if not claim_period(conn, job.name, interval, period):
            log.debug(
                "periodic job %s: period %d already fired",
                job.name,
                period,
                extra={"job": job.name, "period": period},
            )
            return None
        tenants = active_tenants(conn)
    extra: dict[str, Any] = {job.period_kwarg: period} if job.period_kwarg else {}
    sent = failed = 0
    for tenant_id, slug in tenants:
        try:
            message = build_message(broker, tenant_id, job.actor, extra, label=slug)
            broker.enqueue(message.copy(options={**message.options, PERIODIC_OPTION: job.name}))
            sent += 1
        except Exception:
            failed += 1
            log.exception("could not enqueue a periodic job", extra={"job": job.name})
    log.info(
        "periodic job %s fired: period %d, %d firms (%d not enqueued)",
        job.name,
        period,
        sent,
        failed,
        extra={"job": job.name, "period": period, "firms": sent, "failed": failed},
    )
    return period
