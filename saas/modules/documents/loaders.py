"""DataLoaders of the drive: one query per request for what nested fields need.

Only reached from objects that were loaded through the access rules of service.py (a file's
versions are read after the file itself was found visible)."""

from __future__ import annotations

from typing import Any

from strawberry.dataloader import DataLoader

from saas.modules.documents.models import DriveFileVersion
from saas.modules.documents.service import versions_of


class VersionsByFileLoader(DataLoader[int, list[DriveFileVersion]]):
    """file id -> its versions, newest first."""

    def __init__(self, ctx: Any):
        super().__init__(load_fn=self._load)
        self.ctx = ctx

    async def _load(self, keys: list[int]) -> list[list[DriveFileVersion]]:
        found = await versions_of(self.ctx.db, list(keys))
        return [found.get(k, []) for k in keys]
