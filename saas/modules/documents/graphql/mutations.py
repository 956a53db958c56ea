"""Mutations of the drive: uploads, links, folders, the trash, the access report's export."""

from __future__ import annotations

import strawberry

from saas.core.actor import actor_of
from saas.core.ids import IdRefused, optional_pk_of, pk_of
from saas.jobs import job_state, submit_job
from saas.modules.documents.graphql.access_log import (
    AccessExportType,
    AccessFilterInput,
    access_log_guard,
)
from saas.modules.documents.graphql.enums import AccessAction
from saas.modules.documents.graphql.types import (
    DownloadLink,
    DownloadLinkResult,
    FileResult,
    FileType,
    FolderMutationResult,
    FolderType,
    UploadTicket,
    UploadTicketResult,
    VersionType,
)
from saas.modules.documents.jobs import export_drive_access
from saas.modules.documents.policy import max_upload_bytes, viewer_of
from saas.modules.documents.service.downloads import download_link
from saas.modules.documents.service.errors import DocumentsError
from saas.modules.documents.service.folders import (
    create_folder,
)
from saas.modules.documents.service.trash import delete_file, restore_file
from saas.modules.documents.service.uploads import complete_upload, start_upload, upload_small_file
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import (
    error_result,
)
from saas.storage import tenant_files
from saas.storage.stored import removed_on_failure


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Upload a small file (up to the firm's limit) through the API, base64 "
        'encoded. The same name again adds a version. Staff upload to "For client" and its '
        "subfolders; a client user with the 'upload' grant to \"From client\"."
    )
    async def upload_file(
        self, info: Info, folder_id: strawberry.ID, filename: str, content_base64: str
    ) -> FileResult:
        ctx = info.context
        viewer = await viewer_of(ctx)
        files = tenant_files(ctx.services, ctx.tenant)
        limit = max_upload_bytes(ctx.tenant)
        try:
            folder_pk = await pk_of(ctx, "DriveFolder", folder_id, field="folderId")
            async with removed_on_failure(files) as stored:
                async with ctx.unit_of_work() as session:
                    row = await upload_small_file(
                        session, viewer, files, stored, folder_pk, filename, content_base64, limit
                    )
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return FileType.of(row)

    @strawberry.mutation(
        description="Begin a large upload: returns a short-lived link to PUT the bytes "
        "straight to storage; then call completeUpload. Same direction rules as uploadFile."
    )
    async def start_upload(
        self,
        info: Info,
        folder_id: strawberry.ID,
        filename: str,
        size: float,
        sha256: str,
    ) -> UploadTicketResult:
        ctx = info.context
        viewer = await viewer_of(ctx)
        files = tenant_files(ctx.services, ctx.tenant)
        try:
            folder_pk = await pk_of(ctx, "DriveFolder", folder_id, field="folderId")
            async with ctx.unit_of_work() as session:
                upload, url = await start_upload(
                    session,
                    viewer,
                    files,
                    folder_pk,
                    filename,
                    int(size),
                    sha256,
                    max_upload_bytes(ctx.tenant),
                )
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return UploadTicket(upload_pk=upload.id, url=url, expires_at=upload.expires_at)

    @strawberry.mutation(
        description="Finish a large upload: the stored bytes are read back and their size and "
        "SHA-256 compared with startUpload's; a mismatch deletes them and is refused."
    )
    async def complete_upload(self, info: Info, upload_id: strawberry.ID) -> FileResult:
        ctx = info.context
        viewer = await viewer_of(ctx)
        files = tenant_files(ctx.services, ctx.tenant)
        try:
            upload_pk = await pk_of(ctx, "DriveUpload", upload_id, field="uploadId")
            async with ctx.unit_of_work() as session:
                row, _ = await complete_upload(session, viewer, files, upload_pk)
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return FileType.of(row)

    @strawberry.mutation(
        description="A short-lived link to a file version (the current one by default). "
        "Every call is recorded in the access log (person, time, address, user agent): "
        "VIEW for a preview, DOWNLOAD for a download; the link is bound to the caller and a "
        "nonce, and each fetch of it adds a DOWNLOADED entry. `action: DOWNLOADED` is a "
        "ValidationError (BAD_ACTION)."
    )
    async def download_link(
        self,
        info: Info,
        file_id: strawberry.ID,
        version_id: strawberry.ID | None = None,
        action: AccessAction = AccessAction.DOWNLOAD,
    ) -> DownloadLinkResult:
        ctx = info.context
        viewer = await viewer_of(ctx)
        files = tenant_files(ctx.services, ctx.tenant)
        request = ctx.request
        if action is AccessAction.DOWNLOADED:
            refused = DocumentsError(
                "validation",
                "BAD_ACTION",
                "Ссылку выдают для просмотра (VIEW) или скачивания (DOWNLOAD).",
                "A link is for VIEW or DOWNLOAD.",
                "action",
            )
            return error_result(info, refused)
        try:
            file_pk = await pk_of(ctx, "DriveFile", file_id, field="fileId")
            version_pk = await optional_pk_of(
                ctx, "DriveFileVersion", version_id, field="versionId"
            )
            async with ctx.unit_of_work() as session:
                link = await download_link(
                    session,
                    viewer,
                    files,
                    file_pk,
                    version_pk,
                    action=str(action.value),
                    ip=request.client.host if request.client else None,
                    user_agent=request.headers.get("user-agent"),
                    token_id=ctx.principal.token_id,
                )
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return DownloadLink(
            url=link.url, expires_at=link.expires_at, version=VersionType.of(link.version)
        )

    @strawberry.mutation(
        description='Add a subfolder (staff; only under "For client").',
        extensions=requires("documents", "write"),
    )
    async def create_drive_folder(
        self, info: Info, parent_id: strawberry.ID, name: str
    ) -> FolderMutationResult:
        ctx = info.context
        viewer = await viewer_of(ctx)
        try:
            parent_pk = await pk_of(ctx, "DriveFolder", parent_id, field="parentId")
            async with ctx.unit_of_work() as session:
                folder = await create_folder(session, viewer, parent_pk, name)
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return FolderType.of(folder, True)

    @strawberry.mutation(
        description="Soft-delete a file (staff). It is kept for the retention period and a "
        "firm admin may restore it. Clients never delete.",
        extensions=requires("documents", "manage"),
    )
    async def delete_file(self, info: Info, file_id: strawberry.ID) -> FileResult:
        ctx = info.context
        viewer = await viewer_of(ctx)
        try:
            file_pk = await pk_of(ctx, "DriveFile", file_id, field="fileId")
            async with ctx.unit_of_work() as session:
                row = await delete_file(session, viewer, file_pk)
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return FileType.of(row)

    @strawberry.mutation(
        description="Restore a soft-deleted file (firm admin).",
        extensions=requires("documents", "manage"),
    )
    async def restore_file(self, info: Info, file_id: strawberry.ID) -> FileResult:
        ctx = info.context
        viewer = await viewer_of(ctx)
        try:
            file_pk = await pk_of(ctx, "DriveFile", file_id, field="fileId")
            async with ctx.unit_of_work() as session:
                row = await restore_file(session, viewer, file_pk)
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return FileType.of(row)

    @strawberry.mutation(
        description="Export the access report to CSV as a background job; follow it with "
        "`driveAccessExport(id)`, which offers the file when done. It holds the "
        "organizations the viewer sees.",
        extensions=access_log_guard(),
    )
    async def export_drive_access_log(
        self, info: Info, filter: AccessFilterInput | None = None
    ) -> AccessExportType:
        ctx = info.context
        where = (filter or AccessFilterInput()).to_filter()
        job_id = await submit_job(
            ctx.services.engine,
            ctx.tenant,
            export_drive_access,
            params={**where.to_params(), "acting": actor_of(ctx).acting()},
            created_by=ctx.principal.person_id,
        )
        row = await job_state(ctx.db, job_id)
        assert row is not None
        return AccessExportType.of(row)
