"""Objects in the tenant's storage: keys, writes, and their removal when the rows naming
them are surely not committed (`removed_on_failure`).

Storage order: an object is stored first and its rows are written after, in the caller's unit
of work; when the rows cannot be written the caller deletes the object (`removed_on_failure`);
what cannot be deleted then is left as an orphan, which the reconciliation job reports and
removes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.documents.service.checks import too_large
from saas.modules.documents.service.errors import storage_failed
from saas.storage import (
    ObjectTooLarge,
    StorageError,
    TenantStorage,
)

log = logging.getLogger(__name__)


def new_key(files: TenantStorage, org_id: int) -> str:
    # Keys never contain the user's file name: no path tricks can reach storage.
    return files.key("drive", org_id, uuid.uuid4().hex)


class StoredObjects(list[str]):
    """Keys of objects stored for a unit of work (yielded by `removed_on_failure`). `add`
    also watches the session the rows go through, so a failure can tell what committed."""

    def __init__(self) -> None:
        super().__init__()
        self._watched: list[tuple[Any, str, Any]] = []
        self.committed = 0  # keys [:committed] are named by committed rows
        self.in_commit = 0  # keys [committed:in_commit] were in a commit with no answer yet

    def add(self, session: AsyncSession, key: str) -> None:
        """Note a stored object whose row goes through `session`'s transaction."""
        target = session.sync_session
        if not any(watched is target for watched, _, _ in self._watched):
            for name, hook in (
                ("before_commit", self._before_commit),
                ("after_commit", self._after_commit),
            ):
                event.listen(target, name, hook)
                self._watched.append((target, name, hook))
        self.append(key)

    def _before_commit(self, _session: Any) -> None:
        self.in_commit = len(self)

    def _after_commit(self, _session: Any) -> None:
        self.committed = self.in_commit = len(self)

    def unwatch(self) -> None:
        for target, name, hook in self._watched:
            event.remove(target, name, hook)
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
    storage is down) are left to the reconciliation jobs (`reconcile_drive_storage`,
    `reconcile_report_storage`), which remove objects no row names."""
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


async def put_object(
    files: TenantStorage, key: str, data: bytes, content_type: str, limit: int
) -> None:
    try:
        await files.put(key, data, content_type=content_type, max_size=limit)
    except ObjectTooLarge:
        raise too_large(limit) from None
    except StorageError:
        raise storage_failed() from None
