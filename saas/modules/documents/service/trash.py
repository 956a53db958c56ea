"""The trash: staff soft-delete a file, the firm admin restores it; the purge job removes
files past the retention period (documents.jobs).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.documents.models import (
    DriveFile,
)
from saas.modules.documents.service.errors import DocumentsError, forbidden
from saas.modules.documents.service.files import access_file


async def delete_file(session: AsyncSession, viewer: Actor, file_id: int | None) -> DriveFile:
    """A soft delete by staff; the body stays until the retention period ends."""
    if not viewer.staff or not viewer.may("documents", "manage"):
        raise forbidden(
            "FORBIDDEN",
            "Удалять документы могут только сотрудники фирмы с правом удаления.",
            "Only the firm's staff with 'documents:manage' delete documents.",
        )
    file, _ = await access_file(session, viewer, file_id)
    file.deleted_at = datetime.now(UTC)
    file.deleted_by = viewer.person_id
    await session.flush()
    return file


async def restore_file(session: AsyncSession, viewer: Actor, file_id: int | None) -> DriveFile:
    if not viewer.firm_admin:
        raise forbidden(
            "FORBIDDEN",
            "Восстанавливать удалённые документы может администратор фирмы.",
            "Only a firm admin restores deleted documents.",
        )
    file, _ = await access_file(session, viewer, file_id, deleted=True)
    if file.deleted_at is None:
        return file
    taken = await session.scalar(
        select(
            exists().where(
                DriveFile.folder_id == file.folder_id,
                func.lower(DriveFile.name) == file.name.lower(),
                DriveFile.deleted_at.is_(None),
            )
        )
    )
    if taken:
        raise DocumentsError(
            "conflict",
            "NAME_TAKEN",
            "В папке уже есть файл с таким именем; переименуйте его перед восстановлением.",
            "The folder already holds a file of this name; rename it before restoring.",
        )
    file.deleted_at = None
    file.deleted_by = None
    await session.flush()
    return file
