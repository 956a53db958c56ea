"""What must follow a commit: the one after-commit API of a unit of work.

`after_commit(session, callback, key=None)` runs `await callback()` once the transaction of
`session` (the one open now, or the next one) commits: only after the outermost COMMIT
succeeded, never after a rollback (nor when the session closes without committing), once per
`key` per transaction (a second registration with the same key is dropped). It needs no
GraphQL context, so a service called from the API, a job or the demo uses it alike.

Callbacks run in registration order, in one task started at the commit; a failing callback
is logged, never raised (the change is committed; the caller cannot undo it). Whoever ends
the unit of work may `await settled(session)` to wait for them (`ctx.unit_of_work` does, so a
mutation answers after its events are announced); otherwise they finish in the background.

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
_WATCHERS = "core.after_commit.watchers"
_INSTALLED = "core.after_commit.installed"
_BACKGROUND: set[asyncio.Task[None]] = set()


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
    if not pending:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # a synchronous commit outside the event loop: nothing can run
        log.error("after-commit callbacks dropped: no running event loop")
        return
    task = loop.create_task(_run(list(pending.values())))
    sync.info.setdefault(_TASKS, set()).add(task)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


def _transaction_end(sync: Any, transaction: Any) -> None:
    # The outermost transaction ended: what is still pending was not committed.
    if transaction.parent is None and not transaction.nested:
        sync.info.pop(_PENDING, None)


async def _run(callbacks: list[Callback]) -> None:
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            log.exception("an after-commit callback failed")


def after_commit(session: Any, callback: Callback, *, key: Any = None) -> None:
    """Run `callback` after the outermost commit of `session`'s transaction (see above)."""
    sync = _sync(session)
    _install(sync)
    pending: dict[Any, Callback] = sync.info.setdefault(_PENDING, {})
    pending.setdefault(callback if key is None else key, callback)


def pending(session: Any, key: Any) -> bool:
    """Is a callback registered with `key` waiting for this transaction's commit?"""
    return key in _sync(session).info.get(_PENDING, {})


async def settled(session: Any) -> None:
    """Wait for the after-commit callbacks of the commits of `session` so far."""
    tasks: set[asyncio.Task[None]] = _sync(session).info.pop(_TASKS, set())
    for task in tasks:
        await asyncio.shield(task)


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
