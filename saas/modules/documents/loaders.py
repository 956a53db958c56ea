"""DataLoaders of the drive: one query per request for what nested fields need.

Only reached from objects that were loaded through the access rules of service/ (a file's
versions are read after the file itself was found visible)."""

from __future__ import annotations

from sqlalchemy import select

from saas.core.loaders import ContextLoader
from saas.modules.documents.models import DriveFile, DriveFileVersion
from saas.modules.documents.service.files import versions_of
from saas.modules.documents.service.origins import FileOrigin, origins_of


class VersionsByFileLoader(ContextLoader):
    """file id -> its versions, newest first."""

    async def batch_load(self, keys: list[int]) -> list[list[DriveFileVersion]]:
        found = await versions_of(self.ctx.db, list(keys))
        return [found.get(k, []) for k in keys]


class FilesByIdLoader(ContextLoader):
    """file id -> the file row (deleted ones too). Only for fields already guarded by
    `audit:read` (the access report), which covers every file of the firm."""

    async def batch_load(self, keys: list[int]) -> list[DriveFile | None]:
        rows = await self.ctx.db.scalars(
            select(DriveFile).where(DriveFile.id.in_(sorted(set(keys))))
        )
        found = {row.id: row for row in rows}
        return [found.get(k) for k in keys]


class FileOriginLoader(ContextLoader):
    """file id -> where it came from (another module's attachment), or None."""

    async def batch_load(self, keys: list[int]) -> list[FileOrigin | None]:
        found = await origins_of(self.ctx.db, sorted(set(keys)))
        return [found.get(k) for k in keys]
