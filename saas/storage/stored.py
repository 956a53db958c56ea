"""Objects stored for rows: removed again when the rows naming them are surely not committed.

Storage order: an object is stored first and its rows are written after, in the caller's unit
of work. Wrap that unit of work in `removed_on_failure(files)` and note each object with
`stored.add(session, key)` (the session its rows go through): when the work fails, objects
whose rows surely did not commit are deleted; what cannot be deleted then is left as an
orphan, which the reconciliation jobs report and remove. Any module storing objects for its
rows (documents, reports, branding) uses this one helper.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from saas.core.commit import watch_commits
from saas.storage.base import StorageError
from saas.storage.tenant import TenantStorage

log = logging.getLogger(__name__)


class StoredObjects(list[str]):
    """Keys of objects stored for a unit of work (yielded by `removed_on_failure`). `add`
    also watches the session the rows go through (`saas.core.commit.watch_commits`), so a
    failure can tell what committed."""

    def __init__(self) -> None:
        super().__init__()
        self._watched: list[tuple[Any, Callable[[], None]]] = []
        self.committed = 0  # keys [:committed] are named by committed rows
        self.in_commit = 0  # keys [committed:in_commit] were in a commit with no answer yet

    def add(self, session: Any, key: str) -> None:  # type: ignore[override]
        """Note a stored object whose row goes through `session`'s transaction."""
        target = getattr(session, "sync_session", session)
        if not any(watched is target for watched, _ in self._watched):
            stop = watch_commits(session, before=self._before_commit, after=self._after_commit)
            self._watched.append((target, stop))
        self.append(key)

    def _before_commit(self) -> None:
        self.in_commit = len(self)

    def _after_commit(self) -> None:
        self.committed = self.in_commit = len(self)

    def unwatch(self) -> None:
        for _, stop in self._watched:
            stop()
        self._watched.clear()

    def to_remove(self, error: BaseException) -> tuple[list[str], list[str]]:
        """(keys to delete now, keys to leave) after `error` ended the unit of work. Keys of
        committed rows stay. Keys of a commit that failed stay too unless the database
        answered it with an error (then it surely rolled back): a connection lost during
        COMMIT, or a cancelled request, may have committed, and an object without a row is
        the reconciliation job's to remove, while a row without its object is a lost file."""
        refused = getattr(getattr(error, "orig", None), "sqlstate", None) is not None
        start = self.committed if refused else self.in_commit
        return list(self[start:]), list(self[:start])


@asynccontextmanager
async def removed_on_failure(files: TenantStorage) -> AsyncIterator[StoredObjects]:
    """Wrap a unit of work that stores objects: keys given to the yielded list's `add` are
    deleted again when the work fails (rows not written, or the commit refused); see
    `StoredObjects.to_remove` for what stays. Objects that cannot be deleted now (the
    storage is down) are left to the reconciliation jobs, which remove objects no row
    names."""
    keys = StoredObjects()
    try:
        yield keys
    except BaseException as error:
        remove, kept = keys.to_remove(error)
        if kept:
            log.warning(
                "a unit of work failed after or during its commit; its stored objects stay",
                extra={"keys": kept[:20], "error": type(error).__name__},
            )
        for key in remove:
            try:
                await files.delete(key)
            except StorageError:
                log.warning("could not remove a stored object; the reconciliation job will")
        raise
    finally:
        keys.unwatch()
