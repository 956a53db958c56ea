"""Queries of the audit log: the list, an export job, the actions in words."""

from __future__ import annotations

import strawberry

from saas.core.ids import IdRefused, pk_of
from saas.db.core_models import AuditEntry
from saas.jobs import job_state
from saas.modules.audit.graphql.types import (
    AuditActionGroupType,
    AuditActionType,
    AuditEntryType,
    AuditFilterInput,
    AuditLogExportLookup,
    AuditLogExportType,
    AuditLogResult,
)
from saas.modules.audit.jobs import export_audit_log
from saas.modules.audit.labels import ACTIONS, group_label
from saas.modules.audit.service import AuditError, audit_log_statement
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import NotFoundError, error_result
from saas.schema.relay import Connection, Keyset, paginate


@strawberry.type
class Query:
    @strawberry.field(
        description="The firm's audit log, newest first (a connection: `first`/`after`, "
        "`last`/`before`), filtered by who acted, action, object and period. For the firm "
        "admin and auditors. A person or token of another firm is NOT_FOUND; a period ending "
        "before it starts is a ValidationError (BAD_PERIOD).",
        extensions=requires("audit", "read"),
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AuditLogResult:
        try:
            where = await (filter or AuditFilterInput()).to_filter(info.context)
        except (AuditError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        keyset = Keyset(
            audit_log_statement(where),
            key=(AuditEntry.at, AuditEntry.id),
            node=AuditEntryType.of,
            descending=True,
            entities=True,
        )
        return await paginate(
            info.context.db,
            keyset,
            first=first,
            after=after,
            last=last,
            before=before,
            connection=Connection[AuditEntryType],  # type: ignore[misc]
        )

    @strawberry.field(
        description="A CSV export of the audit log started by exportAuditLog.",
        extensions=requires("audit", "read"),
    )
    async def audit_log_export(self, info: Info, id: strawberry.ID) -> AuditLogExportLookup:
        try:
            job_id = await pk_of(info.context, "AuditLogExport", id, field="id")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        row = await job_state(info.context.db, job_id)
        if row is None or row.kind != export_audit_log.name:
            return NotFoundError(code="NOT_FOUND", message="Export not found.")
        return AuditLogExportType.of(row)

    @strawberry.field(
        description="The actions the audit log records, by kind of object, in words of the "
        "caller's language (for a filter's choices).",
        extensions=requires("audit", "read"),
    )
    def audit_action_groups(self, info: Info) -> list[AuditActionGroupType]:
        language = info.context.language
        groups: dict[str, list[AuditActionType]] = {}
        for action, label in ACTIONS.items():
            group = action.split(".", 1)[0]
            groups.setdefault(group, []).append(
                AuditActionType(action=action, label=label.word(language))
            )
        return [
            AuditActionGroupType(
                prefix=f"{group}.", label=group_label(group, language), actions=actions
            )
            for group, actions in groups.items()
        ]
