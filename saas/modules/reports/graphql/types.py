"""The node types of reports: Report, its timeline's events, documents and follow-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay

from saas.core.actor import actor_of
from saas.core.ids import node_pks
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.clients.graphql.types import ClientOrganizationType
from saas.modules.clients.loaders import OrganizationsByIdLoader
from saas.modules.reports.catalog import Authority, Periodicity, ReportForm, form_of
from saas.modules.reports.graphql.enums import (
    DocumentKind,
    EventKind,
    ReportStatus,
    organization_gid,
)
from saas.modules.reports.loaders import (
    DocumentsByReportLoader,
    EventsByReportLoader,
    FollowUpsByReportLoader,
)
from saas.modules.reports.models import FollowUp as FollowUpRow
from saas.modules.reports.models import Report as ReportRow
from saas.modules.reports.models import ReportDocument as DocumentRow
from saas.modules.reports.models import ReportEvent as EventRow
from saas.modules.reports.policy import ReportsReadable
from saas.modules.reports.service.feed import (
    DocumentRecord,
)
from saas.modules.reports.service.flow import (
    flow_complete,
    today_of,
)
from saas.modules.reports.service.scope import documents_by_id, reports_by_id
from saas.schema.context import Info
from saas.schema.execution import UNREAD, pre_read


@strawberry.type(name="ReportForm", description="A form from the catalog of report forms.")
class ReportFormType:
    code: str
    name_ru: str
    name_en: str
    authority: Authority
    periodicity: Periodicity

    @classmethod
    def of(cls, form: ReportForm) -> ReportFormType:
        return cls(
            code=form.code,
            name_ru=form.ru,
            name_en=form.en,
            authority=form.authority,
            periodicity=form.periodicity,
        )


def may_download(info: Info, report_status: str) -> bool:
    """Staff and integrator tokens always; a client user once the flow is complete."""
    return actor_of(info.context).staff or flow_complete(report_status)


@strawberry.type(
    name="ReportDocument",
    description="A file attached to a report event: the report itself, a receipt, a notice. "
    "Get its bytes with `reportDocumentLink`.",
)
class ReportDocumentType(relay.Node):
    id: relay.NodeID[int]
    kind: DocumentKind
    name: str = strawberry.field(description="The file name (sanitized).")
    size: int = strawberry.field(description="Bytes.")
    content_type: str = strawberry.field(description="Decided from the bytes, not the name.")
    created_at: datetime
    downloadable: bool = strawberry.field(
        description="The viewer may get a link now: always for staff and integrators; for a "
        "client user once the report's flow is complete (accepted or rejected)."
    )
    event_pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: DocumentRow | DocumentRecord, downloadable: bool) -> ReportDocumentType:
        return cls(
            id=row.id,
            kind=DocumentKind(row.kind),
            name=row.name,
            size=int(row.size),
            content_type=row.content_type,
            created_at=row.created_at,
            downloadable=downloadable,
            event_pk=row.event_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ReportDocumentType | None]:
        ids = [pk or -1 for pk in node_pks(list(node_ids))]
        if not await _can_read(info):
            return [None for _ in ids]
        rows = await documents_by_id(info.context.db, actor_of(info.context), ids)
        found = {d.id: (d, status) for d, status in rows}
        return [
            cls.of(found[i][0], may_download(info, found[i][1])) if i in found else None
            for i in ids
        ]


async def report_documents(info: Info, report_pk: int, status: str) -> list[ReportDocumentType]:
    rows = await info.context.loader(DocumentsByReportLoader).load(report_pk)
    downloadable = may_download(info, status)
    return [ReportDocumentType.of(r, downloadable) for r in rows]


@strawberry.type(name="ReportEvent", description="One step of a report's timeline.")
class ReportEventType:
    id: strawberry.ID
    external_id: str
    kind: EventKind
    occurred_at: datetime
    text: str
    reason_code: str | None
    recorded_at: datetime
    pk: strawberry.Private[int]
    report_pk: strawberry.Private[int]
    report_status: strawberry.Private[str]

    @classmethod
    def of(cls, row: EventRow, report_status: str) -> ReportEventType:
        return cls(
            id=strawberry.ID(str(relay.GlobalID("ReportEvent", str(row.id)))),
            external_id=row.external_id,
            kind=EventKind(row.kind),
            occurred_at=row.occurred_at,
            text=row.text,
            reason_code=row.reason_code,
            recorded_at=row.recorded_at,
            pk=row.id,
            report_pk=row.report_id,
            report_status=report_status,
        )

    @strawberry.field(description="Documents attached to this event, in recording order.")
    async def documents(self, info: Info) -> list[ReportDocumentType]:
        every = await report_documents(info, self.report_pk, self.report_status)
        return [d for d in every if d.event_pk == self.pk]


@strawberry.type(
    name="ReportFollowUp",
    description="Work for the responsible manager after a "
    "rejection or a clarification request (firm staff only).",
)
class FollowUpType:
    id: strawberry.ID
    due_date: date
    status: str
    closed_at: datetime | None = strawberry.field(
        description="When it was closed (by hand, or by the report's acceptance)."
    )
    manager_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: FollowUpRow) -> FollowUpType:
        return cls(
            # A global id (`closeReportFollowUp(followUpId)`); a bare number is read alike.
            id=strawberry.ID(relay.to_base64("ReportFollowUp", row.id)),
            due_date=row.due_date,
            status=row.status,
            closed_at=row.closed_at,
            manager_pk=row.manager_person_id,
        )

    @strawberry.field
    async def manager(self, info: Info) -> PersonCardType | None:
        if self.manager_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.manager_pk)
        return PersonCardType.of(card) if card else None


@strawberry.type(name="Report", description="A filing for a client organization.")
class ReportType(relay.Node):
    id: relay.NodeID[int]
    organization_id: strawberry.ID
    form_code: str
    period_year: int
    period_code: str = strawberry.field(description="01-12, Q1-Q4, Y or E (see ReportForm).")
    period_start: date
    authority_code: str = strawberry.field(description="Code of the receiving office (e.g. 7701).")
    correction: int = strawberry.field(description="0 for the primary filing, then 1, 2...")
    status: ReportStatus
    status_at: datetime
    being_fixed: bool = strawberry.field(
        description="A rejection or clarification is being worked on by the firm."
    )
    follow_up_due: date | None = strawberry.field(
        description="The earliest due date of the open follow-ups (none when none is open)."
    )
    document_count: int = strawberry.field(
        description="How many documents the report's events carry."
    )
    updated_at: datetime
    organization_pk: strawberry.Private[int]
    manager_pk: strawberry.Private[int | None]
    # What the feed read with its page (UNREAD elsewhere: the loaders then read them).
    read_organization: strawberry.Private[Any] = UNREAD
    read_documents: strawberry.Private[Any] = UNREAD

    @classmethod
    def of(cls, row: ReportRow) -> ReportType:
        """From a report row (an ORM instance, or the feed's bundle of the same columns)."""
        return cls(
            id=row.id,
            organization_id=organization_gid(row.organization_id),
            form_code=row.form_code,
            period_year=row.period_year,
            period_code=row.period_code,
            period_start=row.period_start,
            authority_code=row.authority_code,
            correction=row.correction,
            status=ReportStatus(row.status),
            status_at=row.status_at,
            being_fixed=row.being_fixed,
            follow_up_due=row.follow_up_due,
            document_count=int(row.document_count or 0),
            updated_at=row.updated_at,
            organization_pk=row.organization_id,
            manager_pk=row.manager_person_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ReportType | None]:
        ids = [pk or -1 for pk in node_pks(list(node_ids))]
        if not await _can_read(info):
            return [None for _ in ids]
        rows = await reports_by_id(info.context.db, actor_of(info.context), ids)
        found = {r.id: r for r in rows}
        return [cls.of(found[i]) if i in found else None for i in ids]

    @strawberry.field
    def form(self) -> ReportFormType | None:
        form = form_of(self.form_code)
        return ReportFormType.of(form) if form else None

    # Not an async resolver: a feed row returns what the page read, with no coroutine per row
    # (and the executor may complete the page in one pass, see saas.schema.execution); other
    # reports return an awaitable (the loader), which graphql-core awaits alike.
    @strawberry.field(
        graphql_type=ClientOrganizationType | None, metadata=pre_read("read_organization")
    )
    def organization(self, info: Info) -> Any:
        if self.read_organization is not UNREAD:
            return self.read_organization
        return self._organization(info)

    async def _organization(self, info: Info) -> ClientOrganizationType | None:
        row = await info.context.loader(OrganizationsByIdLoader).load(self.organization_pk)
        return ClientOrganizationType.of(row) if row else None

    @strawberry.field(description="The staff member responsible for this report.")
    async def responsible_manager(self, info: Info) -> PersonCardType | None:
        if self.manager_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.manager_pk)
        return PersonCardType.of(card) if card else None

    @strawberry.field(description="Events, oldest first (by event time, then recording order).")
    async def timeline(self, info: Info) -> list[ReportEventType]:
        rows = await info.context.loader(EventsByReportLoader).load(self.id)
        return [ReportEventType.of(r, self.status.value) for r in rows]

    @strawberry.field(
        description="Documents of every event, in recording order. Client users may download "
        "them once the flow is complete (see `flowComplete`, `ReportDocument.downloadable`).",
        graphql_type=list[ReportDocumentType],
        metadata=pre_read("read_documents"),
    )
    def documents(self, info: Info) -> Any:
        if self.read_documents is not UNREAD:
            return self.read_documents
        return report_documents(info, self.id, self.status.value)

    @strawberry.field(
        description="The flow is complete: the report was accepted or rejected (clients may "
        "then download its documents)."
    )
    def flow_complete(self) -> bool:
        return flow_complete(self.status.value)

    @strawberry.field(
        description="An open follow-up is past its due date (before today in the firm's "
        "time zone, Moscow by default)."
    )
    def overdue(self, info: Info) -> bool:
        return self.follow_up_due is not None and self.follow_up_due < today_of(info.context.tenant)

    @strawberry.field(description="Follow-up items, newest first; empty for client users.")
    async def follow_ups(self, info: Info) -> list[FollowUpType]:
        if not actor_of(info.context).staff:
            return []
        rows = await info.context.loader(FollowUpsByReportLoader).load(self.id)
        return [FollowUpType.of(r) for r in rows]


async def _can_read(info: Info) -> bool:
    return bool(await ReportsReadable().has_permission(None, info))
