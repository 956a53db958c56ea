"""Types of the audit log: entries and who acted, the filter, the CSV export job, the words
of the actions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from saas.core.exports import export_link
from saas.core.ids import gid, node_pks, optional_pk_of, tenant_rows
from saas.core.job_status import JobStatus
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.db.core_models import AuditEntry, Job
from saas.modules.audit.labels import action_label, actor_words
from saas.modules.audit.loaders import TokenNamesLoader
from saas.modules.audit.service import (
    API_TOKEN,
    OPERATOR,
    PERSON,
    ActorRef,
    AuditFilter,
    audit_entries,
)
from saas.rbac.enforcer import is_allowed
from saas.schema.context import Info
from saas.schema.errors import NotFoundError, ValidationError
from saas.schema.relay import Connection
from saas.storage import tenant_files

tenant_rows("AuditEntry", "AuditLogExport")


@strawberry.enum(name="AuditActorKind", description="Who wrote an audit entry.")
class ActorKind(Enum):
    PERSON = strawberry.enum_value(PERSON, description="A person (staff or a client user).")
    API_TOKEN = strawberry.enum_value(API_TOKEN, description="An integrator's API token.")
    OPERATOR = strawberry.enum_value(
        OPERATOR, description="The platform's operator (the command line)."
    )
    SYSTEM = strawberry.enum_value(
        "system", description="The platform itself (a background job, the demo data)."
    )


@strawberry.type(name="AuditActor", description="Who did it.")
class AuditActorType:
    subject: str = strawberry.field(
        description="As stored: `person:<id>`, `token:<id>`, `operator:<how>`, or the "
        "platform's own name (`job:...`, `system`). The `actor` filter takes it."
    )
    ref: strawberry.Private[ActorRef]

    @strawberry.field
    def kind(self) -> ActorKind:
        return ActorKind(self.ref.kind)

    @strawberry.field(description="The person, when a person acted (null if since deleted).")
    async def person(self, info: Info) -> PersonCardType | None:
        if self.ref.kind != PERSON or self.ref.number is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.ref.number)
        return PersonCardType.of(card) if card else None

    @strawberry.field(description="The API token, when a token acted (type `ApiToken`).")
    def api_token_id(self) -> strawberry.ID | None:
        if self.ref.kind != API_TOKEN or self.ref.number is None:
            return None
        return gid("ApiToken", self.ref.number)

    @strawberry.field(
        description="Who, in words of the caller's language: the person's name (or e-mail), "
        '"API token \'name\'", "Platform operator", "System".'
    )
    async def label(self, info: Info) -> str:
        language = info.context.language
        number = self.ref.number
        if self.ref.kind == PERSON and number is not None:
            card = await info.context.loader(PeopleByIdLoader).load(number)
            if card is None:
                return actor_words("person_gone", language, id=number)
            return card.display_name or card.email
        if self.ref.kind == API_TOKEN and number is not None:
            name = await info.context.loader(TokenNamesLoader).load(number)
            if name is None:
                return actor_words("token_gone", language, id=number)
            return actor_words("token", language, name=name)
        return actor_words("operator" if self.ref.kind == OPERATOR else "system", language)


@strawberry.type(
    name="AuditEntry",
    description="One entry of the firm's audit log: who did what to which object, when, from "
    "where.",
)
class AuditEntryType(relay.Node):
    id: relay.NodeID[int]
    at: datetime
    action: str = strawberry.field(
        description="`<object>.<verb>`, e.g. `client_organization.create` (docs/firm-admin.md "
        "lists them)."
    )
    object_type: str = strawberry.field(description="E.g. `client_organization`, `role`.")
    object_id: str | None = strawberry.field(
        description="The object's number (or a role's name) as stored; the `object` filter "
        "takes it as is."
    )
    data: JSON = strawberry.field(description="Details of the change (JSON object).")
    ip: str | None
    subject: strawberry.Private[str]

    @classmethod
    def of(cls, row: AuditEntry) -> AuditEntryType:
        return cls(
            id=row.id,
            at=row.at,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            data=row.data or {},  # type: ignore[arg-type]
            ip=row.ip,
            subject=row.actor,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AuditEntryType | None]:
        ids = list(node_ids)
        if not await is_allowed(info.context, "audit", "read"):
            return [None for _ in ids]
        rows = await audit_entries(info.context.db, node_pks(ids))
        return [cls.of(row) if row else None for row in rows]

    @strawberry.field(
        description="The action in words of the caller's language (Russian or "
        "English); the code itself for an action without words yet."
    )
    def action_label(self, info: Info) -> str:
        return action_label(self.action, info.context.language)

    @strawberry.field
    def actor(self) -> AuditActorType:
        return AuditActorType(subject=self.subject, ref=ActorRef.of(self.subject))


@strawberry.input(name="AuditObjectFilter", description="An object of the audit log.")
class AuditObjectInput:
    type: str = strawberry.field(description="The entries' `objectType`, e.g. `role`.")
    id: str | None = strawberry.field(
        default=None, description="The entries' `objectId` as they show it (any when omitted)."
    )


@strawberry.input(
    name="AuditLogFilter",
    description="Filters of the audit log (all optional, combined with AND). Name who acted "
    "with one of personId, apiTokenId and actor.",
)
class AuditFilterInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="A person of the firm (type `Person`): what they did."
    )
    api_token_id: strawberry.ID | None = strawberry.field(
        default=None, description="An API token of the firm (type `ApiToken`)."
    )
    actor: str | None = strawberry.field(
        default=None,
        description="An actor as entries show it (`AuditActor.subject`), e.g. `operator:cli`.",
    )
    action: str | None = strawberry.field(
        default=None,
        description="An action (`role.create`), or every action of a kind when it ends with a "
        "dot (`role.`).",
    )
    object: AuditObjectInput | None = None
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Start of the period (inclusive)."
    )
    to: datetime | None = strawberry.field(
        default=None, description="End of the period (exclusive); not before `from`."
    )

    async def to_filter(self, ctx: Any) -> AuditFilter:
        """The checked filter: ids resolved in the caller's firm (IdRefused), the period and
        the actor checked (AuditError)."""
        person = await optional_pk_of(ctx, "Person", self.person_id, field="personId")
        token = await optional_pk_of(ctx, "ApiToken", self.api_token_id, field="apiTokenId")
        return AuditFilter.checked(
            actors=[
                f"person:{person}" if person else None,
                f"token:{token}" if token else None,
                self.actor,
            ],
            action=self.action,
            object_type=self.object.type if self.object else None,
            object_id=self.object.id if self.object else None,
            since=self.from_,
            until=self.to,
        )


AuditLogResult = Annotated[
    Connection[AuditEntryType] | ValidationError | NotFoundError,
    strawberry.union("AuditLogResult"),
]


@strawberry.type(
    name="AuditLogExport",
    description="A CSV export of the audit log: progress, then a download link.",
)
class AuditLogExportType:
    pk: strawberry.Private[int]
    key: strawberry.Private[str | None]
    status: JobStatus
    done: int = strawberry.field(description="Entries written so far.")
    total: int = strawberry.field(description="Entries to write.")
    error: str | None
    rows: int | None = strawberry.field(description="Entries in the file, once done.")

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("AuditLogExport", self.pk)

    @strawberry.field(description="A short-lived link to the CSV once the export is done.")
    async def download_url(self, info: Info) -> str | None:
        if self.key is None:
            return None
        files = tenant_files(info.context.services, info.context.tenant)
        return await export_link(files, self.key, f"audit-log-{self.pk}.csv")

    @classmethod
    def of(cls, row: Job) -> AuditLogExportType:
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


AuditLogExportLookup = Annotated[
    AuditLogExportType | NotFoundError, strawberry.union("AuditLogExportLookup")
]
ExportAuditLogResult = Annotated[
    AuditLogExportType | ValidationError | NotFoundError,
    strawberry.union("ExportAuditLogResult"),
]


@strawberry.type(name="AuditAction", description="An action of the audit log, in words.")
class AuditActionType:
    action: str
    label: str


@strawberry.type(
    name="AuditActionGroup",
    description="The actions on one kind of object: `prefix` (e.g. `role.`) filters them all.",
)
class AuditActionGroupType:
    prefix: str
    label: str
    actions: list[AuditActionType]
