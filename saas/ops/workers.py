"""`saas serve --workers N`: N API processes on one listening socket, so the API uses every core.

The parent binds the socket once, then starts N workers (spawned, not forked: each imports
the app afresh, so the database pool, the LISTEN connection, the broker and the job runtime
are made by the worker's own lifespan, never shared across a fork). Each worker runs the same
app under `saas.ops.shutdown.serve` on the inherited socket; the kernel hands each new
connection to one of them. Live events already travel through PostgreSQL (the outbox's
NOTIFY, `kabinet_auth`, cache drops), so a subscriber on one worker hears a write made on
another, as it does across hosts.

The parent serves nothing. It restarts a worker that dies (logged), and on SIGTERM/SIGINT
sends SIGTERM to every worker (each drains its requests and closes its WebSockets with 1001
within SAAS_SHUTDOWN_GRACE_SECONDS), waits for them and exits 0; a worker still alive a second
after the grace period is killed. A worker whose app cannot start stops the parent (status 1):
restarting it would fail the same way forever.

uvicorn's own `Multiprocess` supervisor is not reused: its workers run a plain
`uvicorn.Server` built from a config holding the app object (pickled into a spawned child),
where ours build the app in the child and run the GracefulServer.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn

from saas.settings import Settings

log = logging.getLogger(__name__)

STARTUP_FAILURE = 3  # a worker's exit status when its app did not start (as uvicorn's)
# How often the parent looks at its workers.
WATCH_SECONDS = 0.5


# A worker's body: (settings, the bound socket, uvicorn's options), run in the spawned process.
# It builds the app there and serves it on the socket (`saas.cli.serve_worker`); a module-level
# function, since the spawn pickles it by name.
Worker = Callable[[Settings, socket.socket, dict[str, Any]], None]


def exit_with_parent() -> None:
    """In a worker: stop gracefully (SIGTERM to itself) once the parent is gone (killed
    outright): an orphan would go on serving the socket, its pools held, unsupervised."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        log.warning("API parent process %s is gone: worker %s stopping", parent, os.getpid())
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


class Supervisor:
    def __init__(
        self,
        target: Worker,
        settings: Settings,
        workers: int,
        host: str,
        port: int,
        **options: Any,
    ):
        self.target = target
        self.settings = settings
        self.count = workers
        self.host, self.port = host, port
        self.options = options
        self.context = multiprocessing.get_context("spawn")
        self.stopping = threading.Event()
        self.processes: list[BaseProcess] = []
        self.socket: socket.socket | None = None

    def _start_worker(self) -> BaseProcess:
        assert self.socket is not None
        process = self.context.Process(
            target=self.target,
            args=(self.settings, self.socket, self.options),
            name="saas-serve-worker",
        )
        process.start()
        log.info("API worker %s started", process.pid, extra={"pid": process.pid})
        return process

    def _stop_asked(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; the exit status (0, or 1 if a worker could not start)."""
        # The app is built in each worker; the config here only binds the socket.
        bind = uvicorn.Config(app="saas.app:create_app", host=self.host, port=self.port)
        self.socket = bind.bind_socket()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop_asked)
        log.info(
            "API parent process serving with workers",
            extra={"pid": os.getpid(), "workers": self.count, "port": self.port},
        )
        status = 0
        self.processes = [self._start_worker() for _ in range(self.count)]
        try:
            while not self.stopping.wait(WATCH_SECONDS):
                if not self._keep_alive():
                    status = 1
                    break
        finally:
            self._stop_all()
            self.socket.close()
        log.info("API parent process stopped", extra={"pid": os.getpid(), "status": status})
        return status

    def _keep_alive(self) -> bool:
        """Restarts the workers that died; False if one could not start its app."""
        for index, process in enumerate(self.processes):
            if process.is_alive() or self.stopping.is_set():
                continue
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                log.error(
                    "API worker %s failed to start its app: stopping",
                    process.pid,
                    extra={"pid": process.pid},
                )
                return False
            log.warning(
                "API worker %s died (exit status %s): restarting it",
                process.pid,
                process.exitcode,
                extra={"pid": process.pid, "exitcode": process.exitcode},
            )
            self.processes[index] = self._start_worker()
        return True

    def _stop_all(self) -> None:
        alive = [p for p in self.processes if p.is_alive()]
        for process in alive:
            if process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds + 1
        for process in alive:
            process.join(max(deadline - time.monotonic(), 0))
        for process in alive:
            if process.is_alive():
                log.error(
                    "API worker %s outlived the grace period: killed",
                    process.pid,
                    extra={"pid": process.pid},
                )
                process.kill()
                process.join()


def serve_workers(
    target: Worker, settings: Settings, workers: int, host: str, port: int, **options: Any
) -> int:
    return Supervisor(target, settings, workers, host, port, **options).run()
