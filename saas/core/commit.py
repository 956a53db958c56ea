"""What must follow a commit: the one after-commit API of a unit of work.

`after_commit(session, callback, key=None)` runs `await callback()` once the transaction of
`session` (the one open now, or the next one) commits: only after the outermost COMMIT
succeeded, never after a rollback (nor when the session closes without committing), once per
`key` per transaction (a second registration with the same key is dropped). It needs no
GraphQL context, so a service called from the API, a job or the demo uses it alike.

Callbacks run in registration order, in one task started at the commit; a failing callback
is logged, never raised (the change is committed; the caller cannot undo it). Whoever ends
the unit of work may `await settled(session)` to wait for them; otherwise they finish in the
background.

`after_commit(..., background=True)` registers a callback the API need not wait for (the
outbox's announcement, `saas.events.publish_in`: what it does is recovered by the sweeper if
it is lost). It runs in a task of its own (at most BACKGROUND_LIMIT of them at once per
process, so a burst of writes cannot take the whole pool); `settled(session)` waits for it
like the others (jobs, `tenant_transaction`, the demo), `settled(session, background=False)`
does not (`ctx.unit_of_work`: a mutation answers before its events are announced), and the
app's shutdown waits for what still runs (`drain_background`).

`watch_commits(session, before=..., after=...)` calls plain functions around each outermost
commit of the session (`before` when COMMIT is sent, `after` when it succeeded) until the
returned function is called: for code that must tell "committed" from "maybe committed"
(stored objects, `saas.storage.stored`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event

log = logging.getLogger(__name__)

Callback = Callable[[], Awaitable[None]]

_PENDING = "core.after_commit.pending"
_TASKS = "core.after_commit.tasks"
_PENDING_BACKGROUND = "core.after_commit.pending_background"
_TASKS_BACKGROUND = "core.after_commit.tasks_background"
_WATCHERS = "core.after_commit.watchers"
_INSTALLED = "core.after_commit.installed"
_BACKGROUND: set[asyncio.Task[None]] = set()
# Background callbacks running at once in a process (each takes a pooled connection).
BACKGROUND_LIMIT = 4
_LIMITS: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def _sync(session: Any) -> Any:
    return getattr(session, "sync_session", session)


def _install(sync: Any) -> None:
    if sync.info.get(_INSTALLED):
        return
    sync.info[_INSTALLED] = True
    event.listen(sync, "before_commit", _before_commit)
    event.listen(sync, "after_commit", _after_commit)
    event.listen(sync, "after_transaction_end", _transaction_end)


def _nested(sync: Any) -> bool:
    # SQLAlchemy sends before_commit/after_commit when a SAVEPOINT is released too (the
    # savepoint is still the session's nested transaction then): that is no commit.
    return bool(sync.in_nested_transaction())


def _before_commit(sync: Any) -> None:
    if _nested(sync):
        return
    for before, _after in list(sync.info.get(_WATCHERS, {}).values()):
        if before is not None:
            before()


def _after_commit(sync: Any) -> None:
    if _nested(sync):
        return
    for _before, after in list(sync.info.get(_WATCHERS, {}).values()):
        if after is not None:
            after()
    pending: dict[Any, Callback] = sync.info.pop(_PENDING, {})
    background: dict[Any, Callback] = sync.info.pop(_PENDING_BACKGROUND, {})
    if not pending and not background:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # a synchronous commit outside the event loop: nothing can run
        log.error("after-commit callbacks dropped: no running event loop")
        return
    if pending:
        _start(loop, sync, _TASKS, _run(list(pending.values())))
    if background:
        _start(loop, sync, _TASKS_BACKGROUND, _run_limited(loop, list(background.values())))


def _start(loop: asyncio.AbstractEventLoop, sync: Any, key: str, body: Any) -> None:
    task = loop.create_task(body)
    sync.info.setdefault(key, set()).add(task)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


def _transaction_end(sync: Any, transaction: Any) -> None:
    # The outermost transaction ended: what is still pending was not committed.
    if transaction.parent is None and not transaction.nested:
        sync.info.pop(_PENDING, None)
        sync.info.pop(_PENDING_BACKGROUND, None)


async def _run_limited(loop: asyncio.AbstractEventLoop, callbacks: list[Callback]) -> None:
    limit = _LIMITS.get(loop)
    if limit is None:
        for old in [old for old in _LIMITS if old.is_closed()]:
            del _LIMITS[old]
        limit = _LIMITS[loop] = asyncio.Semaphore(BACKGROUND_LIMIT)
    async with limit:
        await _run(callbacks)


async def _run(callbacks: list[Callback]) -> None:
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            log.exception("an after-commit callback failed")


def after_commit(
    session: Any, callback: Callback, *, key: Any = None, background: bool = False
) -> None:
    """Run `callback` after the outermost commit of `session`'s transaction (see above);
    `background`: in a task of its own, which `settled(session, background=False)` leaves
    running."""
    sync = _sync(session)
    _install(sync)
    pending: dict[Any, Callback] = sync.info.setdefault(
        _PENDING_BACKGROUND if background else _PENDING, {}
    )
    pending.setdefault(callback if key is None else key, callback)


def pending(session: Any, key: Any) -> bool:
    """Is a callback registered with `key` waiting for this transaction's commit?"""
    info = _sync(session).info
    return key in info.get(_PENDING, {}) or key in info.get(_PENDING_BACKGROUND, {})


async def settled(session: Any, *, background: bool = True) -> None:
    """Wait for the after-commit callbacks of the commits of `session` so far (without
    `background`: not for those registered `background=True`, which go on running)."""
    info = _sync(session).info
    tasks: set[asyncio.Task[None]] = info.pop(_TASKS, set())
    if background:
        tasks |= info.pop(_TASKS_BACKGROUND, set())
    else:
        # Not waited for here: the task is the process's (`_BACKGROUND`, drained at shutdown).
        info.pop(_TASKS_BACKGROUND, None)
    for task in tasks:
        await asyncio.shield(task)


def running_callbacks() -> int:
    """After-commit tasks of this process not finished yet (every event loop's)."""
    return sum(not task.done() for task in list(_BACKGROUND))


async def drain_background(seconds: float) -> None:
    """Wait (up to `seconds`) for the after-commit tasks still running in this event
    loop: at a process's shutdown, so what a request committed is announced before it stops
    (what is cut short is left to the outbox sweeper)."""
    loop = asyncio.get_running_loop()
    running = [t for t in _BACKGROUND if t.get_loop() is loop and not t.done()]
    if running:
        await asyncio.wait(running, timeout=seconds)


def watch_commits(
    session: Any,
    *,
    before: Callable[[], None] | None = None,
    after: Callable[[], None] | None = None,
) -> Callable[[], None]:
    """Call `before`/`after` around each outermost commit of `session`; returns the function
    that stops watching."""
    sync = _sync(session)
    _install(sync)
    watchers: dict[object, tuple[Any, Any]] = sync.info.setdefault(_WATCHERS, {})
    token = object()
    watchers[token] = (before, after)

    def stop() -> None:
        watchers.pop(token, None)

    return stop


_SERVICES = "core.services"
_ANNOUNCING = "core.announcing"


def bind_services(session: Any, services: Any, *, announcing: bool = False) -> None:
    """Let code that writes in `session` without the services at hand (a module's service
    called deep down) announce through them after the commit: `services_of(session)`. The
    API's tenant session binds its services; `notify_published`'s binds them `announcing`:
    what its ON_ANNOUNCE hooks write is announced in that same transaction (`announcing()`)."""
    _sync(session).info[_SERVICES] = services
    _sync(session).info[_ANNOUNCING] = announcing


def announcing(session: Any) -> bool:
    """Whether `session` is announcing outbox events (an ON_ANNOUNCE hook writes in it)."""
    return bool(_sync(session).info.get(_ANNOUNCING))


def services_of(session: Any) -> Any:
    """The services bound to `session`, or None (e.g. a job's own session)."""
    return _sync(session).info.get(_SERVICES)
