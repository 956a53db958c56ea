"""Queries of the drive: a drive's folders, a folder, the access report and its export."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay

from saas.core.actor import actor_of
from saas.core.ids import IdRefused, pk_of
from saas.jobs import job_state
from saas.modules.documents.graphql.access_log import (
    AccessEntryType,
    AccessExportLookup,
    AccessExportType,
    AccessFilterInput,
    access_log_guard,
)
from saas.modules.documents.graphql.types import DriveResult, DriveType, FolderResult, FolderType
from saas.modules.documents.jobs import EXPORT_KIND
from saas.modules.documents.models import DriveAccess
from saas.modules.documents.policy import viewer_of
from saas.modules.documents.service.access_log import (
    access_log_statement,
)
from saas.modules.documents.service.errors import DocumentsError
from saas.modules.documents.service.folders import (
    access_drive,
    access_folder,
    drive_folders,
    may_upload,
)
from saas.schema.context import Info
from saas.schema.errors import (
    NotFoundError,
    error_result,
)
from saas.schema.relay import Connection, Keyset


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
                folders = await drive_folders(session, viewer, org_pk)
                _, grants = await access_drive(session, viewer, org_pk, need="any")
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return DriveType(
            organization_pk=org_pk,
            folders=[FolderType.of(f, may_upload(viewer, f, grants)) for f in folders],
        )

    @relay.connection(
        Connection[AccessEntryType],
        description="The views-and-downloads report of every drive, newest first, filtered by "
        "period, person, organization, file and action, of the organizations the viewer "
        "sees. For the firm admin, auditors and those who manage documents.",
        extensions=access_log_guard(),
    )
    def drive_access_log(
        self, info: Info, filter: AccessFilterInput | None = None
    ) -> Iterable[AccessEntryType]:
        where = (filter or AccessFilterInput()).to_filter()
        return Keyset(  # type: ignore[return-value]
            access_log_statement(actor_of(info.context), where),
            key=(DriveAccess.at, DriveAccess.id),
            node=AccessEntryType.of,
            descending=True,
        )

    @strawberry.field(
        description="A CSV export of the access report started by exportDriveAccessLog.",
        extensions=access_log_guard(),
    )
    async def drive_access_export(self, info: Info, id: strawberry.ID) -> AccessExportLookup:
        try:
            job_id = await pk_of(info.context, "DriveAccessExport", id, field="id")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        row = await job_state(info.context.db, job_id)
        actor = actor_of(info.context)
        # Staff seeing only their organizations read only their own exports.
        theirs = actor.firm_wide or (row is not None and row.created_by == actor.person_id)
        if row is None or row.kind != EXPORT_KIND or not theirs:
            return NotFoundError(code="NOT_FOUND", message="Export not found.")
        return AccessExportType.of(row)

    @strawberry.field(description="One drive folder with its files.")
    async def drive_folder(self, info: Info, id: strawberry.ID) -> FolderResult:
        viewer = await viewer_of(info.context)
        try:
            pk = await pk_of(info.context, "DriveFolder", id, field="id")
            folder, grants = await access_folder(info.context.db, viewer, pk)
        except (DocumentsError, IdRefused) as exc:
            return error_result(info, exc)
        return FolderType.of(folder, may_upload(viewer, folder, grants))
