"""Drive folders: the system folders every organization gets, the direction rule (who
uploads where), access to a drive and a folder, subfolders.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.clients.models import ClientOrganization
from saas.modules.clients.service import ClientsError, access_organization, grants_for
from saas.modules.documents.models import (
    FOR_CLIENT,
    FROM_CLIENT,
    DriveFolder,
)
from saas.modules.documents.policy import SYSTEM_FOLDER_NAMES
from saas.modules.documents.service.checks import sanitize_filename
from saas.modules.documents.service.errors import DocumentsError, folder_not_found, forbidden


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
    session: AsyncSession,
    viewer: Actor,
    org_id: int | None,
    *,
    need: str = "read",
    upload_grant: str = "upload",
) -> tuple[ClientOrganization, set[str]]:
    """The organization whose drive the viewer may use, and the viewer's grants there
    (staff: every module). `need` is 'read', 'upload' or 'any' (either grant).
    `upload_grant`: the client grant that lets a contact file an upload ('upload' for the
    drive; 'chat' for a file attached to a chat message, which a chat participant may send
    without the drive's grants): holding it counts as holding 'upload'."""
    try:
        org = await access_organization(session, viewer, org_id)
    except ClientsError:
        raise DocumentsError(
            "not_found",
            "NOT_FOUND",
            "Организация не найдена или недоступна.",
            "Organization not found or not visible to you.",
        ) from None
    if viewer.staff:
        if not viewer.may("documents", "read"):
            raise forbidden(
                "FORBIDDEN",
                "Нет права просматривать документы.",
                "You need 'documents:read' in this firm.",
            )
        return org, {"documents", "upload"}
    grants = (
        await grants_for(session, viewer.person_id, org.id)
        if viewer.may("client_cabinet", "read")
        else set()
    )
    if upload_grant in grants:
        grants = grants | {"upload"}
    module = "upload" if need == "upload" else "documents"
    # The folder list ("any") is also for a contact who may only upload: it names the target.
    if module not in grants and not (need == "any" and "upload" in grants):
        raise forbidden(
            "FORBIDDEN",
            f"Организация не предоставила вам доступ к разделу «{module}».",
            f"Permission denied: your organization has not granted you '{module}'.",
        )
    return org, grants


def may_upload(viewer: Actor, folder: DriveFolder, grants: set[str]) -> bool:
    """The direction rule: staff upload "for" the client, clients upload "from" themselves."""
    if viewer.staff:
        return viewer.may("documents", "write") and folder.direction == FOR_CLIENT
    return (
        viewer.may("client_cabinet", "read")
        and "upload" in grants
        and folder.direction == FROM_CLIENT
    )


async def access_folder(
    session: AsyncSession,
    viewer: Actor,
    folder_id: int | None,
    *,
    need: str = "read",
    upload_grant: str = "upload",
) -> tuple[DriveFolder, set[str]]:
    if folder_id is None:
        raise folder_not_found()
    folder = await session.get(DriveFolder, folder_id)
    if folder is None:
        raise folder_not_found()
    try:
        _, grants = await access_drive(
            session, viewer, folder.organization_id, need=need, upload_grant=upload_grant
        )
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
    session: AsyncSession, viewer: Actor, org_id: int | None
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
    session: AsyncSession, viewer: Actor, parent_id: int | None, name: str
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
