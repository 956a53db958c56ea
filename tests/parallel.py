"""`make test`: the suite in three pytest processes at once (the browser tests in tests/e2e;
tests/modules with tests/test_[a-c]*; tests/test_[d-z]*: ~6-7 minutes each on this machine),
then their reports one after the other.

Why these processes and not pytest-xdist: Playwright's sync API keeps an event loop running in
the process that drove a browser, so asyncio tests cannot run after a browser test in the same
process (tests/conftest.py orders them last for a single process). Each process has its own
database (tests.support.database.fresh_database), its own temporary folder, its own live
servers on free ports and its own job queues; they share the PostgreSQL server (the machine's
or the embedded one, started first by this runner) and Chromium's binary.

Arguments are passed to every process. With paths or `-k` (anything selecting tests), the
selection runs as one plain pytest process instead: `python -m tests.parallel tests/x.py`.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from saas.db.server import start_embedded, stop_embedded

ROOT = Path(__file__).resolve().parent.parent
BROWSER_TESTS = "tests/e2e"
NOT_BROWSER = ["tests", f"--ignore={BROWSER_TESTS}"]
EMBEDDED_DATA = ROOT / ".data"


def selects_tests(args: list[str]) -> bool:
    """Whether the arguments name tests (a path, a node id, -k or -m) rather than options."""
    return any(
        not arg.startswith("-") or arg in ("-k", "-m") or arg.startswith(("-k=", "-m="))
        for arg in args
    )


@dataclass
class Part:
    name: str
    selection: list[str]
    # Added to the process's nice value: the browser tests wait on timeouts a starved server
    # would miss, so the other parts yield the CPU to them.
    niceness: int = 0
    log: Path = Path()
    process: subprocess.Popen[bytes] | None = None

    def start(self, out: Path, number: int, args: list[str]) -> None:
        self.log = out / f"part{number}.log"
        command = [
            sys.executable,
            "-m",
            "pytest",
            f"--basetemp={out / f'tmp{number}'}",
            f"--junitxml={out / f'part{number}.xml'}",
            *self.selection,
            *args,
        ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=(lambda: os.nice(self.niceness)) if self.niceness else None,
            )

    def wait(self, ended: queue.Queue[Part]) -> None:
        assert self.process is not None
        self.process.wait()
        ended.put(self)


def main(args: list[str]) -> int:
    if selects_tests(args):
        return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT)
    out = ROOT / "build" / "pytest"
    out.mkdir(parents=True, exist_ok=True)
    parts = [
        Part("browser (Chromium)", [BROWSER_TESTS]),
        Part(
            "modules and tests/test_[a-c]*",
            [*NOT_BROWSER, "--ignore-glob=tests/test_[d-z]*"],
            niceness=10,
        ),
        Part(
            "tests/test_[d-z]*",
            [*NOT_BROWSER, "--ignore=tests/modules", "--ignore-glob=tests/test_[a-c]*"],
            niceness=10,
        ),
    ]
    if not os.environ.get("SAAS_TEST_DATABASE_URL"):
        # Started here, alone, so that it runs with its settings (300 connections for the
        # parts' pools, saas.db.server.EMBEDDED_SETTINGS) before the parts share it.
        start_embedded(EMBEDDED_DATA)
    started = time.monotonic()
    ended: queue.Queue[Part] = queue.Queue()
    for number, part in enumerate(parts):
        part.start(out, number, args)
        threading.Thread(target=part.wait, args=(ended,), daemon=True).start()
    print(f"make test: {len(parts)} pytest processes at once; their reports follow.", flush=True)
    codes: list[int] = []
    try:
        for _ in parts:  # each part's report as it ends
            part = ended.get()
            assert part.process is not None
            codes.append(part.process.returncode)
            elapsed = time.monotonic() - started
            print(f"\n===== {part.name}: exit {codes[-1]} after {elapsed:.0f} s =====")
            sys.stdout.write(part.log.read_text(errors="replace"))
            sys.stdout.flush()
    finally:
        for part in parts:  # interrupted: stop what still runs
            if part.process is not None and part.process.poll() is None:
                part.process.terminate()
        stop_embedded(EMBEDDED_DATA)  # stops it unless another process still uses it
    total = time.monotonic() - started
    failed = [code for code in codes if code != 0]
    print(f"\nmake test: {len(codes)} parts in {total:.0f} s, {len(failed)} failed.")
    return failed[0] if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
