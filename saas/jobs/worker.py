"""`saas worker`: consume every queue with dramatiq worker threads, in one or more processes.

Actors are found by importing the platform's own (`saas.jobs.outbox`), `saas.modules.<name>.jobs`
for each module that has one, plus the comma-separated modules of SAAS_WORKER_MODULES
(integrations, tests). Each worker process also runs the scheduler of the periodic jobs those
modules declare (saas.jobs.scheduler; one fires per period however many workers run), unless
SAAS_SCHEDULER=0. SIGTERM or SIGINT stops gracefully: running messages finish (up to
SAAS_WORKER_SHUTDOWN_SECONDS), unstarted ones stay in the broker for the next worker.

A supervisor that restarts a dead worker (`saas demo`, saas.ops.supervisor) gives each one an
identity (SAAS_WORKER_ID) and names the one it replaces (SAAS_WORKER_REPLACES): the new worker
takes the dead one's unfinished messages back at once (saas.jobs.broker.take_over).
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import multiprocessing
import os
import pkgutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from dramatiq import Worker

from saas.core.modules import registered_grants
from saas.db.server import resolve_database_url
from saas.jobs.actors import ACTORS
from saas.jobs.broker import check_broker, take_over
from saas.jobs.runtime import configure_jobs
from saas.jobs.scheduler import start_scheduler
from saas.logs import configure_logging
from saas.ops.heap import limit_malloc_arenas
from saas.ops.heap_trace import watch_heap_if_asked
from saas.ops.sentry import init_sentry
from saas.settings import Settings

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PLATFORM_ACTOR_MODULES = ("saas.jobs.outbox",)
WORKER_ID_ENV, REPLACES_ENV = "SAAS_WORKER_ID", "SAAS_WORKER_REPLACES"


def import_actor_modules() -> list[str]:
    """Import every module that declares actors; returns their names."""
    names = list(PLATFORM_ACTOR_MODULES)
    try:
        modules = importlib.import_module("saas.modules")
        for info in pkgutil.iter_modules(modules.__path__, "saas.modules."):
            if info.ispkg and importlib.util.find_spec(f"{info.name}.jobs") is not None:
                names.append(f"{info.name}.jobs")
    except ModuleNotFoundError:
        pass
    extra = os.environ.get("SAAS_WORKER_MODULES", "")
    names += [name.strip() for name in extra.split(",") if name.strip()]
    for name in names:
        importlib.import_module(name)
    # Every module's policy too: the hooks they register (the chat's system entries of report
    # statuses on ON_ANNOUNCE, its conversation of a new organization) act in jobs as well.
    registered_grants()
    return names


def serve_jobs(settings: Settings, database_url: str, threads: int) -> int:
    """One worker process: consume until SIGTERM/SIGINT."""

    limit_malloc_arenas()  # before any thread: dramatiq's threads share WORKER_ARENAS arenas
    watch_heap_if_asked("worker")  # SAAS_HEAP_WATCH_DIR (a soak): worker.jsonl
    init_sentry(settings)  # before the broker exists: the dramatiq integration hooks it
    modules = import_actor_modules()
    runtime = configure_jobs(settings, database_url)
    try:
        check_broker(runtime.broker)
    except Exception as exc:
        log.error(
            "the job broker is not usable (PostgreSQL broker: run `saas migrate` first): %s",
            exc,
        )
        runtime.broker.close()
        return 2
    replaces = [w for w in os.environ.get(REPLACES_ENV, "").split(",") if w]
    requeued = take_over(runtime.broker, os.environ.get(WORKER_ID_ENV) or None, replaces)
    if requeued:
        log.warning(
            "worker took back the unfinished messages of the worker it replaces",
            extra={"requeued": requeued, "replaces": replaces},
        )
    stop = threading.Event()
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: stop.set())
    worker = Worker(runtime.broker, worker_threads=threads, worker_timeout=1000)
    worker.start()
    scheduler = start_scheduler(settings, database_url, runtime.broker)
    log.info(
        "worker ready",
        extra={
            "broker": type(runtime.broker).__name__,
            "threads": threads,
            "actors": sorted(ACTORS),
            "modules": modules,
        },
    )
    stop.wait()
    log.info("worker stopping")
    if scheduler is not None:
        scheduler.stop()
    shutdown_ms = int(float(os.environ.get("SAAS_WORKER_SHUTDOWN_SECONDS", "30")) * 1000)
    worker.stop(timeout=shutdown_ms)
    runtime.broker.close()
    return 0


def _child(settings: Settings, database_url: str, threads: int) -> None:
    configure_logging(json_output=settings.log_json)
    sys.exit(serve_jobs(settings, database_url, threads))


def run_worker(settings: Settings, processes: int = 1, threads: int = 4) -> int:
    # Resolve (and, when embedded, start) the database once here, so worker processes share it.
    database_url = resolve_database_url(settings.database_url, settings.data_dir)
    if processes <= 1:
        return serve_jobs(settings, database_url, threads)
    for name in (WORKER_ID_ENV, REPLACES_ENV):  # one identity cannot name several processes
        os.environ.pop(name, None)
    context = multiprocessing.get_context("spawn")  # no inherited threads, pools or sockets
    children = [
        context.Process(target=_child, args=(settings, database_url, threads), name=f"worker-{n}")
        for n in range(processes)
    ]
    for child in children:
        child.start()
    stopping = threading.Event()

    def forward(signum: int, _frame: Any) -> None:
        stopping.set()
        for child in children:
            if child.pid and child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    for signum in STOP_SIGNALS:
        signal.signal(signum, forward)
    # A child that dies stops the others: the supervisor (systemd, Kubernetes) restarts the set.
    while all(child.is_alive() for child in children) and not stopping.is_set():
        time.sleep(0.5)
    signalled = stopping.is_set()
    forward(signal.SIGTERM, None)
    for child in children:
        child.join()
    return 0 if signalled else int(any(child.exitcode for child in children))


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the parent dies (Linux), so a killed demo
    leaves no orphan worker behind."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def start_worker_process(
    database_url: str,
    *,
    threads: int = 2,
    worker_id: str | None = None,
    replaces: list[str] | None = None,
) -> subprocess.Popen[bytes]:
    """`saas worker` as a child process (the demo's worker), on the parent's database; with
    an identity, and the identities of dead workers whose messages it takes back."""
    env = {**os.environ, "SAAS_DATABASE_URL": database_url}
    env.pop(WORKER_ID_ENV, None)
    env.pop(REPLACES_ENV, None)
    if worker_id:
        env[WORKER_ID_ENV] = worker_id
    if replaces:
        env[REPLACES_ENV] = ",".join(replaces)
    return subprocess.Popen(
        [sys.executable, "-m", "saas.cli", "worker", "--threads", str(threads)],
        env=env,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
        # Out of the terminal's process group: Ctrl-C reaches the parent only, which stops
        # the worker itself (a SIGINT during its start-up printed a KeyboardInterrupt).
        process_group=0,
    )


def stop_worker_process(process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
