"""Waiting for something to happen: poll it with a deadline, never sleep a fixed time.

    row = eventually(lambda: job_row(engine, job_id), within=10, what="the job's row")
    state = await async_eventually(lambda: finished(c, job), within=30, what="the import")

A probe returns something truthy once the awaited state is there (that value is returned);
an assertion failing inside a probe counts as "not yet", and the last one is raised at the
deadline, so the failure names what was seen. A fixed sleep stays only where time passing is
the point of the test (a TTL, a rate limit, an idle timeout): say so in a comment.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

T = TypeVar("T")


def _timed_out(within: float, what: str, seen: object, error: AssertionError | None) -> NoReturn:
    message = f"timed out after {within} s waiting for {what or 'a condition'}"
    if error is not None:
        raise AssertionError(f"{message}: {error}") from error
    raise AssertionError(f"{message} (last seen: {seen!r})")


def eventually(
    probe: Callable[[], T], *, within: float = 10, what: str = "", every: float = 0.05
) -> T:
    """Calls `probe` until it returns something truthy (returned) or `within` seconds pass."""
    deadline = time.monotonic() + within
    while True:
        error: AssertionError | None = None
        value: T | None = None
        try:
            value = probe()
        except AssertionError as failed:
            error = failed
        if error is None and value:
            return value
        if time.monotonic() >= deadline:
            _timed_out(within, what, value, error)
        time.sleep(every)


async def async_eventually(
    probe: Callable[[], T | Awaitable[T]],
    *,
    within: float = 10,
    what: str = "",
    every: float = 0.05,
) -> T:
    """`eventually` inside an event loop: `probe` may be a coroutine function; the loop keeps
    running between tries."""
    deadline = time.monotonic() + within
    while True:
        error: AssertionError | None = None
        value: T | None = None
        try:
            result = probe()
            value = await result if inspect.isawaitable(result) else result  # type: ignore[assignment]
        except AssertionError as failed:
            error = failed
        if error is None and value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            _timed_out(within, what, value, error)
        await asyncio.sleep(every)
