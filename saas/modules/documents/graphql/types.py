"""The drive's types: drives, folders, files, versions, upload tickets, links, and the
unions of their results with the errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from saas.core.ids import gid, node_pks
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.documents.graphql.enums import Direction
from saas.modules.documents.loaders import FileOriginLoader, VersionsByFileLoader
from saas.modules.documents.models import DriveFile, DriveFileVersion, DriveFolder
from saas.modules.documents.policy import viewer_of
from saas.modules.documents.service.errors import DocumentsError
from saas.modules.documents.service.files import access_file, live_files
from saas.schema.context import Info, viewer_language
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    StorageUnavailableError,
    ValidationError,
)
from saas.schema.relay import Connection, Keyset


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
        return gid("DriveFileVersion", self.pk)

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


@strawberry.type(
    name="DriveFileOrigin",
    description="Where a file came from when another module filed it (a chat message's "
    "attachment).",
)
class FileOriginType:
    module: str = strawberry.field(description="The module that filed it, e.g. `chat`.")
    description: str = strawberry.field(
        description="In the viewer's language, e.g. «Прислан клиентом в чате»."
    )
    at: datetime = strawberry.field(description="When it was filed (the message's time).")


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
                row, _ = await access_file(info.context.db, viewer, node_pks([node_id])[0])
            except DocumentsError:
                out.append(None)
            else:
                out.append(cls.of(row))
        return out

    @strawberry.field
    def folder_id(self) -> strawberry.ID:
        return gid("DriveFolder", self.folder_pk)

    @strawberry.field(
        description="Where the file came from when another module filed it (e.g. attached "
        "to a chat message); null for a file uploaded to the drive."
    )
    async def origin(self, info: Info) -> FileOriginType | None:
        found = await info.context.loader(FileOriginLoader).load(self.id)
        if found is None:
            return None
        text = found.en if viewer_language(info) == "en" else found.ru
        return FileOriginType(module=found.module, description=text, at=found.at)

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
        return gid("DriveFolder", self.pk)

    @strawberry.field
    def parent_id(self) -> strawberry.ID | None:
        return gid("DriveFolder", self.parent_pk) if self.parent_pk else None

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.organization_pk)

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
        deleted = include_deleted and viewer.staff and viewer.may("documents", "manage")
        return Keyset(  # type: ignore[return-value]
            live_files(self.pk, include_deleted=deleted),
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
        return gid("ClientOrganization", self.organization_pk)


@strawberry.type(name="UploadTicket", description="Where to PUT a large file, then complete it.")
class UploadTicket:
    upload_pk: strawberry.Private[int]
    url: str = strawberry.field(description="PUT the exact bytes here before it expires.")
    expires_at: datetime

    @strawberry.field(description="Pass to completeUpload.")
    def upload_id(self) -> strawberry.ID:
        return gid("DriveUpload", self.upload_pk)


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
