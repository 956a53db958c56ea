"""`make test`: the suite in two pytest processes at once, the browser tests (tests/e2e) in one
and everything else in the other, then both reports one after the other.

Why two processes and not pytest-xdist: Playwright's sync API keeps an event loop running in
the process that drove a browser, so asyncio tests cannot run after a browser test in the same
process (tests/conftest.py orders them last for a single process). Each process has its own
database (tests.support.database.fresh_database), its own temporary folder, its own live
servers on free ports and its own job queues; they share the PostgreSQL server (the machine's
or the embedded one) and Chromium's binary.

Arguments are passed to both processes. With paths or `-k` (anything selecting tests), the
selection runs as one plain pytest process instead: `python -m tests.parallel tests/x.py`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROWSER_TESTS = "tests/e2e"


def selects_tests(args: list[str]) -> bool:
    """Whether the arguments name tests (a path, a node id, -k or -m) rather than options."""
    return any(
        not arg.startswith("-") or arg in ("-k", "-m") or arg.startswith(("-k=", "-m="))
        for arg in args
    )


def main(args: list[str]) -> int:
    python = sys.executable
    if selects_tests(args):
        return subprocess.call([python, "-m", "pytest", *args], cwd=ROOT)
    out = ROOT / "build" / "pytest"
    out.mkdir(parents=True, exist_ok=True)
    parts = {
        "API, jobs and everything but the browser": [f"--ignore={BROWSER_TESTS}"],
        "browser (Chromium)": [BROWSER_TESTS],
    }
    started = time.monotonic()
    running = []
    for number, (name, selection) in enumerate(parts.items()):
        log = out / f"part{number}.log"
        command = [
            python,
            "-m",
            "pytest",
            f"--basetemp={out / f'tmp{number}'}",
            *selection,
            *args,
        ]
        handle = log.open("wb")
        process = subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
        running.append((name, process, log, handle))
    print(f"make test: {len(running)} pytest processes at once; their reports follow.", flush=True)
    codes: list[int] = []
    pending = list(running)
    try:
        wait_for(pending, started, codes)
    finally:
        for _, process, _, _ in pending:  # interrupted: stop what still runs
            process.terminate()
    total = time.monotonic() - started
    failed = [code for code in codes if code != 0]
    print(f"\nmake test: {len(codes)} parts in {total:.0f} s, {len(failed)} failed.")
    return failed[0] if failed else 0


def wait_for(pending: list, started: float, codes: list[int]) -> None:  # type: ignore[type-arg]
    """Print each part's report as it ends; its exit code goes to `codes`."""
    while pending:
        for entry in list(pending):
            name, process, log, handle = entry
            if process.poll() is None:
                continue
            pending.remove(entry)
            handle.close()
            elapsed = time.monotonic() - started
            print(f"\n===== {name}: exit {process.returncode} after {elapsed:.0f} s =====")
            sys.stdout.write(log.read_text(errors="replace"))
            sys.stdout.flush()
            codes.append(process.returncode)
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
