"""Download links of file versions and the access log rows they write (link issued, view,
download, each fetch).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.documents.models import (
    DriveAccess,
    DriveFile,
    DriveFileVersion,
)
from saas.modules.documents.service.errors import DocumentsError
from saas.modules.documents.service.files import access_file
from saas.storage import (
    TenantStorage,
)
from saas.storage.audit import Fetch, audit_ref, recorder

DOWNLOAD_LINK_TTL = timedelta(minutes=5)


# ----------------------------------------------------------------------------- downloads


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime
    version: DriveFileVersion


async def download_link(
    session: AsyncSession,
    viewer: Actor,
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
    return await issue_link(
        session,
        viewer,
        files,
        file,
        version,
        action=action,
        ip=ip,
        user_agent=user_agent,
        token_id=token_id,
    )


async def issue_link(
    session: AsyncSession,
    viewer: Actor,
    files: TenantStorage,
    file: DriveFile,
    version: DriveFileVersion,
    *,
    action: str,
    ip: str | None,
    user_agent: str | None,
    token_id: int | None = None,
) -> Link:
    """The link to a version the caller already checked the viewer may read (`download_link`,
    or another module answering for a file it shows: a chat notice's), with its "link
    issued" access-log entry; each fetch is logged like any drive link."""
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

# Other modules acting on a fetch of a drive file (a chat notice's file opened by its
# recipient) register here; each runs in the fetch's transaction, after its `downloaded` row.
FetchListener = Callable[[AsyncSession, Fetch, DriveAccess], Awaitable[None]]
FETCH_LISTENERS: list[FetchListener] = []


def on_drive_fetch(listener: FetchListener) -> FetchListener:
    FETCH_LISTENERS.append(listener)
    return listener


@recorder(FETCH_KIND)
async def record_fetch(session: AsyncSession, fetch: Fetch) -> bool:
    """A `downloaded` entry for one fetch of a drive link: the person the link was issued to
    (and its API token), the fetch's address and user agent, the issuing entry's version."""
    issued = await session.get(DriveAccess, fetch.issued_id)
    if issued is None or issued.action not in ("view", "download"):
        return False
    downloaded = DriveAccess(
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
    session.add(downloaded)
    for listener in FETCH_LISTENERS:
        await listener(session, fetch, downloaded)
    return True
