"""Mutations of reports: create a report, record an event, a document's link, a bulk import."""

from __future__ import annotations

import strawberry

from saas.core.actor import actor_of
from saas.core.ids import IdRefused, optional_pk_of, pk_of
from saas.jobs import job_state, submit_job
from saas.modules.clients.service import (
    ClientsError,
)
from saas.modules.documents.policy import max_upload_bytes
from saas.modules.reports.graphql.inputs import CreateReportInput, RecordReportEventInput
from saas.modules.reports.graphql.results import (
    CreateReportResult,
    RecordReportEventResult,
    ReportDocumentLinkResult,
    ReportDocumentLinkType,
    ReportEventRecorded,
    ReportImportResult,
    ReportImportType,
    SetReportManagerResult,
)
from saas.modules.reports.graphql.types import ReportEventType, ReportType
from saas.modules.reports.imports import read_import
from saas.modules.reports.jobs import import_report_events
from saas.modules.reports.policy import READ_NOTE, reads_reports
from saas.modules.reports.service.attachments import DocumentInput
from saas.modules.reports.service.downloads import document_link
from saas.modules.reports.service.filings import ReportInput, create_report, set_report_manager
from saas.modules.reports.service.flow import (
    ReportsError,
)
from saas.modules.reports.service.timeline import (
    EventInput,
    record_and_announce,
)
from saas.rbac.permissions import requires
from saas.schema.context import Info, viewer_language
from saas.schema.errors import (
    PublicError,
    ValidationError,
    error_result,
)
from saas.storage import tenant_files
from saas.storage.stored import removed_on_failure


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a report for a client organization.",
        extensions=requires("reports", "write"),
    )
    async def create_report(self, info: Info, input: CreateReportInput) -> CreateReportResult:
        ctx = info.context
        try:
            data = ReportInput(
                organization_id=await pk_of(
                    ctx, "ClientOrganization", input.organization_id, field="organizationId"
                ),
                form_code=input.form_code,
                period_year=input.period_year,
                period_code=input.period_code.strip().upper(),
                authority_code=input.authority_code,
                correction=input.correction,
                # Person ids are global: only an active staff member of this firm.
                manager_person_id=await optional_pk_of(
                    ctx, "Staff", input.responsible_manager_id, field="responsibleManagerId"
                ),
            )
            async with ctx.unit_of_work() as session:
                row = await create_report(session, actor_of(ctx), data)
        except (ReportsError, ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        return ReportType.of(row)

    @strawberry.mutation(
        description="Make an active staff member the report's responsible manager (its "
        "follow-ups and staff notifications go to them); `responsibleManagerId: null` gives it "
        "back to the organization's responsible manager. NotFoundError when the report is not "
        "visible; ValidationError NOT_STAFF when the person is not active staff of the firm.",
        extensions=requires("reports", "manage"),
    )
    async def set_report_manager(
        self,
        info: Info,
        report_id: strawberry.ID,
        responsible_manager_id: strawberry.ID | None = None,
    ) -> SetReportManagerResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "Report", report_id, field="reportId")
            manager = await optional_pk_of(
                ctx, "Staff", responsible_manager_id, field="responsibleManagerId"
            )
            async with ctx.unit_of_work() as session:
                row = await set_report_manager(session, actor_of(ctx), pk, manager)
        except (ReportsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ReportType.of(row)

    @strawberry.mutation(
        description="Record a timeline event (idempotent by `externalId`). The report's status "
        "is recomputed by event time; at equal times the later stage of the flow wins, then "
        "the recording order.",
        extensions=requires("reports", "write"),
    )
    async def record_report_event(
        self, info: Info, input: RecordReportEventInput
    ) -> RecordReportEventResult:
        ctx = info.context
        try:
            report_id = await pk_of(ctx, "Report", input.report_id, field="reportId")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        data = EventInput(
            report_id=report_id,
            external_id=input.external_id,
            kind=input.kind,
            occurred_at=input.occurred_at,
            text=input.text,
            reason_code=input.reason_code,
            documents=[
                DocumentInput(kind=d.kind, filename=d.filename, content_base64=d.content_base64)
                for d in input.documents or []
            ],
        )
        files = tenant_files(ctx.services, ctx.tenant)
        try:
            # Objects are stored before their rows; a failed unit of work removes them again.
            async with removed_on_failure(files) as stored:
                async with ctx.unit_of_work() as session:
                    recorded = await record_and_announce(
                        session,
                        actor_of(ctx),
                        data,
                        services=ctx.services,
                        files=files,
                        stored=stored,
                        max_document_bytes=max_upload_bytes(ctx.tenant),
                    )
        except (ReportsError, ClientsError) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ReportEventRecorded(
            event=ReportEventType.of(recorded.event, recorded.report.status),
            report=ReportType.of(recorded.report),
            duplicate=recorded.duplicate,
        )

    @strawberry.mutation(
        description="A short-lived link to a report document's bytes; every call is logged "
        "(person or token, time, address). Staff and integrators always; a client user with "
        "the organization's 'reports' grant only once the report's flow is complete "
        "(ConflictError FLOW_INCOMPLETE before). Another organization's or firm's document: "
        f"NotFoundError. {READ_NOTE}",
        extensions=reads_reports(),
    )
    async def report_document_link(
        self, info: Info, document_id: strawberry.ID
    ) -> ReportDocumentLinkResult:
        ctx = info.context
        request = ctx.request
        try:
            document_pk = await pk_of(ctx, "ReportDocument", document_id, field="documentId")
            async with ctx.unit_of_work() as session:
                link = await document_link(
                    session,
                    actor_of(ctx),
                    tenant_files(ctx.services, ctx.tenant),
                    document_pk,
                    ip=request.client.host if request.client else None,
                    user_agent=request.headers.get("user-agent"),
                    token_id=ctx.principal.token_id,
                )
        except (ReportsError, ClientsError, IdRefused) as exc:
            if exc.kind == "unavailable":
                raise PublicError(exc.message_in(viewer_language(info)), exc.code) from None
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ReportDocumentLinkType(url=link.url, expires_at=link.expires_at)

    @strawberry.mutation(
        description="Import report events in bulk from a file given as text, exactly one of: "
        "`jsonLines`, one JSON object per line (the fields of RecordReportEventInput: "
        "reportId, externalId, kind, occurredAt, text, reasonCode), or `csv`, a header row "
        "naming the same fields then one event per record (`,` or `;`, UTF-8). Instead of "
        "reportId a row may name the report by inn (and kpp), formCode, periodYear, "
        "periodCode and correction. At most 5000 rows. Runs as a background job; follow it "
        "with `reportImport(id)`.",
        extensions=requires("reports", "write"),
    )
    async def import_report_events(
        self, info: Info, json_lines: str | None = None, csv: str | None = None
    ) -> ReportImportResult:
        ctx = info.context
        language = viewer_language(info)
        try:
            rows = read_import(json_lines, csv)
        except ReportsError as exc:
            return ValidationError(code=exc.code, message=exc.message_in(language), field=exc.field)
        job_id = await submit_job(
            ctx.services.engine,
            ctx.tenant,
            import_report_events,
            params={"rows": rows, "acting": actor_of(ctx).acting()},
            created_by=ctx.principal.person_id,
            total=len(rows),
        )
        row = await job_state(ctx.db, job_id)
        assert row is not None
        return ReportImportType.of(row, language)
