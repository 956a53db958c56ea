"""DataLoaders of the drive: one query per request for what nested fields need.

Only reached from objects that were loaded through the access rules of service/ (a file's
versions are read after the file itself was found visible)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from saas.modules.documents.models import DriveFile, DriveFileVersion
from saas.modules.documents.service.files import versions_of


class VersionsByFileLoader(DataLoader[int, list[DriveFileVersion]]):
    """file id -> its versions, newest first."""

    def __init__(self, ctx: Any):
        super().__init__(load_fn=self._load)
        self.ctx = ctx

    async def _load(self, keys: list[int]) -> list[list[DriveFileVersion]]:
        found = await versions_of(self.ctx.db, list(keys))
        return [found.get(k, []) for k in keys]


class FilesByIdLoader(DataLoader[int, DriveFile | None]):
    """file id -> the file row (deleted ones too). Only for fields already guarded by
    `audit:read` (the access report), which covers every file of the firm."""

    def __init__(self, ctx: Any):
        super().__init__(load_fn=self._load)
        self.ctx = ctx

    async def _load(self, keys: list[int]) -> list[DriveFile | None]:
        rows = await self.ctx.db.scalars(
            select(DriveFile).where(DriveFile.id.in_(sorted(set(keys))))
        )
        found = {row.id: row for row in rows}
        return [found.get(k) for k in keys]
