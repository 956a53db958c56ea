"""A job worker killed in the middle of an import: `saas demo`'s supervisor starts a new one
(logged), the new one takes the dead one's message back at once, and the import resumes after
its last committed batch with true counters (`done` never goes back, no row counted twice).

The worker is the real `saas worker` in a child process (saas.ops.supervisor.WorkerChild),
on this run's database and a queue prefix of its own; the API is the session's live server.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid
from collections.abc import Iterator

import orjson
import pytest
import sqlalchemy as sa
from strawberry.relay import GlobalID

from saas.jobs import JobOptions, build_broker
from saas.ops.supervisor import Supervisor, WorkerChild
from saas.settings import Settings
from saas.tenants.provisioning import schema_for
from tests.support.brokers import brokers
from tests.support.firms import Firm
from tests.support.jobs import drop_queues, jobs_on
from tests.support.reports import (
    IMPORT,
    World,
    at,
    build_world,
    external_id,
    new_report,
    record,
    wait_done,
)
from tests.support.waiting import eventually

# Below the PostgreSQL broker's heartbeat TTL (60 s): only the hand-off makes it in time.
WITHIN = 40.0
# How long the rest of an import may take on a busy machine.
FINISH_WITHIN = 180.0


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


# Brokers that give a dead worker's message back at once: PostgreSQL (the supervisor's
# hand-off) and RabbitMQ (unacknowledged when the connection drops). Redis waits for its
# 60 s heartbeat timeout (docs/operate.md), so it is not among them.
REDELIVERING = brokers("rabbitmq", why="worker recovery (tests/test_worker_recovery.py)")


@pytest.fixture
def supervised(
    request: pytest.FixtureRequest,
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Supervisor]:
    """The API enqueues on a broker (PostgreSQL unless the test names another) with a fresh
    queue prefix; a supervised `saas worker` child consumes it."""
    broker_url = getattr(request, "param", None)
    prefix = f"r{uuid.uuid4().hex[:8]}_"
    for name, value in {
        "SAAS_BROKER_URL": broker_url or "",
        "SAAS_JOB_QUEUE_PREFIX": prefix,
        "SAAS_DATA_DIR": str(settings.data_dir),
        "SAAS_BASE_DOMAIN": settings.base_domain,
        "SAAS_LOG_JSON": "0",
    }.items():
        monkeypatch.setenv(name, value)
    options = JobOptions(queue_prefix=prefix, poll_interval_s=0.1)
    broker = build_broker(broker_url, database_url, options)
    with jobs_on(settings, database_url, broker, options):
        supervisor = Supervisor(
            WorkerChild(database_url, threads=1), min_backoff=0.5, poll=0.1
        ).start()
        try:
            yield supervisor
        finally:
            supervisor.stop()
    drop_queues(broker)
    broker.close()


def job_pk(import_id: str) -> int:
    return int(GlobalID.from_id(import_id).node_id)


def job_done(db_engine: sa.Engine, firm: Firm, job_id: int) -> tuple[str, int]:
    with db_engine.connect() as conn:
        row = conn.execute(
            sa.text(f'SELECT status, done FROM "{schema_for(firm.slug)}".jobs WHERE id = :id'),
            {"id": job_id},
        ).one()
    return str(row.status), int(row.done)


class DoneWatcher:
    """Every value `done` takes while the import runs (read every 10 ms)."""

    def __init__(self, db_engine: sa.Engine, firm: Firm, job_id: int):
        self.seen: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(db_engine, firm, job_id), daemon=True
        )
        self._thread.start()

    def _run(self, db_engine: sa.Engine, firm: Firm, job_id: int) -> None:
        while not self._stop.wait(0.01):
            done = job_done(db_engine, firm, job_id)[1]
            if not self.seen or self.seen[-1] != done:
                self.seen.append(done)

    def stop(self) -> list[int]:
        self._stop.set()
        self._thread.join(5)
        return self.seen


def kill_mid_import(
    supervisor: Supervisor, db_engine: sa.Engine, firm: Firm, job_id: int, total: int
) -> int:
    """SIGKILL the worker once some batches of the import are committed, not all."""

    def half_done() -> bool:
        status, done = job_done(db_engine, firm, job_id)
        if not (status in ("queued", "running") and done <= total // 2):
            pytest.fail(f"the import got past half before the kill: {status}, {done}")
        return status == "running" and done > 0

    eventually(half_done, within=WITHIN, every=0.005, what="the import's first batches")
    killed = supervisor.pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    return killed


def wait_resumed(db_engine: sa.Engine, firm: Firm, job_id: int, total: int) -> None:
    """The killed worker's import makes progress again, well before the broker's heartbeat
    TTL would have given its message back."""
    _, before = job_done(db_engine, firm, job_id)

    def resumed() -> bool:
        status, done = job_done(db_engine, firm, job_id)
        assert done > before or status == "done", (status, done)
        return True

    eventually(resumed, within=WITHIN, what="the import to resume")


def import_rows(world: World, n: int) -> tuple[list[str], dict[str, int]]:
    """`n` lines over three reports: 3 already recorded (duplicates), every 97th line an
    unknown kind (refused), the rest new events. Returns the lines and the true counters."""
    c = world.integrator_a
    reports = [new_report(c, world.org1)["id"] for _ in range(3)]
    known = []
    for i, report in enumerate(reports):
        ext = external_id("known")
        record(c, report, "SENT", at(i), ext)
        known.append(orjson.dumps({"reportId": report, "externalId": ext, "kind": "SENT",
                                   "occurredAt": at(i).isoformat()}).decode())  # fmt: skip
    lines: list[str] = []
    for i in range(n - len(known)):
        kind = "teleported" if i % 97 == 0 else "sent"
        row = {
            "reportId": reports[i % 3],
            "externalId": external_id("bulk"),
            "kind": kind,
            "occurredAt": at(10 + i).isoformat(),
        }
        lines.append(orjson.dumps(row).decode())
    # The duplicates come last: a restart from line 1 would count the killed attempt's rows
    # as duplicates too.
    lines += known
    failed = sum(1 for i in range(n - len(known)) if i % 97 == 0)
    return lines, {"recorded": n - len(known) - failed, "duplicates": len(known), "failed": failed}


@pytest.mark.parametrize("supervised", REDELIVERING, indirect=True)
def test_killed_worker_is_restarted_and_its_job_completes(
    world: World,
    supervised: Supervisor,
    db_engine: sa.Engine,
    firms: dict[str, Firm],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="saas.ops.supervisor")
    lines, _ = import_rows(world, 1000)
    started = world.integrator_a.execute(IMPORT, {"lines": "\n".join(lines)})["importReportEvents"]
    job_id = job_pk(started["id"])
    killed = kill_mid_import(supervised, db_engine, firms["a"], job_id, len(lines))
    # Submitted while no worker runs: it waits in the queue for the new one.
    pending_lines, pending_counts = import_rows(world, 10)
    pending = world.integrator_a.execute(IMPORT, {"lines": "\n".join(pending_lines)})
    eventually(lambda: supervised.restarts >= 1, within=WITHIN, what="the worker's replacement")
    assert supervised.pid not in (None, killed)
    messages = [r.getMessage() for r in caplog.records if r.name == "saas.ops.supervisor"]
    assert "job worker died (killed by SIGKILL): restarting in 0.5 s" in messages, messages
    assert f"job worker restarted (pid {supervised.pid})" in messages, messages
    restarted = next(r for r in caplog.records if r.getMessage().startswith("job worker restarted"))
    assert restarted.pid == supervised.pid  # type: ignore[attr-defined]

    wait_resumed(db_engine, firms["a"], job_id, len(lines))
    state = wait_done(world, started["id"], within=FINISH_WITHIN)
    assert (state["status"], state["done"]) == ("DONE", len(lines)), state
    state = wait_done(world, pending["importReportEvents"]["id"], within=FINISH_WITHIN)
    assert state["status"] == "DONE", state
    counts = {k: state[k] for k in pending_counts}
    assert counts == pending_counts


def test_import_resumes_after_the_last_committed_batch_with_true_counters(
    world: World, supervised: Supervisor, db_engine: sa.Engine, firms: dict[str, Firm]
) -> None:
    lines, expected = import_rows(world, 1500)
    started = world.integrator_a.execute(IMPORT, {"lines": "\n".join(lines)})["importReportEvents"]
    job_id = job_pk(started["id"])
    watcher = DoneWatcher(db_engine, firms["a"], job_id)
    try:
        kill_mid_import(supervised, db_engine, firms["a"], job_id, len(lines))
        wait_resumed(db_engine, firms["a"], job_id, len(lines))
        state = wait_done(world, started["id"], within=FINISH_WITHIN)
    finally:
        seen = watcher.stop()
    assert supervised.restarts == 1
    assert state["status"] == "DONE", state
    # The same counters as an uninterrupted import of these lines: each row counted once.
    assert {k: state[k] for k in expected} == expected, state
    assert (state["done"], state["total"]) == (len(lines), len(lines))
    assert len(state["errors"]) == expected["failed"]
    lines_refused = [e["line"] for e in state["errors"]]
    assert lines_refused == sorted(set(lines_refused))
    # `done` only ever grew, and the kill happened mid-way.
    assert seen == sorted(seen), seen
    assert any(0 < d < len(lines) for d in seen), seen
    with db_engine.connect() as conn:
        events = conn.execute(
            sa.text(
                f'SELECT count(*) FROM "{schema_for(firms["a"].slug)}".report_events '
                "WHERE external_id = ANY(:ids)"
            ),
            {"ids": [orjson.loads(line)["externalId"] for line in lines]},
        ).scalar_one()
    assert events == expected["recorded"] + expected["duplicates"]
