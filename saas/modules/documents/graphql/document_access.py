"""The views-and-downloads report of every document (the drive's files and other modules'
documents, e.g. report documents): `documentAccessLog` and `exportDocumentAccessLog`. The
drive-only `driveAccessLog` / `exportDriveAccessLog` stay as they were."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from saas.core.actor import actor_of
from saas.core.ids import filter_pk, gid
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.jobs import job_state, submit_job
from saas.modules.clients.loaders import OrganizationsByIdLoader
from saas.modules.documents.graphql.access_log import AccessExportType, access_log_guard
from saas.modules.documents.graphql.enums import AccessAction
from saas.modules.documents.jobs import export_drive_access, export_params
from saas.modules.documents.service.document_access import (
    DRIVE,
    DocumentAccessFilter,
    document_access_log,
)
from saas.schema.context import Info
from saas.schema.relay import Connection, Keyset

REPORT = "report"  # the reports module's source (saas.modules.reports.service.access_log)


@strawberry.enum(name="DocumentKind", description="Where a document lives.")
class DocumentKind(Enum):
    DRIVE = strawberry.enum_value(DRIVE, description="A file of a client organization's drive.")
    REPORT = strawberry.enum_value(REPORT, description="A document of a report's event.")


@strawberry.type(
    name="DocumentAccessEntry",
    description="One entry of the views-and-downloads report of every document: a link issued "
    "(VIEW, DOWNLOAD) or a fetch of one (DOWNLOADED), of a drive file or a report document "
    "(`documentKind`).",
)
class DocumentAccessEntryType:
    row: strawberry.Private[Any]

    @classmethod
    def of(cls, row: Any) -> DocumentAccessEntryType:
        return cls(row=row)

    @strawberry.field(
        description="The entry's id in its own log: a `DriveAccessEntry` (a node) for a drive "
        "file, a `ReportDocumentAccessEntry` for a report document."
    )
    def id(self) -> strawberry.ID:
        kind = "DriveAccessEntry" if self.row.kind == DRIVE else "ReportDocumentAccessEntry"
        return gid(kind, self.row.id)

    @strawberry.field(description="Which kind of document: a drive file or a report document.")
    def document_kind(self) -> DocumentKind:
        return DocumentKind(self.row.kind)

    @strawberry.field
    def at(self) -> datetime:
        return self.row.at  # type: ignore[no-any-return]

    @strawberry.field(
        description="A report document's link is always a download link (DOWNLOAD when issued)."
    )
    def action(self) -> AccessAction:
        return AccessAction(self.row.action)

    @strawberry.field
    def ip(self) -> str | None:
        return self.row.ip  # type: ignore[no-any-return]

    @strawberry.field
    def user_agent(self) -> str | None:
        return self.row.user_agent  # type: ignore[no-any-return]

    @strawberry.field(description="Who: a person (null when an API token acted).")
    async def person(self, info: Info) -> PersonCardType | None:
        if self.row.person_id is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.row.person_id)
        return PersonCardType.of(card) if card else None

    @strawberry.field(description="The API token that acted, if any (type `ApiToken`).")
    def api_token_id(self) -> strawberry.ID | None:
        return gid("ApiToken", self.row.token_id) if self.row.token_id else None

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.row.organization_id)

    @strawberry.field
    async def organization_name(self, info: Info) -> str | None:
        org = await info.context.loader(OrganizationsByIdLoader).load(self.row.organization_id)
        return org.name if org else None

    @strawberry.field(description="The document: a `DriveFile` or a `ReportDocument`.")
    def document_id(self) -> strawberry.ID:
        kind = "DriveFile" if self.row.kind == DRIVE else "ReportDocument"
        return gid(kind, self.row.document_id)

    @strawberry.field
    def document_name(self) -> str:
        return self.row.document_name  # type: ignore[no-any-return]

    @strawberry.field(description="A drive file's version (type `DriveFileVersion`).")
    def version_id(self) -> strawberry.ID | None:
        return gid("DriveFileVersion", self.row.version_id) if self.row.version_id else None

    @strawberry.field(description="A drive file's version number.")
    def version_no(self) -> int | None:
        return self.row.version_no  # type: ignore[no-any-return]

    @strawberry.field(description="A report document's report (type `Report`).")
    def report_id(self) -> strawberry.ID | None:
        return gid("Report", self.row.report_id) if self.row.report_id else None

    @strawberry.field(
        description="For a DOWNLOADED entry: the `id` of the entry that issued the link "
        "fetched (in the same log); null for an issuing entry."
    )
    def link_entry_id(self) -> strawberry.ID | None:
        if not self.row.link_id:
            return None
        kind = "DriveAccessEntry" if self.row.kind == DRIVE else "ReportDocumentAccessEntry"
        return gid(kind, self.row.link_id)


@strawberry.input(
    name="DocumentAccessFilter",
    description="Filters of the views-and-downloads report of every document (all optional).",
)
class DocumentAccessFilterInput:
    since: datetime | None = strawberry.field(default=None, description="Inclusive.")
    until: datetime | None = strawberry.field(default=None, description="Exclusive.")
    person_id: strawberry.ID | None = None
    organization_id: strawberry.ID | None = None
    document_kind: DocumentKind | None = None
    file_id: strawberry.ID | None = strawberry.field(
        default=None, description="A drive file (type `DriveFile`): its entries only."
    )
    document_id: strawberry.ID | None = strawberry.field(
        default=None, description="A report document (type `ReportDocument`): its entries only."
    )
    action: AccessAction | None = None

    def to_filter(self) -> DocumentAccessFilter:
        def pk(value: Any, type_name: str) -> int | None:
            # Filters of the firm's own log: a foreign or malformed id matches nothing.
            return None if value is None else filter_pk(value, type_name)

        return DocumentAccessFilter(
            since=self.since,
            until=self.until,
            person_id=pk(self.person_id, "Person"),
            organization_id=pk(self.organization_id, "ClientOrganization"),
            kind=str(self.document_kind.value) if self.document_kind else None,
            file_id=pk(self.file_id, "DriveFile"),
            document_id=pk(self.document_id, "ReportDocument"),
            action=str(self.action.value) if self.action else None,
        )


@strawberry.type
class Query:
    @relay.connection(
        Connection[DocumentAccessEntryType],  # type: ignore[type-var]
        description="The views-and-downloads report of every document, newest first: the "
        "drives' files and the reports' documents (`documentKind`), filtered by period, "
        "person, organization, kind, document and action, of the organizations the viewer "
        "sees. For the firm admin, auditors and those who manage documents.",
        extensions=access_log_guard(),
    )
    def document_access_log(
        self, info: Info, filter: DocumentAccessFilterInput | None = None
    ) -> Iterable[DocumentAccessEntryType]:
        where = (filter or DocumentAccessFilterInput()).to_filter()
        statement, log = document_access_log(actor_of(info.context), where)
        return Keyset(  # type: ignore[return-value,type-var]
            statement,
            key=(log.c.at, log.c.kind, log.c.id),
            node=DocumentAccessEntryType.of,
            descending=True,
            entities=False,
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Export the report of every document to CSV as a background job (the "
        "drive export's columns, then `document_kind` and `report_id`); follow it with "
        "`driveAccessExport(id)`, which offers the file when done. It holds the organizations "
        "the viewer sees.",
        extensions=access_log_guard(),
    )
    async def export_document_access_log(
        self, info: Info, filter: DocumentAccessFilterInput | None = None
    ) -> AccessExportType:
        ctx = info.context
        where = (filter or DocumentAccessFilterInput()).to_filter()
        job_id = await submit_job(
            ctx.services.engine,
            ctx.tenant,
            export_drive_access,
            params=export_params(where, actor_of(ctx).acting()),
            created_by=ctx.principal.person_id,
        )
        row = await job_state(ctx.db, job_id)
        assert row is not None
        return AccessExportType.of(row)
