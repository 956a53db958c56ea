"""The periodic jobs' scheduler (saas.jobs.scheduler, inside `saas worker`): however many
workers run, each period fires once, per firm, as a normal tenant job.

Two real `saas worker` processes run the probe job of tests/support/scheduler_probe.py every
second; each message records the period it was fired for in its firm's `jobs` table."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from saas.jobs.periodic import claim_period
from saas.settings import Settings
from saas.tenants.provisioning import provision_tenant, schema_for
from tests.support.brokers import brokers
from tests.support.scheduler_probe import KIND
from tests.support.waiting import eventually
from tests.support.workers import WorkerProcess, drop_queues, scheduling_env

PERIODS = 4


def probe_rows(db_engine: sa.Engine, slug: str) -> list[tuple[int, int]]:
    """(period, worker pid) of every probe message run in the firm."""
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.text(f'SELECT params FROM "{schema_for(slug)}".jobs WHERE kind = :kind'),
            {"kind": KIND},
        ).scalars()
        return [(int(p["period"]), int(p["pid"])) for p in rows]


def test_racing_claims_fire_a_period_once(db_engine: sa.Engine) -> None:
    name = f"race-{uuid.uuid4().hex[:8]}"
    start = threading.Barrier(8)

    def attempt(period: int, interval: int = 60) -> bool:
        with db_engine.begin() as conn:
            start.wait(timeout=10)
            return claim_period(conn, name, interval, period)

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(attempt, [1000] * 8)) == [False] * 7 + [True]
        assert sorted(pool.map(attempt, [1000] * 8)) == [False] * 8  # that period is done
        assert sorted(pool.map(attempt, [1001] * 8)) == [False] * 7 + [True]

    def alone(period: int, interval: int) -> bool:
        with db_engine.begin() as conn:
            return claim_period(conn, name, interval, period)

    assert alone(999, 60) is False  # never backwards
    # A new interval counts periods on another scale (here smaller numbers): it fires.
    assert alone(17, 3600) is True and alone(17, 3600) is False


@pytest.mark.parametrize(
    "broker_url", brokers("redis", "rabbitmq", why="scheduler tests (tests/test_scheduler.py)")
)
def test_two_workers_fire_each_period_once_per_firm(
    broker_url: str | None,
    settings: Settings,
    database_url: str,
    db_engine: sa.Engine,
    tmp_path: Path,
) -> None:
    slugs = [f"sched-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for slug in slugs:
        provision_tenant(db_engine, slug, f"Scheduler {slug}")
    env = scheduling_env(
        settings,
        database_url,
        broker_url=broker_url,
        SAAS_WORKER_MODULES="tests.support.scheduler_probe",
        SAAS_TEST_PROBE_SECONDS="1",
        SAAS_TEST_PROBE_FIRMS=",".join(slugs),
    )
    workers = [WorkerProcess(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    try:
        eventually(
            lambda: all("scheduler started" in w.output() for w in workers),
            within=60,
            what="both workers' schedulers started",
        )
        # The first period that starts after both schedulers run: from there on both race.
        first = int(time.time()) + 1
        wanted = set(range(first, first + PERIODS))
        eventually(
            lambda: all(wanted <= {p for p, _ in probe_rows(db_engine, s)} for s in slugs),
            within=60,
            what=f"periods {sorted(wanted)} recorded in both firms",
        )
    finally:
        codes = [w.stop() for w in workers]
        drop_queues(env)
    logs = [w.output() for w in workers]
    assert codes == [0, 0], logs

    for slug in slugs:
        runs = Counter(p for p, _ in probe_rows(db_engine, slug) if p in wanted)
        assert runs == Counter({p: 1 for p in wanted}), (slug, runs)
    # The schedulers' own account: each period fired by one of them, never both.
    fired = Counter(
        int(period)
        for log in logs
        for period in re.findall(r"periodic job scheduler_probe fired: period (\d+)", log)
    )
    assert {p: fired[p] for p in wanted} == {p: 1 for p in wanted}, fired
    # Both workers ran the firms' messages' worth of processes: rows name real worker pids.
    pids = {pid for slug in slugs for p, pid in probe_rows(db_engine, slug) if p in wanted}
    assert pids <= {w.pid for w in workers}
