"""Mutations of the audit log: its CSV export."""

from __future__ import annotations

import strawberry

from saas.core.ids import IdRefused
from saas.jobs import job_state, submit_job
from saas.modules.audit.graphql.types import (
    AuditFilterInput,
    AuditLogExportType,
    ExportAuditLogResult,
)
from saas.modules.audit.jobs import export_audit_log
from saas.modules.audit.service import AuditError
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import error_result


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Export the audit log (the same filter as auditLog) to CSV as a background "
        "job; follow it with `auditLogExport(id)`, which offers the file when done.",
        extensions=requires("audit", "read"),
    )
    async def export_audit_log(
        self, info: Info, filter: AuditFilterInput | None = None
    ) -> ExportAuditLogResult:
        ctx = info.context
        try:
            where = await (filter or AuditFilterInput()).to_filter(ctx)
        except (AuditError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        job_id = await submit_job(
            ctx.services.engine,
            ctx.tenant,
            export_audit_log,
            params={"filter": where.to_params(), "language": ctx.language},
            created_by=ctx.principal.person_id,
        )
        row = await job_state(ctx.db, job_id)
        assert row is not None
        return AuditLogExportType.of(row)
