"""The access report's types: entries, the filter, the CSV export job."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.core.actor import actor_of
from saas.core.ids import filter_pk, gid, node_pks
from saas.core.job_status import JobStatus
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.db.core_models import Job
from saas.modules.clients.loaders import OrganizationsByIdLoader
from saas.modules.documents.graphql.enums import AccessAction
from saas.modules.documents.loaders import FilesByIdLoader
from saas.modules.documents.models import DriveAccess
from saas.modules.documents.service.access_log import (
    AccessFilter,
    access_entries,
)
from saas.rbac.enforcer import is_allowed
from saas.rbac.permissions import requires_any
from saas.schema.context import Info
from saas.schema.errors import (
    NotFoundError,
)
from saas.storage import tenant_files

# Who reads the views-and-downloads report: those who manage documents (the catalog's
# `documents:manage` claims the download log) and auditors (`audit:read`), within the
# organizations they see.
ACCESS_LOG_PERMISSIONS = (("documents", "manage"), ("audit", "read"))


def access_log_guard() -> list[Any]:
    return requires_any(*ACCESS_LOG_PERMISSIONS)


async def may_read_access_log(ctx: Any) -> bool:
    for obj, act in ACCESS_LOG_PERMISSIONS:
        if await is_allowed(ctx, obj, act):
            return True
    return False


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
        if not await may_read_access_log(info.context):
            return [None for _ in ids]
        rows = await access_entries(info.context.db, actor_of(info.context), node_pks(ids))
        return [cls.of(row) if row else None for row in rows]

    @strawberry.field(description="Who: a person (null when an API token acted).")
    async def person(self, info: Info) -> PersonCardType | None:
        if self.person_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.person_pk)
        return PersonCardType.of(card) if card else None

    @strawberry.field(description="The API token that acted, if any (type `ApiToken`).")
    def api_token_id(self) -> strawberry.ID | None:
        return gid("ApiToken", self.token_pk) if self.token_pk else None

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.organization_pk)

    @strawberry.field
    async def organization_name(self, info: Info) -> str | None:
        org = await info.context.loader(OrganizationsByIdLoader).load(self.organization_pk)
        return org.name if org else None

    @strawberry.field
    def file_id(self) -> strawberry.ID:
        return gid("DriveFile", self.file_pk)

    @strawberry.field
    async def file_name(self, info: Info) -> str | None:
        row = await info.context.loader(FilesByIdLoader).load(self.file_pk)
        return row.name if row else None

    @strawberry.field
    def version_id(self) -> strawberry.ID:
        return gid("DriveFileVersion", self.version_pk)

    @strawberry.field(
        description="For a DOWNLOADED entry: the entry that issued the link fetched (a "
        "`DriveAccessEntry`); null for an issuing entry."
    )
    def link_entry_id(self) -> strawberry.ID | None:
        return gid("DriveAccessEntry", self.link_pk) if self.link_pk else None


@strawberry.input(name="DriveAccessFilter", description="Filters of the access report.")
class AccessFilterInput:
    since: datetime | None = strawberry.field(default=None, description="Inclusive.")
    until: datetime | None = strawberry.field(default=None, description="Exclusive.")
    person_id: strawberry.ID | None = None
    organization_id: strawberry.ID | None = None
    file_id: strawberry.ID | None = None
    action: AccessAction | None = None

    def to_filter(self) -> AccessFilter:
        def pk_or_none(value: Any, type_name: str, field: str) -> int | None:
            # Filters of the firm's own log: a foreign or malformed id matches nothing.
            return None if value is None else filter_pk(value, type_name)

        return AccessFilter(
            since=self.since,
            until=self.until,
            person_id=pk_or_none(self.person_id, "Person", "personId"),
            organization_id=pk_or_none(
                self.organization_id, "ClientOrganization", "organizationId"
            ),
            file_id=pk_or_none(self.file_id, "DriveFile", "fileId"),
            action=str(self.action.value) if self.action else None,
        )


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
        return gid("DriveAccessExport", self.pk)

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
