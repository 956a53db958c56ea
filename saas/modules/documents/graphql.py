"""GraphQL of the document drive: thin, the rules are in service.py.

Queries: `drive(organizationId)` (the folder tree), `driveFolder(id)` (a folder with its files
as a Relay connection). Mutations: `uploadFile` (small files, base64 through the API),
`startUpload` + `completeUpload` (large files straight to storage, verified after),
`downloadLink` (a short-lived link; records the view or download), `createDriveFolder`,
`deleteFile` (staff, soft), `restoreFile` (firm admin).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.core.ids import IdRefused, filter_pk, node_pks, optional_pk_of, pk_of, tenant_rows
from saas.db.core_models import Job
from saas.modules.clients.graphql import PersonCardType
from saas.modules.clients.loaders import OrganizationsByIdLoader, PeopleByIdLoader
from saas.modules.documents import service
from saas.modules.documents.loaders import FilesByIdLoader, VersionsByFileLoader
from saas.modules.documents.models import DriveAccess, DriveFile, DriveFileVersion, DriveFolder
from saas.modules.documents.policy import max_upload_bytes, viewer_of
from saas.modules.documents.service import DocumentsError
from saas.rbac.enforcer import is_allowed
from saas.rbac.permissions import requires
from saas.schema.context import Info, viewer_language
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    StorageUnavailableError,
    ValidationError,
    error_result,
)
from saas.schema.relay import Connection, Keyset
from saas.storage import tenant_files

# ------------------------------------------------------------------------------- ids


tenant_rows(
    "DriveFolder",
    "DriveFile",
    "DriveFileVersion",
    "DriveUpload",
    "DriveAccessExport",
    "DriveAccessEntry",
)


def _gid(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(pk))))


# ----------------------------------------------------------------------------- errors


# ----------------------------------------------------------------------------- types


@strawberry.enum(name="DriveDirection", description="Who uploads into a folder.")
class Direction(Enum):
    FOR_CLIENT = "for_client"
    FROM_CLIENT = "from_client"


@strawberry.enum(
    name="DriveAccessAction",
    description="What a link is for (downloadLink's `action`: VIEW or DOWNLOAD), and what an "
    "access-log entry records: a link issued (VIEW, DOWNLOAD) or its bytes fetched "
    "(DOWNLOADED, one entry per fetch).",
)
class AccessAction(Enum):
    VIEW = strawberry.enum_value(
        "view", description="A link for a preview (in the log: such a link was issued)."
    )
    DOWNLOAD = strawberry.enum_value(
        "download", description="A link for a download (in the log: such a link was issued)."
    )
    DOWNLOADED = strawberry.enum_value(
        "downloaded",
        description="In the log only: the bytes of a link were fetched (each fetch is one "
        "entry: the person the link was issued to, the fetch's address and user agent, "
        "`linkEntryId` the issuing entry). Not a downloadLink action.",
    )


@strawberry.type(name="DriveFileVersion", description="One uploaded body of a file.")
class VersionType:
    pk: strawberry.Private[int]
    uploader_pk: strawberry.Private[int | None]
    version_no: int
    size: float = strawberry.field(description="Bytes (a Float: files may exceed 2^31 bytes).")
    sha256: str
    content_type: str = strawberry.field(description="Decided by the content, not the name.")
    uploaded_at: datetime

    @strawberry.field
    def id(self) -> strawberry.ID:
        return _gid("DriveFileVersion", self.pk)

    @strawberry.field
    async def uploaded_by(self, info: Info) -> PersonCardType | None:
        if self.uploader_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.uploader_pk)
        return PersonCardType.of(card) if card else None

    @classmethod
    def of(cls, row: DriveFileVersion) -> VersionType:
        return cls(
            pk=row.id,
            uploader_pk=row.uploaded_by,
            version_no=row.version_no,
            size=float(row.size),
            sha256=row.sha256,
            content_type=row.content_type,
            uploaded_at=row.uploaded_at,
        )


@strawberry.type(name="DriveFile", description="A file in a drive folder, with its versions.")
class FileType(relay.Node):
    id: relay.NodeID[int]
    folder_pk: strawberry.Private[int]
    name: str
    current_version_no: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @classmethod
    def of(cls, row: DriveFile) -> FileType:
        return cls(
            id=row.id,
            folder_pk=row.folder_id,
            name=row.name,
            current_version_no=row.current_version_no,
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[FileType | None]:
        # `node(id:)` goes through the same access rules as every other read.
        viewer = await viewer_of(info.context)
        out: list[FileType | None] = []
        for node_id in node_ids:
            try:
                row, _ = await service.access_file(info.context.db, viewer, node_pks([node_id])[0])
            except DocumentsError:
                out.append(None)
            else:
                out.append(cls.of(row))
        return out

    @strawberry.field
    def folder_id(self) -> strawberry.ID:
        return _gid("DriveFolder", self.folder_pk)

    @strawberry.field(description="Every version, newest first.")
    async def versions(self, info: Info) -> list[VersionType]:
        rows = await info.context.loader(VersionsByFileLoader).load(self.id)
        return [VersionType.of(v) for v in rows]

    @strawberry.field
    async def current_version(self, info: Info) -> VersionType | None:
        rows = await info.context.loader(VersionsByFileLoader).load(self.id)
        current = [v for v in rows if v.version_no == self.current_version_no]
        return VersionType.of(current[0]) if current else None


@strawberry.type(name="DriveFolder", description="A folder of a client organization's drive.")
class FolderType:
    pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]
    organization_pk: strawberry.Private[int]
    name_ru: str
    name_en: str
    system_kind: Direction | None = strawberry.field(
        description="FOR_CLIENT / FROM_CLIENT for the two system folders, null for subfolders."
    )
    direction: Direction = strawberry.field(description="Inherited from the system folder.")
    can_upload: bool = strawberry.field(
        description="Whether the viewer may upload here (the direction rule and grants)."
    )
    show_deleted: strawberry.Private[bool] = False

    @strawberry.field
    def id(self) -> strawberry.ID:
        return _gid("DriveFolder", self.pk)

    @strawberry.field
    def parent_id(self) -> strawberry.ID | None:
        return _gid("DriveFolder", self.parent_pk) if self.parent_pk else None

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return _gid("ClientOrganization", self.organization_pk)

    @strawberry.field(description="In the viewer's language.")
    def name(self, info: Info) -> str:
        return self.name_en if viewer_language(info) == "en" else self.name_ru

    @relay.connection(
        Connection[FileType],
        description="Files of this folder by name. `includeDeleted` lists soft-deleted files "
        "too, for staff allowed to manage documents.",
    )
    async def files(self, info: Info, include_deleted: bool = False) -> Iterable[FileType]:
        viewer = await viewer_of(info.context)
        deleted = include_deleted and viewer.staff and viewer.manage
        return Keyset(  # type: ignore[return-value]
            service.live_files(self.pk, include_deleted=deleted),
            key=(DriveFile.name, DriveFile.id),
            node=FileType.of,
        )

    @classmethod
    def of(cls, row: DriveFolder, can_upload: bool) -> FolderType:
        return cls(
            pk=row.id,
            parent_pk=row.parent_id,
            organization_pk=row.organization_id,
            name_ru=row.name_ru,
            name_en=row.name_en,
            system_kind=Direction(row.system_kind) if row.system_kind else None,
            direction=Direction(row.direction),
            can_upload=can_upload,
        )


@strawberry.type(name="Drive", description="The document drive of one client organization.")
class DriveType:
    organization_pk: strawberry.Private[int]
    folders: list[FolderType] = strawberry.field(
        description="Every folder, system folders first; build the tree with `parentId`."
    )

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return _gid("ClientOrganization", self.organization_pk)


@strawberry.type(name="UploadTicket", description="Where to PUT a large file, then complete it.")
class UploadTicket:
    upload_pk: strawberry.Private[int]
    url: str = strawberry.field(description="PUT the exact bytes here before it expires.")
    expires_at: datetime

    @strawberry.field(description="Pass to completeUpload.")
    def upload_id(self) -> strawberry.ID:
        return _gid("DriveUpload", self.upload_pk)


@strawberry.type(name="DownloadLink", description="A short-lived link to one file version.")
class DownloadLink:
    url: str
    expires_at: datetime
    version: VersionType


DriveResult = Annotated[DriveType | NotFoundError | ForbiddenError, strawberry.union("DriveResult")]
FolderResult = Annotated[
    FolderType | NotFoundError | ForbiddenError, strawberry.union("DriveFolderResult")
]
FileResult = Annotated[
    FileType
    | ValidationError
    | NotFoundError
    | ConflictError
    | ForbiddenError
    | StorageUnavailableError,
    strawberry.union("DriveFileResult"),
]
FolderMutationResult = Annotated[
    FolderType | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("CreateDriveFolderResult"),
]
UploadTicketResult = Annotated[
    UploadTicket | ValidationError | NotFoundError | ForbiddenError | StorageUnavailableError,
    strawberry.union("StartUploadResult"),
]
DownloadLinkResult = Annotated[
    DownloadLink | ValidationError | NotFoundError | ForbiddenError | StorageUnavailableError,
    strawberry.union("DownloadLinkResult"),
]


@strawberry.type(
    name="DriveAccessEntry",
    description="One entry of a file version's access log (audit): a link issued (VIEW, "
    "DOWNLOAD) or a fetch of one (DOWNLOADED).",
)
class AccessEntryType(relay.Node):
    id: relay.NodeID[int]
    at: datetime
    action: AccessAction
    ip: str | None
    user_agent: str | None
    person_pk: strawberry.Private[int | None]
    token_pk: strawberry.Private[int | None]
    organization_pk: strawberry.Private[int]
    file_pk: strawberry.Private[int]
    version_pk: strawberry.Private[int]
    link_pk: strawberry.Private[int | None] = None

    @classmethod
    def of(cls, row: DriveAccess) -> AccessEntryType:
        return cls(
            id=row.id,
            at=row.at,
            action=AccessAction(row.action),
            ip=row.ip,
            user_agent=row.user_agent,
            person_pk=row.person_id,
            token_pk=row.token_id,
            organization_pk=row.organization_id,
            file_pk=row.file_id,
            version_pk=row.version_id,
            link_pk=row.link_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AccessEntryType | None]:
        ids = list(node_ids)
        if not await is_allowed(info.context, "audit", "read"):
            return [None for _ in ids]
        out: list[AccessEntryType | None] = []
        for pk in node_pks(ids):
            row = await info.context.db.get(DriveAccess, pk) if pk is not None else None
            out.append(cls.of(row) if row else None)
        return out

    @strawberry.field(description="Who: a person (null when an API token acted).")
    async def person(self, info: Info) -> PersonCardType | None:
        if self.person_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.person_pk)
        return PersonCardType.of(card) if card else None

    @strawberry.field(description="The API token that acted, if any (type `ApiToken`).")
    def api_token_id(self) -> strawberry.ID | None:
        return _gid("ApiToken", self.token_pk) if self.token_pk else None

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return _gid("ClientOrganization", self.organization_pk)

    @strawberry.field
    async def organization_name(self, info: Info) -> str | None:
        org = await info.context.loader(OrganizationsByIdLoader).load(self.organization_pk)
        return org.name if org else None

    @strawberry.field
    def file_id(self) -> strawberry.ID:
        return _gid("DriveFile", self.file_pk)

    @strawberry.field
    async def file_name(self, info: Info) -> str | None:
        row = await info.context.loader(FilesByIdLoader).load(self.file_pk)
        return row.name if row else None

    @strawberry.field
    def version_id(self) -> strawberry.ID:
        return _gid("DriveFileVersion", self.version_pk)

    @strawberry.field(
        description="For a DOWNLOADED entry: the entry that issued the link fetched (a "
        "`DriveAccessEntry`); null for an issuing entry."
    )
    def link_entry_id(self) -> strawberry.ID | None:
        return _gid("DriveAccessEntry", self.link_pk) if self.link_pk else None


@strawberry.input(name="DriveAccessFilter", description="Filters of the access report.")
class AccessFilterInput:
    since: datetime | None = strawberry.field(default=None, description="Inclusive.")
    until: datetime | None = strawberry.field(default=None, description="Exclusive.")
    person_id: strawberry.ID | None = None
    organization_id: strawberry.ID | None = None
    file_id: strawberry.ID | None = None
    action: AccessAction | None = None

    def to_filter(self) -> service.AccessFilter:
        def pk_or_none(value: Any, type_name: str, field: str) -> int | None:
            # Filters of the firm's own log: a foreign or malformed id matches nothing.
            return None if value is None else filter_pk(value, type_name)

        return service.AccessFilter(
            since=self.since,
            until=self.until,
            person_id=pk_or_none(self.person_id, "Person", "personId"),
            organization_id=pk_or_none(
                self.organization_id, "ClientOrganization", "organizationId"
            ),
            file_id=pk_or_none(self.file_id, "DriveFile", "fileId"),
            action=str(self.action.value) if self.action else None,
        )


@strawberry.enum(name="JobStatus", description="Where a background job stands.")
class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@strawberry.type(
    name="DriveAccessExport",
    description="A CSV export of the access report: progress, then a download link.",
)
class AccessExportType:
    pk: strawberry.Private[int]
    key: strawberry.Private[str | None]
    status: JobStatus
    done: int
    total: int
    error: str | None
    rows: int | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return _gid("DriveAccessExport", self.pk)

    @strawberry.field(description="A short-lived link to the CSV once the export is done.")
    async def download_url(self, info: Info) -> str | None:
        if self.key is None:
            return None
        files = tenant_files(info.context.services, info.context.tenant)
        return await files.download_url(
            self.key, filename=f"drive-access-{self.pk}.csv", content_type="text/csv"
        )

    @classmethod
    def of(cls, row: Job) -> AccessExportType:
        result = row.result or {}
        done = row.status == "done"
        return cls(
            pk=row.id,
            key=result.get("key") if done else None,
            status=JobStatus(row.status),
            done=row.done,
            total=row.total,
            error=row.error,
            rows=result.get("rows") if done else None,
        )


AccessExportLookup = Annotated[
    AccessExportType | NotFoundError, strawberry.union("DriveAccessExportLookup")
]


# ------------------------------------------------------------------------------- query


@strawberry.type
class Query:
    @strawberry.field(
        description="The drive of a client organization: its folders. Staff need "
        "`documents:read`; a client user the 'documents' grant in that organization."
    )
    async def drive(self, info: Info, organization_id: strawberry.ID) -> DriveResult:
        ctx = info.context
        viewer = await viewer_of(ctx)
        try:
            org_pk = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            # A unit of work: the system folders are created on first access.
            async with ctx.unit_of_work() as session:
                folders = await service.drive_folders(session, viewer, org_pk)
                _, grants = await service.access_drive(session, viewer, org_pk, need="any")
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return DriveType(
            organization_pk=org_pk,
            folders=[FolderType.of(f, service.may_upload(viewer, f, grants)) for f in folders],
        )

    @relay.connection(
        Connection[AccessEntryType],
        description="The views-and-downloads report of every drive, newest first, filtered by "
        "period, person, organization, file and action. For the firm admin and auditors.",
        extensions=requires("audit", "read"),
    )
    def drive_access_log(
        self, info: Info, filter: AccessFilterInput | None = None
    ) -> Iterable[AccessEntryType]:
        where = (filter or AccessFilterInput()).to_filter()
        return Keyset(  # type: ignore[return-value]
            service.access_log_statement(where),
            key=(DriveAccess.at, DriveAccess.id),
            node=AccessEntryType.of,
            descending=True,
        )

    @strawberry.field(
        description="A CSV export of the access report started by exportDriveAccessLog.",
        extensions=requires("audit", "read"),
    )
    async def drive_access_export(self, info: Info, id: strawberry.ID) -> AccessExportLookup:
        from saas.jobs import job_state
        from saas.modules.documents.jobs import EXPORT_KIND

        try:
            job_id = await pk_of(info.context, "DriveAccessExport", id, field="id")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        row = await job_state(info.context.db, job_id)
        if row is None or row.kind != EXPORT_KIND:
            return NotFoundError(code="NOT_FOUND", message="Export not found.")
        return AccessExportType.of(row)

    @strawberry.field(description="One drive folder with its files.")
    async def drive_folder(self, info: Info, id: strawberry.ID) -> FolderResult:
        viewer = await viewer_of(info.context)
        try:
            pk = await pk_of(info.context, "DriveFolder", id, field="id")
            folder, grants = await service.access_folder(info.context.db, viewer, pk)
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return FolderType.of(folder, service.may_upload(viewer, folder, grants))


# ---------------------------------------------------------------------------- mutation


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
            async with service.removed_on_failure(files) as stored:
                async with ctx.unit_of_work() as session:
                    folder, _ = await service.access_folder(
                        session, viewer, folder_pk, need="upload"
                    )
                    name = service.sanitize_filename(filename)
                    data = service.decode_base64(content_base64, limit)
                    content_type = service.sniff_content_type(data)
                    key = service.new_key(files, folder.organization_id)
                    await service.put_object(files, key, data, content_type, limit)
                    stored.add(session, key)
                    row, _ = await service.record_version(
                        session,
                        viewer,
                        folder,
                        name,
                        key=key,
                        size=len(data),
                        sha256=service.sha256_hex(data),
                        content_type=content_type,
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
                upload, url = await service.start_upload(
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
                row, _ = await service.complete_upload(session, viewer, files, upload_pk)
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
                link = await service.download_link(
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
                folder = await service.create_folder(session, viewer, parent_pk, name)
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
                row = await service.delete_file(session, viewer, file_pk)
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
                row = await service.restore_file(session, viewer, file_pk)
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return FileType.of(row)

    @strawberry.mutation(
        description="Export the access report to CSV as a background job; follow it with "
        "`driveAccessExport(id)`, which offers the file when done.",
        extensions=requires("audit", "read"),
    )
    async def export_drive_access_log(
        self, info: Info, filter: AccessFilterInput | None = None
    ) -> AccessExportType:
        from saas.jobs import job_state, submit_job
        from saas.modules.documents.jobs import export_drive_access

        ctx = info.context
        where = (filter or AccessFilterInput()).to_filter()
        job_id = await submit_job(
            ctx.services.engine,
            ctx.tenant,
            export_drive_access,
            params=where.to_params(),
            created_by=ctx.principal.person_id,
        )
        row = await job_state(ctx.db, job_id)
        assert row is not None
        return AccessExportType.of(row)


TYPES = (ForbiddenError, StorageUnavailableError)
