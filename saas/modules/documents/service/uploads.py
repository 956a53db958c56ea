"""Uploads: a small file through the API, a large one straight to storage then verified,
another module's attachment; each adds a version to the file of that name in the folder.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.documents.models import (
    FOR_CLIENT,
    FROM_CLIENT,
    DriveFile,
    DriveFileVersion,
    DriveFolder,
    DriveUpload,
)
from saas.modules.documents.service.checks import (
    SNIFF_BYTES,
    decode_base64,
    sanitize_filename,
    sha256_hex,
    sniff_content_type,
    too_large,
)
from saas.modules.documents.service.errors import (
    DocumentsError,
    storage_failed,
)
from saas.modules.documents.service.folders import access_folder, ensure_system_folders
from saas.modules.documents.service.storage import new_key, put_object
from saas.storage import (
    ObjectNotFound,
    StorageError,
    TenantStorage,
)
from saas.storage.stored import StoredObjects

UPLOAD_LINK_TTL = timedelta(minutes=30)
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


async def record_version(
    session: AsyncSession,
    viewer: Actor,
    folder: DriveFolder,
    name: str,
    *,
    key: str,
    size: int,
    sha256: str,
    content_type: str,
) -> tuple[DriveFile, DriveFileVersion]:
    """Add a version of `name` in `folder` (a new file for a new name). The file row is
    locked, so concurrent uploads of one name get consecutive numbers and none is lost."""
    await session.execute(
        pg_insert(DriveFile)
        .values(
            folder_id=folder.id,
            organization_id=folder.organization_id,
            name=name,
            current_version_no=0,
            created_by=viewer.person_id,
        )
        .on_conflict_do_nothing(
            index_elements=[DriveFile.folder_id, func.lower(DriveFile.name)],
            index_where=DriveFile.deleted_at.is_(None),
        )
    )
    file = (
        await session.execute(
            select(DriveFile)
            .where(
                DriveFile.folder_id == folder.id,
                func.lower(DriveFile.name) == name.lower(),
                DriveFile.deleted_at.is_(None),
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    file.current_version_no += 1
    file.updated_at = datetime.now(UTC)
    version = DriveFileVersion(
        file_id=file.id,
        version_no=file.current_version_no,
        storage_key=key,
        size=size,
        sha256=sha256,
        content_type=content_type,
        uploaded_by=viewer.person_id,
    )
    session.add(version)
    await session.flush()
    return file, version


async def upload_small_file(
    session: AsyncSession,
    viewer: Actor,
    files: TenantStorage,
    stored: StoredObjects,
    folder_id: int | None,
    filename: str,
    content_base64: str,
    limit: int,
) -> DriveFile:
    """A small file through the API (base64): the upload checks, the object stored, then its
    version row (the same name again adds a version). Run it inside
    `removed_on_failure(files)` and pass its list as `stored`."""
    folder, _ = await access_folder(session, viewer, folder_id, need="upload")
    name = sanitize_filename(filename)
    data = decode_base64(content_base64, limit)
    content_type = sniff_content_type(data)
    key = new_key(files, folder.organization_id)
    await put_object(files, key, data, content_type, limit)
    stored.add(session, key)
    row, _ = await record_version(
        session,
        viewer,
        folder,
        name,
        key=key,
        size=len(data),
        sha256=sha256_hex(data),
        content_type=content_type,
    )
    return row


async def start_upload(
    session: AsyncSession,
    viewer: Actor,
    files: TenantStorage,
    folder_id: int | None,
    filename: str,
    size: int,
    sha256: str,
    limit: int,
) -> tuple[DriveUpload, str]:
    folder, _ = await access_folder(session, viewer, folder_id, need="upload")
    name = sanitize_filename(filename)
    if size < 0:
        raise DocumentsError(
            "validation", "INVALID_SIZE", "Неверный размер файла.", "Invalid size.", "size"
        )
    if size > limit:
        raise too_large(limit)
    digest = (sha256 or "").strip().lower()
    if not SHA256_RE.match(digest):
        raise DocumentsError(
            "validation",
            "INVALID_SHA256",
            "Неверная контрольная сумма SHA-256.",
            "sha256 must be 64 hexadecimal digits.",
            "sha256",
        )
    upload = DriveUpload(
        folder_id=folder.id,
        filename=name,
        size=size,
        sha256=digest,
        storage_key=new_key(files, folder.organization_id),
        created_by=viewer.person_id,
        expires_at=datetime.now(UTC) + UPLOAD_LINK_TTL,
    )
    session.add(upload)
    await session.flush()
    try:
        url = await files.upload_url(upload.storage_key, expires=UPLOAD_LINK_TTL, max_size=size)
    except StorageError:
        raise storage_failed() from None
    return upload, url


async def complete_upload(
    session: AsyncSession, viewer: Actor, files: TenantStorage, upload_id: int | None
) -> tuple[DriveFile, DriveFileVersion]:
    """Verify the object a presigned upload left in storage (size and SHA-256 read back) and
    record it as a version. A wrong object is deleted and refused."""
    missing = DocumentsError(
        "not_found", "NOT_FOUND", "Загрузка не найдена.", "Upload not found.", "uploadId"
    )
    upload = await session.get(DriveUpload, upload_id) if upload_id is not None else None
    if upload is None or upload.created_by != viewer.person_id:
        raise missing
    folder, _ = await access_folder(session, viewer, upload.folder_id, need="upload")
    key = upload.storage_key
    try:
        size, digest = await files.checksum(key)
    except ObjectNotFound:
        raise DocumentsError(
            "validation",
            "UPLOAD_MISSING",
            "Файл не был загружен в хранилище.",
            "Nothing was uploaded to storage for this upload.",
            "uploadId",
        ) from None
    except StorageError:
        raise storage_failed() from None

    async def refuse(error: DocumentsError) -> DocumentsError:
        await files.delete(key)
        await session.delete(upload)
        await session.flush()
        return error

    if size != upload.size or digest != upload.sha256:
        raise await refuse(
            DocumentsError(
                "validation",
                "CHECKSUM_MISMATCH",
                "Размер или контрольная сумма загруженного файла не совпадает; файл удалён.",
                "The uploaded file's size or SHA-256 differs from the announced one; it was "
                "deleted.",
                "uploadId",
            )
        )
    head = b""
    async for chunk in files.stream(key):
        head = chunk[:SNIFF_BYTES]
        break
    try:
        content_type = sniff_content_type(head)
    except DocumentsError as exc:
        raise await refuse(exc) from None
    result = await record_version(
        session,
        viewer,
        folder,
        upload.filename,
        key=key,
        size=size,
        sha256=digest,
        content_type=content_type,
    )
    await session.delete(upload)
    await session.flush()
    return result


# ---------------------------------------------------------------------------- attachments


async def attach_document(
    session: AsyncSession,
    viewer: Actor,
    files: TenantStorage,
    stored: StoredObjects,
    org_id: int,
    filename: str,
    data: bytes,
    limit: int,
    *,
    upload_grant: str = "upload",
) -> tuple[DriveFile, DriveFileVersion]:
    """File an attachment of another module (a chat message, a report event) in the
    organization's drive, following the direction rule: a client's attachment lands in
    "From client", a staff member's in "For client". Same checks as any upload (grants,
    size, sniffed type, sanitized name, versions; a client's `upload_grant`, the calling
    module's own grant, e.g. 'chat', stands for 'upload'). Run it inside
    `removed_on_failure(files)` and pass its list as `stored`:

        async with removed_on_failure(files) as stored:
            async with ctx.unit_of_work() as session:
                file, version = await attach_document(session, viewer, files, stored, ...)
                ... # the module's own row, pointing at version.id
    """
    await ensure_system_folders(session, org_id)
    kind = FOR_CLIENT if viewer.staff else FROM_CLIENT
    folder_id = await session.scalar(
        select(DriveFolder.id).where(
            DriveFolder.organization_id == org_id, DriveFolder.system_kind == kind
        )
    )
    folder, _ = await access_folder(
        session, viewer, folder_id, need="upload", upload_grant=upload_grant
    )
    name = sanitize_filename(filename)
    if len(data) > limit:
        raise too_large(limit)
    content_type = sniff_content_type(data)
    key = new_key(files, folder.organization_id)
    await put_object(files, key, data, content_type, limit)
    stored.add(session, key)
    return await record_version(
        session,
        viewer,
        folder,
        name,
        key=key,
        size=len(data),
        sha256=sha256_hex(data),
        content_type=content_type,
    )
