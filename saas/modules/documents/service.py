"""Domain rules of the document drive. No GraphQL here.

Every operation loads its folder or file through `access_folder` / `access_file`, which apply
the organization row scope of the clients module (a folder of an organization the viewer does
not see is simply not found), the client's grants, and the direction rule (policy.py).

Storage order: an object is stored first and its rows are written after, in the caller's
unit of work; when the rows cannot be written the caller deletes the object
(`removed_on_failure`). So a row never points at a missing object; an object without a row
(a crash in between, the storage down when deleting, a commit whose outcome is unknown) is
what the reconciliation job reports and removes.

Functions take (session, viewer, ...) and flush, never commit.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import logging
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import filetype
from sqlalchemy import event, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.clients.models import ClientOrganization
from saas.modules.clients.service import ClientsError, access_organization, grants_for
from saas.modules.documents.models import (
    FOR_CLIENT,
    FROM_CLIENT,
    DriveAccess,
    DriveFile,
    DriveFileVersion,
    DriveFolder,
    DriveUpload,
)
from saas.modules.documents.policy import SYSTEM_FOLDER_NAMES, Viewer
from saas.storage import (
    ObjectNotFound,
    ObjectTooLarge,
    StorageError,
    TenantStorage,
)
from saas.storage.audit import Fetch, audit_ref, recorder

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 200
MAX_EXTENSION_CHARS = 16
UPLOAD_LINK_TTL = timedelta(minutes=30)
DOWNLOAD_LINK_TTL = timedelta(minutes=5)
SNIFF_BYTES = 8192
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


# ---------------------------------------------------------------------------------- errors


class DocumentsError(ClientsError):
    """An expected refusal, in Russian and English (kind: validation | not_found | conflict |
    forbidden)."""


def folder_not_found() -> DocumentsError:
    return DocumentsError(
        "not_found",
        "NOT_FOUND",
        "Папка не найдена или недоступна.",
        "Folder not found or not visible to you.",
    )


def file_not_found() -> DocumentsError:
    return DocumentsError(
        "not_found",
        "NOT_FOUND",
        "Файл не найден или недоступен.",
        "File not found or not visible to you.",
    )


def forbidden(code: str, ru: str, en: str) -> DocumentsError:
    return DocumentsError("forbidden", code, ru, en)


def storage_failed() -> DocumentsError:
    return DocumentsError(
        "unavailable",
        "STORAGE_UNAVAILABLE",
        "Хранилище файлов недоступно, файл не сохранён. Повторите попытку позже.",
        "The file storage is unavailable; the file was not saved. Please try again later.",
    )


# ------------------------------------------------------------------------------- folders


async def ensure_system_folders(session: AsyncSession, org_id: int) -> None:
    """Create the organization's "For client" and "From client" folders if missing. Safe
    under concurrency (the partial unique index decides)."""
    for kind, (ru, en) in SYSTEM_FOLDER_NAMES.items():
        await session.execute(
            pg_insert(DriveFolder)
            .values(
                organization_id=org_id, system_kind=kind, direction=kind, name_ru=ru, name_en=en
            )
            .on_conflict_do_nothing(
                index_elements=["organization_id", "system_kind"],
                index_where=DriveFolder.system_kind.is_not(None),
            )
        )


async def access_drive(
    session: AsyncSession, viewer: Viewer, org_id: int | None, *, need: str = "read"
) -> tuple[ClientOrganization, set[str]]:
    """The organization whose drive the viewer may use, and the viewer's grants there
    (staff: every module). `need` is 'read', 'upload' or 'any' (either grant)."""
    try:
        org = await access_organization(session, viewer.actor, org_id)
    except ClientsError:
        raise DocumentsError(
            "not_found",
            "NOT_FOUND",
            "Организация не найдена или недоступна.",
            "Organization not found or not visible to you.",
        ) from None
    if viewer.staff:
        if not viewer.read:
            raise forbidden(
                "FORBIDDEN",
                "Нет права просматривать документы.",
                "You need 'documents:read' in this firm.",
            )
        return org, {"documents", "upload"}
    grants = await grants_for(session, viewer.person_id, org.id) if viewer.cabinet else set()
    module = "upload" if need == "upload" else "documents"
    # The folder list ("any") is also for a contact who may only upload: it names the target.
    if module not in grants and not (need == "any" and "upload" in grants):
        raise forbidden(
            "FORBIDDEN",
            f"Организация не предоставила вам доступ к разделу «{module}».",
            f"Permission denied: your organization has not granted you '{module}'.",
        )
    return org, grants


def may_upload(viewer: Viewer, folder: DriveFolder, grants: set[str]) -> bool:
    """The direction rule: staff upload "for" the client, clients upload "from" themselves."""
    if viewer.staff:
        return viewer.write and folder.direction == FOR_CLIENT
    return viewer.cabinet and "upload" in grants and folder.direction == FROM_CLIENT


async def access_folder(
    session: AsyncSession, viewer: Viewer, folder_id: int | None, *, need: str = "read"
) -> tuple[DriveFolder, set[str]]:
    if folder_id is None:
        raise folder_not_found()
    folder = await session.get(DriveFolder, folder_id)
    if folder is None:
        raise folder_not_found()
    try:
        _, grants = await access_drive(session, viewer, folder.organization_id, need=need)
    except DocumentsError as exc:
        if exc.kind == "not_found":
            raise folder_not_found() from None
        raise
    if need == "upload" and not may_upload(viewer, folder, grants):
        raise forbidden(
            "DIRECTION_FORBIDDEN",
            "В эту папку загружать нельзя: сотрудники фирмы загружают в «Данные для клиента», "
            "клиент — в «Данные от клиента».",
            'You cannot upload to this folder: the firm uploads to "For client", the client '
            'to "From client".',
        )
    return folder, grants


async def drive_folders(
    session: AsyncSession, viewer: Viewer, org_id: int | None
) -> list[DriveFolder]:
    """Every folder of the organization's drive (roots first), creating the system folders
    on first access."""
    org, _ = await access_drive(session, viewer, org_id, need="any")
    await ensure_system_folders(session, org.id)
    rows = await session.scalars(
        select(DriveFolder)
        .where(DriveFolder.organization_id == org.id)
        .order_by(
            DriveFolder.parent_id.is_not(None),
            DriveFolder.system_kind.asc(),
            DriveFolder.name_ru,
            DriveFolder.id,
        )
    )
    return list(rows)


async def create_folder(
    session: AsyncSession, viewer: Viewer, parent_id: int | None, name: str
) -> DriveFolder:
    """A staff subfolder; it inherits the parent's direction, so only "For client" grows."""
    parent, _ = await access_folder(session, viewer, parent_id, need="upload")
    if not viewer.staff:
        raise forbidden(
            "FORBIDDEN", "Папки создают сотрудники фирмы.", "Only the firm's staff add folders."
        )
    clean = sanitize_filename(name, field="name")
    folder = DriveFolder(
        organization_id=parent.organization_id,
        parent_id=parent.id,
        direction=parent.direction,
        name_ru=clean,
        name_en=clean,
        created_by=viewer.person_id,
    )
    session.add(folder)
    await session.flush()
    return folder


# ---------------------------------------------------------------------------- file names

_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)
}
# Characters Windows refuses in names; replaced so a downloaded file can be saved anywhere.
_FORBIDDEN_CHARS = re.compile(r'[<>:"|?*]')
# Bidirectional overrides make "exe.pdf" look like "fdp.exe" (and the reverse).
_BIDI = dict.fromkeys(
    [0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
)


def sanitize_filename(raw: str, *, field: str = "filename") -> str:
    """A safe display and download name: the last path segment only, no control characters
    (NUL included) or bidi overrides, no leading/trailing dots or spaces, no Windows-reserved
    device names, at most 200 characters with the extension kept. Unicode letters are kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(c for c in name if unicodedata.category(c) != "Cc").translate(_BIDI)
    name = name.replace("\\", "/").split("/")[-1]
    name = _FORBIDDEN_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        raise DocumentsError(
            "validation", "INVALID_FILENAME", "Недопустимое имя файла.", "Invalid file name.", field
        )
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > MAX_EXTENSION_CHARS:
        stem, ext = name, ""
    if stem.split(".")[0].strip().upper() in _RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    if len(stem) + len(suffix) > MAX_NAME_CHARS:
        stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") or "_"
    return stem + suffix


# -------------------------------------------------------------------------- content types

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O (32/64, both byte orders) and universal binaries
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",  # scripts with an interpreter line
)
_EXECUTABLE_TYPES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-sharedlib",
    "application/vnd.microsoft.portable-executable",
    "application/x-dosexec",
}


def refuse_executable() -> DocumentsError:
    return DocumentsError(
        "validation",
        "EXECUTABLE_REFUSED",
        "Исполняемые файлы и скрипты загружать нельзя, как бы они ни назывались.",
        "Executables and scripts are refused, whatever their name.",
        "content",
    )


def sniff_content_type(head: bytes) -> str:
    """The content type decided by the bytes, never by the name.

    Rule: programs (PE, ELF, Mach-O, `#!` scripts) are refused whatever the name; a known
    format gets its type; text that decodes as UTF-8 is text/plain; anything else is stored
    as application/octet-stream (downloaded, never rendered)."""
    head = head[:SNIFF_BYTES]
    kind = filetype.guess_mime(head) if head else None
    if head.startswith(_EXECUTABLE_MAGIC) or kind in _EXECUTABLE_TYPES:
        raise refuse_executable()
    if kind:
        return str(kind)
    if head and b"\x00" not in head:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            pass
        else:
            return "text/plain"
    return "application/octet-stream"


# ------------------------------------------------------------------------------ uploads


def too_large(limit: int) -> DocumentsError:
    mb = f"{limit / 1024 / 1024:.1f}".rstrip("0").rstrip(".")
    return DocumentsError(
        "validation",
        "FILE_TOO_LARGE",
        f"Файл больше допустимого размера ({mb} МБ).",
        f"The file is larger than the limit ({mb} MB).",
        "content",
    )


def decode_base64(text: str, limit: int) -> bytes:
    # Refuse before decoding a body far over the limit (4 base64 chars per 3 bytes).
    if len(text) > (limit // 3 + 2) * 4 + 16:
        raise too_large(limit)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DocumentsError(
            "validation",
            "INVALID_BASE64",
            "Содержимое файла повреждено (base64).",
            "The content is not valid base64.",
            "contentBase64",
        ) from None
    if len(data) > limit:
        raise too_large(limit)
    return data


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_key(files: TenantStorage, org_id: int) -> str:
    # Keys never contain the user's file name: no path tricks can reach storage.
    return files.key("drive", org_id, uuid.uuid4().hex)


async def record_version(
    session: AsyncSession,
    viewer: Viewer,
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


async def start_upload(
    session: AsyncSession,
    viewer: Viewer,
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
    session: AsyncSession, viewer: Viewer, files: TenantStorage, upload_id: int | None
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


# ------------------------------------------------------------------------------- files


async def access_file(
    session: AsyncSession, viewer: Viewer, file_id: int | None, *, deleted: bool = False
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


async def delete_file(session: AsyncSession, viewer: Viewer, file_id: int | None) -> DriveFile:
    """A soft delete by staff; the body stays until the retention period ends."""
    if not viewer.staff or not viewer.manage:
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


async def restore_file(session: AsyncSession, viewer: Viewer, file_id: int | None) -> DriveFile:
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


# ----------------------------------------------------------------------------- downloads


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime
    version: DriveFileVersion


async def download_link(
    session: AsyncSession,
    viewer: Viewer,
    files: TenantStorage,
    file_id: int | None,
    version_id: int | None,
    *,
    action: str,
    ip: str | None,
    user_agent: str | None,
    token_id: int | None = None,
) -> Link:
    """A short-lived link to one version, bound to the viewer and a nonce, and its "link
    issued" access-log entry (`action`: view or download). Each fetch of the link adds a
    `downloaded` entry (record_fetch)."""
    file, _ = await access_file(session, viewer, file_id)
    stmt = select(DriveFileVersion).where(DriveFileVersion.file_id == file.id)
    if version_id is not None:
        stmt = stmt.where(DriveFileVersion.id == version_id)
    else:
        stmt = stmt.where(DriveFileVersion.version_no == file.current_version_no)
    version = (await session.execute(stmt)).scalar_one_or_none()
    if version is None:
        raise DocumentsError(
            "not_found", "NOT_FOUND", "Версия файла не найдена.", "Version not found.", "versionId"
        )
    issued = DriveAccess(
        person_id=viewer.person_id,
        token_id=token_id,
        ip=ip,
        user_agent=(user_agent or "")[:1000] or None,
        organization_id=file.organization_id,
        file_id=file.id,
        version_id=version.id,
        action=action,
    )
    session.add(issued)
    await session.flush()
    url = files.audited_url(
        version.storage_key,
        audit=audit_ref(FETCH_KIND, issued.id),
        person_id=viewer.person_id,
        expires=DOWNLOAD_LINK_TTL,
        filename=file.name if action == "download" else None,
        content_type=version.content_type,
    )
    return Link(url=url, expires_at=datetime.now(UTC) + DOWNLOAD_LINK_TTL, version=version)


FETCH_KIND = "drive"


@recorder(FETCH_KIND)
async def record_fetch(session: AsyncSession, fetch: Fetch) -> bool:
    """A `downloaded` entry for one fetch of a drive link: the person the link was issued to
    (and its API token), the fetch's address and user agent, the issuing entry's version."""
    issued = await session.get(DriveAccess, fetch.issued_id)
    if issued is None or issued.action not in ("view", "download"):
        return False
    session.add(
        DriveAccess(
            person_id=fetch.person_id,
            token_id=issued.token_id,
            ip=fetch.ip,
            user_agent=fetch.user_agent,
            organization_id=issued.organization_id,
            file_id=issued.file_id,
            version_id=issued.version_id,
            action="downloaded",
            link_id=issued.id,
        )
    )
    return True


__all__ = [
    "DocumentsError",
    "access_drive",
    "attach_document",
    "access_file",
    "access_folder",
    "complete_upload",
    "create_folder",
    "decode_base64",
    "delete_file",
    "download_link",
    "drive_folders",
    "ensure_system_folders",
    "may_upload",
    "record_version",
    "restore_file",
    "sanitize_filename",
    "sha256_hex",
    "sniff_content_type",
    "start_upload",
    "put_object",
    "removed_on_failure",
    "StoredObjects",
]


# ---------------------------------------------------------------------------- access report


@dataclass(frozen=True)
class AccessFilter:
    """Filters of the views-and-downloads report; None means "any"."""

    since: datetime | None = None
    until: datetime | None = None
    person_id: int | None = None
    organization_id: int | None = None
    file_id: int | None = None
    action: str | None = None

    def to_params(self) -> dict[str, Any]:
        """Plain JSON for a job's params."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "person_id": self.person_id,
            "organization_id": self.organization_id,
            "file_id": self.file_id,
            "action": self.action,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> AccessFilter:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            since=when(params.get("since")),
            until=when(params.get("until")),
            person_id=params.get("person_id"),
            organization_id=params.get("organization_id"),
            file_id=params.get("file_id"),
            action=params.get("action"),
        )


def access_log_statement(where: AccessFilter) -> Any:
    """The access log rows matching the filters (`since` inclusive, `until` exclusive). For
    the firm admin and auditors only: the caller checks `audit:read`."""
    stmt = select(DriveAccess)
    if where.since is not None:
        stmt = stmt.where(DriveAccess.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(DriveAccess.at < where.until)
    if where.person_id is not None:
        stmt = stmt.where(DriveAccess.person_id == where.person_id)
    if where.organization_id is not None:
        stmt = stmt.where(DriveAccess.organization_id == where.organization_id)
    if where.file_id is not None:
        stmt = stmt.where(DriveAccess.file_id == where.file_id)
    if where.action is not None:
        stmt = stmt.where(DriveAccess.action == where.action)
    return stmt


# ---------------------------------------------------------------------------- attachments


async def attach_document(
    session: AsyncSession,
    viewer: Viewer,
    files: TenantStorage,
    stored: StoredObjects,
    org_id: int,
    filename: str,
    data: bytes,
    limit: int,
) -> tuple[DriveFile, DriveFileVersion]:
    """File an attachment of another module (a chat message, a report event) in the
    organization's drive, following the direction rule: a client's attachment lands in
    "From client", a staff member's in "For client". Same checks as any upload (grants,
    size, sniffed type, sanitized name, versions). Run it inside
    `removed_on_failure(files)` and pass its list as `stored`:

        async with service.removed_on_failure(files) as stored:
            async with ctx.unit_of_work() as session:
                file, version = await service.attach_document(session, viewer, files, stored, ...)
                ... # the module's own row, pointing at version.id
    """
    await ensure_system_folders(session, org_id)
    kind = FOR_CLIENT if viewer.staff else FROM_CLIENT
    folder_id = await session.scalar(
        select(DriveFolder.id).where(
            DriveFolder.organization_id == org_id, DriveFolder.system_kind == kind
        )
    )
    folder, _ = await access_folder(session, viewer, folder_id, need="upload")
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
