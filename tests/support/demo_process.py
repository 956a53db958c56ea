"""`saas demo` (or `make demo`) as its own process group on a free port and a data folder of
its own, and what is left of it: every process whose command line or environment names the
folder (the demo, its worker, the embedded PostgreSQL's postmaster and backends, make)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from saas.settings import PROJECT_ROOT
from tests.support.server import free_port
from tests.support.waiting import eventually


def demo_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any SAAS_* setting (the embedded defaults, as a
    newcomer's `make demo` has), the folder, plain logs and a short grace period."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAAS_")}
    env.update(
        SAAS_DATA_DIR=str(data_dir),
        SAAS_LOG_JSON="0",
        SAAS_SHUTDOWN_GRACE_SECONDS="3",
        SAAS_WORKER_SHUTDOWN_SECONDS="3",
        **extra,
    )
    return env


class Demo:
    def __init__(self, data_dir: Path, log: Path, *, through_make: bool = False):
        self.data_dir, self.log, self.port = data_dir, log, free_port()
        # `make demo` after its prerequisites (-o: taken as done), or the command it runs.
        command = (
            ["make", "--no-print-directory", "-o", "install", "-o", "web", "demo"]
            + [f"DEMO_ARGS=--port {self.port}"]
            if through_make
            else [sys.executable, "-m", "saas.cli", "demo", "--port", str(self.port)]
        )
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=demo_environment(data_dir),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal's job is
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_answering(self, timeout: float = 180) -> None:
        """Until /healthz answers 200 and the worker runs."""

        def answering() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"the demo ended early:\n{self.output()}")
            try:
                answered = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
            except httpx.HTTPError:
                return False
            workers = processes_of(self.data_dir).values()
            return answered.status_code == 200 and any("saas.cli worker" in p for p in workers)

        try:
            eventually(answering, within=timeout, every=0.3, what="the demo to answer")
        except AssertionError as late:
            raise AssertionError(f"{late}:\n{self.output()}") from None

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"still running {timeout} s later:\n{self.output()}") from exc


def processes_of(data_dir: Path) -> dict[int, str]:
    """pid -> command line of every process naming the folder in its command line or
    environment (read from /proc: the process table, not the demo's own word)."""
    marker = str(data_dir).encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker in cmdline or marker in environ:
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def postmasters_of(data_dir: Path) -> dict[int, str]:
    return {
        pid: cmd
        for pid, cmd in processes_of(data_dir).items()
        if "/postgres " in cmd and " -D " in cmd
    }


def wait_gone(data_dir: Path, timeout: float = 10) -> dict[int, str]:
    """What is still running of the folder after `timeout` seconds (empty: all gone)."""
    try:
        eventually(lambda: not processes_of(data_dir), within=timeout, every=0.1)
    except AssertionError:
        pass
    return processes_of(data_dir)


def port_is_free(port: int) -> bool:
    """Nobody listens: a connection is refused and a listener can take the port."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no user
        try:
            listener.bind(("127.0.0.1", port))
            listener.listen()
        except OSError:
            return False
    return True


def kill_everything_of(data_dir: Path) -> None:
    """A failed test's leftovers (SIGKILL): never leave a server running after the test."""
    for pid in processes_of(data_dir):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
