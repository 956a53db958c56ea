"""Files of a folder and their versions: access, listing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.documents.models import (
    DriveFile,
    DriveFileVersion,
    DriveFolder,
)
from saas.modules.documents.service.errors import DocumentsError, file_not_found
from saas.modules.documents.service.folders import access_folder

# ------------------------------------------------------------------------------- files


async def access_file(
    session: AsyncSession, viewer: Actor, file_id: int | None, *, deleted: bool = False
) -> tuple[DriveFile, DriveFolder]:
    """A file the viewer may read. Deleted files exist only for staff who may manage."""
    if file_id is None:
        raise file_not_found()
    file = await session.get(DriveFile, file_id)
    if file is None or (file.deleted_at is not None and not (deleted and viewer.staff)):
        raise file_not_found()
    try:
        folder, _ = await access_folder(session, viewer, file.folder_id)
    except DocumentsError as exc:
        if exc.kind == "not_found":
            raise file_not_found() from None
        raise
    return file, folder


def live_files(folder_id: int, *, include_deleted: bool = False) -> Any:
    stmt = select(DriveFile).where(DriveFile.folder_id == folder_id)
    return stmt if include_deleted else stmt.where(DriveFile.deleted_at.is_(None))


async def versions_of(
    session: AsyncSession, file_ids: list[int]
) -> dict[int, list[DriveFileVersion]]:
    rows = await session.scalars(
        select(DriveFileVersion)
        .where(DriveFileVersion.file_id.in_(sorted(set(file_ids))))
        .order_by(DriveFileVersion.file_id, DriveFileVersion.version_no.desc())
    )
    out: dict[int, list[DriveFileVersion]] = {i: [] for i in file_ids}
    for v in rows:
        out[v.file_id].append(v)
    return out
