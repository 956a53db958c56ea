"""Queries of reports: the feed, one report, counts per status, an import, the forms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from saas.core.actor import actor_of
from saas.core.ids import IdRefused, optional_pk_of, pk_of
from saas.jobs import job_state
from saas.modules.reports.catalog import report_forms
from saas.modules.reports.graphql.enums import ReportOrder, ReportStatus
from saas.modules.reports.graphql.feed import FeedKeyset, feed_filter, feed_node, selects
from saas.modules.reports.graphql.results import (
    ReportImportLookup,
    ReportImportType,
    ReportLookup,
    StatusCount,
    StatusCounts,
)
from saas.modules.reports.graphql.types import ReportFormType, ReportType
from saas.modules.reports.jobs import IMPORT_KIND
from saas.modules.reports.policy import READ_NOTE, reads_reports
from saas.modules.reports.service.feed import (
    feed_statement,
    status_counts,
)
from saas.modules.reports.service.flow import (
    ReportsError,
    today_of,
)
from saas.modules.reports.service.scope import access_report
from saas.rbac.permissions import requires
from saas.schema.context import Info, viewer_language
from saas.schema.errors import (
    error_result,
)
from saas.schema.relay import Connection


@strawberry.type
class Query:
    @relay.connection(
        Connection[ReportType],
        description="The status feed: reports newest first. Staff see every client's; a "
        f"client user those of organizations granting it 'reports'. {READ_NOTE}",
        extensions=reads_reports(),
    )
    def reports(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        form_code: str | None = None,
        period_from: date | None = None,
        period_to: date | None = None,
        statuses: list[ReportStatus] | None = None,
        updated_since: datetime | None = None,
        order_by: ReportOrder = ReportOrder.UPDATED_DESC,
        overdue: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only reports with an open follow-up past its due date; "
                "false: only the others."
            ),
        ] = None,
    ) -> Iterable[ReportType]:
        where = feed_filter(
            today_of(info.context.tenant),
            organization_id=organization_id,
            form_code=form_code,
            period_from=period_from,
            period_to=period_to,
            statuses=statuses,
            updated_since=updated_since,
            overdue=overdue,
        )
        # The organization and the documents come with the reports: one statement.
        with_organization = selects(info.selected_fields, "organization")
        with_documents = selects(info.selected_fields, "documents")
        stmt, key = feed_statement(
            actor_of(info.context),
            where,
            order_by,
            with_organization=with_organization,
            with_documents=with_documents,
        )
        node = feed_node(info, with_organization=with_organization, with_documents=with_documents)
        return FeedKeyset(  # type: ignore[return-value]
            stmt, key=key, node=node, descending=True, entities=False
        )

    @strawberry.field(
        description=f"One report with its timeline; NotFoundError when not visible. {READ_NOTE}",
        extensions=reads_reports(),
    )
    async def report(self, info: Info, id: strawberry.ID) -> ReportLookup:
        try:
            pk = await pk_of(info.context, "Report", id, field="id")
            row = await access_report(info.context.db, actor_of(info.context), pk)
        except (ReportsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[return-value]
        return ReportType.of(row)

    @strawberry.field(
        description=f"Reports per status, for one organization or all visible. {READ_NOTE}",
        extensions=reads_reports(),
    )
    async def report_status_counts(
        self, info: Info, organization_id: strawberry.ID | None = None
    ) -> StatusCounts:
        try:
            org = await optional_pk_of(
                info.context, "ClientOrganization", organization_id, field="organizationId"
            )
        except IdRefused:
            org = -1  # an organization the viewer may not see counts nothing
        counts = await status_counts(info.context.db, actor_of(info.context), org)
        by_status = [StatusCount(status=s, count=counts.get(s.value, 0)) for s in ReportStatus]
        return StatusCounts(total=sum(counts.values()), by_status=by_status)

    @strawberry.field(
        description="A bulk import of report events, with its progress and refused lines.",
        extensions=requires("reports", "write"),
    )
    async def report_import(self, info: Info, id: strawberry.ID) -> ReportImportLookup:
        try:
            job_id = await pk_of(info.context, "ReportImport", id, field="id")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        row = await job_state(info.context.db, job_id)
        if row is None or row.kind != IMPORT_KIND:
            missing = ReportsError(
                "not_found", "NOT_FOUND", "Импорт не найден.", "Import not found."
            )
            return error_result(info, missing)  # type: ignore[no-any-return]
        return ReportImportType.of(row, viewer_language(info))

    @strawberry.field(description="The catalog of report forms.", extensions=reads_reports())
    def report_forms(self) -> list[ReportFormType]:
        return [ReportFormType.of(f) for f in report_forms().values()]
