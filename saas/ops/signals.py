"""Stop signals for a command that owns helpers (`saas demo`: the embedded PostgreSQL, the
job worker): whenever the stop comes, the clean-up runs, and runs to its end.

Python turns SIGINT into KeyboardInterrupt, but SIGTERM and SIGHUP (a closed terminal) end the
interpreter at once: no `finally`, no atexit, and the helpers are left running.
`exit_on_stop_signals()` turns all three into `SystemExit(128 + signal)` (a shell's status for
a signalled command) while preparing; uvicorn handles SIGINT/SIGTERM itself while it serves
(a graceful stop, saas.ops.shutdown) and puts these handlers back afterwards.
`held_signals()` covers the clean-up: an impatient second Ctrl-C (the terminal sends it to
the whole process group again) is logged instead of cutting the clean-up short.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

Handler = Callable[[int, FrameType | None], Any]


@contextmanager
def _handling(handler: Handler) -> Iterator[None]:
    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler_before in previous.items():
            signal.signal(signum, handler_before)


def _exit(signum: int, _frame: FrameType | None) -> None:
    log.info("stopping on %s", signal.Signals(signum).name)
    raise SystemExit(128 + signum)


def _hold(signum: int, _frame: FrameType | None) -> None:
    log.warning("%s while stopping: the clean-up goes on", signal.Signals(signum).name)


@contextmanager
def exit_on_stop_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise SystemExit: `finally` blocks and atexit run."""
    with _handling(_exit):
        yield


@contextmanager
def held_signals() -> Iterator[None]:
    """Stop signals are logged and otherwise ignored until the block ends."""
    with _handling(_hold):
        yield
