"""GraphQL of reports: the status feed, a report's timeline, counts, writes for staff and
integrators, and the live `reportStatusChanged` subscription. Rules live in service.py.

Queries: `reports` (Relay connection: filters, ordering), `report(id)`, `reportStatusCounts`,
`reportForms`. Mutations: `createReport`, `recordReportEvent` (typed results, optional
documents), `reportDocumentLink` (a short-lived download link; clients only of complete
flows). Subscription: `reportStatusChanged(organizationId)`, fed by saas.events after commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections import Counter, namedtuple
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, NamedTuple

import strawberry
from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Bundle
from sqlalchemy.sql.elements import Label
from strawberry import relay

from saas.auth.live import GRANTS_CHANGED_HOOKS
from saas.core.ids import IdRefused, filter_pk, node_pks, optional_pk_of, pk_of, tenant_rows
from saas.db.session import tenant_transaction
from saas.events import Published, events_since, fanout, publish
from saas.modules.clients.graphql import ClientOrganizationType, PersonCardType
from saas.modules.clients.loaders import OrganizationsByIdLoader, PeopleByIdLoader, actor_of
from saas.modules.clients.models import ClientOrganization as OrganizationRow
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service import (
    Actor,
    ClientsError,
    organization_scope,
    people_grants_statement,
)
from saas.modules.documents.policy import max_upload_bytes
from saas.modules.documents.service import removed_on_failure
from saas.modules.reports import service
from saas.modules.reports.catalog import Authority, Periodicity, ReportForm, form_of, report_forms
from saas.modules.reports.loaders import (
    DocumentsByReportLoader,
    EventsByReportLoader,
    FollowUpsByReportLoader,
)
from saas.modules.reports.models import FollowUp as FollowUpRow
from saas.modules.reports.models import Report as ReportRow
from saas.modules.reports.models import ReportDocument as DocumentRow
from saas.modules.reports.models import ReportEvent as EventRow
from saas.modules.reports.policy import READ_NOTE, reads_reports
from saas.modules.reports.service import DocumentKind, EventKind, ReportsError
from saas.rbac.permissions import requires
from saas.schema.context import Info, viewer_language
from saas.schema.errors import (
    ConflictError,
    NotFoundError,
    PublicError,
    StorageUnavailableError,
    ValidationError,
    error_result,
)
from saas.schema.execution import UNREAD, pre_read, shared_event
from saas.schema.relay import Connection, Keyset
from saas.storage import tenant_files

strawberry.enum(
    Authority,
    name="ReportAuthority",
    description="Who receives a report: TAX (the tax service office), SOCIAL_FUND, STATISTICS.",
)
strawberry.enum(
    Periodicity,
    name="ReportPeriodicity",
    description="How often a form is filed: "
    "MONTH (period codes 01-12), QUARTER (Q1-Q4), YEAR (Y), EVENT (E).",
)
strawberry.enum(EventKind, name="ReportEventKind", description="A step of a report's timeline.")
strawberry.enum(
    DocumentKind,
    name="ReportDocumentKind",
    description="What a report document is: REPORT_FILE (the filed report), RECEIPT (receipt "
    "of acceptance), NOTICE_OF_INPUT, REJECTION_NOTICE, OTHER.",
)


@strawberry.enum(
    name="ReportStatus",
    description="A report's current status: the kind of its latest event (DRAFT before any event).",
)
class ReportStatus(Enum):
    DRAFT = "draft"
    PREPARED = "prepared"
    SENT = "sent"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLARIFICATION_REQUESTED = "clarification_requested"
    PROCESSING_ERROR = "processing_error"


@strawberry.enum(
    name="ReportOrder",
    description="Order of the feed (newest first). ATTENTION: reports needing the firm's "
    "attention (rejected, clarification requested, processing error, or an overdue "
    "follow-up) first, then the rest; each group newest updated first.",
)
class ReportOrder(Enum):
    UPDATED_DESC = "updated_desc"
    STATUS_AT_DESC = "status_at_desc"
    PERIOD_DESC = "period_desc"
    ATTENTION = "attention"


tenant_rows("Report", "ReportDocument", "ReportImport")


def organization_gid(pk: int) -> strawberry.ID:
    # str(relay.GlobalID("ClientOrganization", str(pk))), without building the GlobalID.
    return strawberry.ID(relay.to_base64("ClientOrganization", pk))


# ----------------------------------------------------------------------------- types


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
    return actor_of(info.context).staff or service.flow_complete(report_status)


class DocumentRecord(NamedTuple):
    """A report document as the feed reads it with its page (a JSON object per document):
    the columns `ReportDocumentType.of` needs, without an ORM instance per document (a named
    tuple: ~5x cheaper to build than a frozen dataclass)."""

    id: int
    report_id: int
    event_id: int
    kind: str
    name: str
    size: int
    content_type: str
    created_at: datetime

    @classmethod
    def of(cls, report_id: int, data: dict[str, Any]) -> DocumentRecord:
        return cls(
            id=int(data["id"]),
            report_id=report_id,
            event_id=int(data["event_id"]),
            kind=data["kind"],
            name=data["name"],
            size=int(data["size"]),
            content_type=data["content_type"],
            created_at=datetime.fromisoformat(data["created_at"]),
        )


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
        stmt = service.scope_reports(
            select(DocumentRow, ReportRow.status)
            .join(ReportRow, ReportRow.id == DocumentRow.report_id)
            .where(DocumentRow.id.in_(ids)),
            actor_of(info.context),
        )
        found = {d.id: (d, status) for d, status in await info.context.db.execute(stmt)}
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
    manager_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: FollowUpRow) -> FollowUpType:
        return cls(
            id=strawberry.ID(str(row.id)),
            due_date=row.due_date,
            status=row.status,
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
        stmt = service.scope_reports(
            select(ReportRow).where(ReportRow.id.in_(ids)), actor_of(info.context)
        )
        found = {r.id: r for r in (await info.context.db.execute(stmt)).scalars()}
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
        return service.flow_complete(self.status.value)

    @strawberry.field(
        description="An open follow-up is past its due date (before today in the firm's "
        "time zone, Moscow by default)."
    )
    def overdue(self, info: Info) -> bool:
        return self.follow_up_due is not None and self.follow_up_due < service.today_of(
            info.context.tenant
        )

    @strawberry.field(description="Follow-up items, newest first; empty for client users.")
    async def follow_ups(self, info: Info) -> list[FollowUpType]:
        if not actor_of(info.context).staff:
            return []
        rows = await info.context.loader(FollowUpsByReportLoader).load(self.id)
        return [FollowUpType.of(r) for r in rows]


async def _can_read(info: Info) -> bool:
    from saas.modules.reports.policy import ReportsReadable

    return bool(await ReportsReadable().has_permission(None, info))


@strawberry.type(name="ReportStatusCount", description="How many reports are in a status.")
class StatusCount:
    status: ReportStatus
    count: int


@strawberry.type(name="ReportStatusCounts", description="The cabinet's summary of reports.")
class StatusCounts:
    total: int
    by_status: list[StatusCount]


@strawberry.type(description="The event was recorded (or had been: `duplicate`).")
class ReportEventRecorded:
    event: ReportEventType
    report: ReportType
    duplicate: bool = strawberry.field(
        description="The same event (external id and content) was already recorded; "
        "nothing changed."
    )


@strawberry.type(name="ReportStatusChange", description="A report's status changed.")
class ReportStatusChange:
    sequence: int = strawberry.field(
        description="Position in the firm's event stream; pass it as `since` to catch up "
        "after a reconnect."
    )
    report_id: strawberry.ID
    organization_id: strawberry.ID
    status: ReportStatus
    status_at: datetime
    being_fixed: bool


@strawberry.type(name="ReportImportError", description="A refused line of a bulk import.")
class ImportRowError:
    line: int = strawberry.field(
        description="1-based line number (of a CSV file: the line where the record starts)."
    )
    code: str
    message: str
    field: str | None = strawberry.field(
        default=None, description="The row's field at fault (reportId, kind, occurredAt...)."
    )

    @classmethod
    def of(cls, entry: dict[str, Any], language: str) -> ImportRowError:
        message = entry.get("messageRu") if language == "ru" else None
        return cls(
            line=entry["line"],
            code=entry["code"],
            message=message or entry["message"],
            field=entry.get("field"),
        )


@strawberry.type(
    name="ReportImport",
    description="A bulk import of report events: progress (lines done of total) and the "
    "refused lines. Good lines are recorded whatever the bad ones.",
)
class ReportImportType:
    id: strawberry.ID
    status: str = strawberry.field(description="queued, running, done or failed.")
    done: int
    total: int
    recorded: int
    duplicates: int
    failed: int
    errors: list[ImportRowError]
    error: str | None = strawberry.field(description="Why the whole job failed, if it did.")

    @classmethod
    def of(cls, row: Any, language: str = "en") -> ReportImportType:
        result = row.result or {}
        return cls(
            id=strawberry.ID(str(relay.GlobalID("ReportImport", str(row.id)))),
            status=row.status,
            done=row.done,
            total=row.total,
            recorded=int(result.get("recorded", 0)),
            duplicates=int(result.get("duplicates", 0)),
            failed=int(result.get("failed", 0)),
            errors=[ImportRowError.of(e, language) for e in result.get("errors", [])],
            error=row.error,
        )


ReportImportResult = Annotated[
    ReportImportType | ValidationError, strawberry.union("ReportImportResult")
]
ReportImportLookup = Annotated[
    ReportImportType | NotFoundError, strawberry.union("ReportImportLookup")
]
ReportLookup = Annotated[ReportType | NotFoundError, strawberry.union("ReportLookup")]
CreateReportResult = Annotated[
    ReportType | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CreateReportResult"),
]
RecordReportEventResult = Annotated[
    ReportEventRecorded | ValidationError | NotFoundError | ConflictError | StorageUnavailableError,
    strawberry.union("RecordReportEventResult"),
]


@strawberry.type(
    name="ReportDocumentLink",
    description="A short-lived link to a report document's bytes (a plain GET).",
)
class ReportDocumentLinkType:
    url: str
    expires_at: datetime


ReportDocumentLinkResult = Annotated[
    ReportDocumentLinkType | NotFoundError | ConflictError,
    strawberry.union("ReportDocumentLinkResult"),
]


# ------------------------------------------------------------------------------ inputs


@strawberry.input(description="A new report.")
class CreateReportInput:
    organization_id: strawberry.ID
    form_code: str = strawberry.field(description="A code from `reportForms`, e.g. vat, 6ndfl.")
    period_year: int
    period_code: str = strawberry.field(description="01-12, Q1-Q4, Y or E, by the form.")
    authority_code: str
    correction: int = 0
    responsible_manager_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the organization's responsible manager."
    )


@strawberry.input(name="ReportDocumentInput", description="A file attached to a report event.")
class ReportDocumentInput:
    kind: DocumentKind
    filename: str = strawberry.field(description="The file name shown to users.")
    content_base64: str = strawberry.field(description="The bytes, base64-encoded.")


@strawberry.input(description="An event of a report's timeline, as the integrator saw it.")
class RecordReportEventInput:
    report_id: strawberry.ID
    external_id: str = strawberry.field(
        description="Your id of this event: sending it again changes nothing."
    )
    kind: EventKind
    occurred_at: datetime = strawberry.field(description="When it happened, with an offset.")
    text: str = ""
    reason_code: str | None = None
    documents: list[ReportDocumentInput] | None = strawberry.field(
        default=None,
        description="Files of this event (at most 10, each within the firm's upload limit; "
        "executables are refused). A replay must carry the same files (same SHA-256, kind "
        "and name), else it is a conflict.",
    )


# ------------------------------------------------------------------------------- query

ORDERS: dict[ReportOrder, tuple[Any, ...]] = {
    ReportOrder.UPDATED_DESC: (ReportRow.updated_at, ReportRow.id),
    ReportOrder.STATUS_AT_DESC: (ReportRow.status_at, ReportRow.id),
    ReportOrder.PERIOD_DESC: (ReportRow.period_start, ReportRow.id),
}


class Record(Bundle[Any]):
    """A model's columns read as one named tuple per row: attribute access as cheap as an
    ORM instance's (a SQLAlchemy `Row` reads an attribute ~10x slower), without an ORM
    instance's cost to build. `ReportType.of` and `ClientOrganizationType.of` take either."""

    def __init__(self, name: str, model: Any):
        super().__init__(name, *(getattr(model, c.key) for c in model.__mapper__.column_attrs))
        self._records: dict[tuple[str, ...], Any] = {}

    def create_row_processor(self, query: Any, procs: Any, labels: Any) -> Any:
        record: Any = self._records.get(tuple(labels))
        if record is None:
            record = self._records[tuple(labels)] = namedtuple(f"{self.name}_record", labels)  # type: ignore[misc]
        make = record._make

        def proc(row: Any) -> Any:
            return make([read(row) for read in procs])

        return proc


# The feed reads columns, not ORM instances: a page is 50 rows (and their organizations).
REPORT_COLUMNS = Record("report", ReportRow)
ORGANIZATION_COLUMNS = Record("organization", OrganizationRow)


class FeedKeyset(Keyset[ReportType]):
    """The feed's keyset: rows are (report's columns, extra labelled columns: the ATTENTION
    rank, the organization's columns, the documents' JSON); a key column is read from the
    labelled column of its name, else from the report."""

    @functools.cached_property
    def _labelled(self) -> tuple[tuple[bool, str], ...]:
        return tuple((isinstance(c, Label), c.key) for c in self.key)

    def values_of(self, item: Any) -> tuple[Any, ...]:
        report = item.report
        return tuple(
            getattr(item, key) if labelled else getattr(report, key)
            for labelled, key in self._labelled
        )


def _selects(selections: Any, name: str) -> bool:
    """`name` is selected anywhere under these selections (fragments included)."""
    for selection in selections or ():
        if getattr(selection, "name", None) == name:
            return True
        if _selects(getattr(selection, "selections", None), name):
            return True
    return False


def _documents_json() -> ColumnElement[Any]:
    """The report's documents as one JSON array per row (a correlated subquery, run only for
    rows that have documents): the feed reads reports and documents in one statement."""
    doc = DocumentRow
    agg = func.jsonb_agg(
        aggregate_order_by(
            func.jsonb_build_object(
                "id",
                doc.id,
                "event_id",
                doc.event_id,
                "kind",
                doc.kind,
                "name",
                doc.name,
                "size",
                doc.size,
                "content_type",
                doc.content_type,
                "created_at",
                doc.created_at,
            ),
            doc.id,
        )
    )
    documents = select(agg).where(doc.report_id == ReportRow.id).scalar_subquery()
    return case((ReportRow.document_count > 0, documents), else_=literal_column("NULL")).label(
        "documents_json"
    )


DOCUMENTS_JSON = _documents_json()


def with_organizations(stmt: Any, actor: Actor) -> Any:
    """Each report's organization read with the page: a left join on what
    `OrganizationsByIdLoader` would load for the actor (NULL columns where it would give None)."""
    scope = organization_scope(actor)
    on = OrganizationRow.id == ReportRow.organization_id
    return stmt.add_columns(ORGANIZATION_COLUMNS).outerjoin(
        OrganizationRow, on if scope is None else and_(on, scope)
    )


def feed_node(
    info: Info, *, with_organization: bool, with_documents: bool
) -> Callable[[Any], ReportType]:
    """A feed row -> its node, with the organization and the documents read with the page."""
    # The timeline's `documents` (if selected) read the loader: primed from the page too.
    loader = info.context.loader(DocumentsByReportLoader)
    prime = with_documents and _selects(info.selected_fields, "timeline")
    staff = actor_of(info.context).staff
    organizations: dict[int, ClientOrganizationType] = {}

    def organization_of(columns: Any) -> ClientOrganizationType | None:
        if columns.id is None:
            return None
        known = organizations.get(columns.id)
        if known is None:
            known = organizations[columns.id] = ClientOrganizationType.of(columns)
        return known

    def node(item: Any) -> ReportType:
        report = ReportType.of(item.report)
        if with_organization:
            report.read_organization = organization_of(item.organization)
        if with_documents:
            records = [DocumentRecord.of(report.id, d) for d in item.documents_json or ()]
            if prime:
                loader.prime(report.id, records)
            downloadable = staff or service.flow_complete(report.status.value)
            report.read_documents = [ReportDocumentType.of(r, downloadable) for r in records]
        return report

    return node


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
        today = service.today_of(info.context.tenant)
        where = service.ReportFilter(
            # A filter of the firm's own rows: a foreign or malformed id matches nothing.
            organization_id=None
            if organization_id is None
            else filter_pk(organization_id, "ClientOrganization"),
            form_code=form_code,
            period_from=period_from,
            period_to=period_to,
            statuses=[s.value for s in statuses] if statuses else None,
            updated_since=updated_since,
            overdue=overdue,
            today=today,
        )
        actor = actor_of(info.context)
        stmt = service.filtered_reports(actor, where).with_only_columns(REPORT_COLUMNS)
        key: tuple[Any, ...]
        if order_by is ReportOrder.ATTENTION:
            rank = service.attention_rank(today).label("attention")
            stmt = stmt.add_columns(rank)
            key = (rank, ReportRow.updated_at, ReportRow.id)
        else:
            key = ORDERS[order_by]
        # The organization and the documents come with the reports: one statement.
        with_organization = _selects(info.selected_fields, "organization")
        if with_organization:
            stmt = with_organizations(stmt, actor)
        with_documents = _selects(info.selected_fields, "documents")
        if with_documents:
            stmt = stmt.add_columns(DOCUMENTS_JSON)
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
            row = await service.access_report(info.context.db, actor_of(info.context), pk)
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
        counts = await service.status_counts(info.context.db, actor_of(info.context), org)
        by_status = [StatusCount(status=s, count=counts.get(s.value, 0)) for s in ReportStatus]
        return StatusCounts(total=sum(counts.values()), by_status=by_status)

    @strawberry.field(
        description="A bulk import of report events, with its progress and refused lines.",
        extensions=requires("reports", "write"),
    )
    async def report_import(self, info: Info, id: strawberry.ID) -> ReportImportLookup:
        from saas.jobs import job_state
        from saas.modules.reports.jobs import IMPORT_KIND

        try:
            job_id = await pk_of(info.context, "ReportImport", id, field="id")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        row = await job_state(info.context.db, job_id)
        if row is None or row.kind != IMPORT_KIND:
            missing = service.ReportsError(
                "not_found", "NOT_FOUND", "Импорт не найден.", "Import not found."
            )
            return error_result(info, missing)  # type: ignore[no-any-return]
        return ReportImportType.of(row, viewer_language(info))

    @strawberry.field(description="The catalog of report forms.", extensions=reads_reports())
    def report_forms(self) -> list[ReportFormType]:
        return [ReportFormType.of(f) for f in report_forms().values()]


# ---------------------------------------------------------------------------- mutation


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a report for a client organization.",
        extensions=requires("reports", "write"),
    )
    async def create_report(self, info: Info, input: CreateReportInput) -> CreateReportResult:
        ctx = info.context
        try:
            data = service.ReportInput(
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
                row = await service.create_report(session, actor_of(ctx), data)
        except (ReportsError, ClientsError, IdRefused) as exc:
            return error_result(info, exc)
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
        data = service.EventInput(
            report_id=report_id,
            external_id=input.external_id,
            kind=input.kind,
            occurred_at=input.occurred_at,
            text=input.text,
            reason_code=input.reason_code,
            documents=[
                service.DocumentInput(
                    kind=d.kind, filename=d.filename, content_base64=d.content_base64
                )
                for d in input.documents or []
            ],
        )
        files = tenant_files(ctx.services, ctx.tenant)
        try:
            # Objects are stored before their rows; a failed unit of work removes them again.
            async with removed_on_failure(files) as stored:
                async with ctx.unit_of_work() as session:
                    recorded = await service.record_report_event(
                        session,
                        actor_of(ctx),
                        data,
                        files=files,
                        stored=stored,
                        max_document_bytes=max_upload_bytes(ctx.tenant),
                    )
                    if recorded.status_changed:
                        await publish(
                            ctx, service.STATUS_TOPIC, service.status_payload(recorded.report)
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
                link = await service.document_link(
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
        from saas.jobs import job_state, submit_job
        from saas.modules.reports.imports import read_import
        from saas.modules.reports.jobs import import_report_events

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
            params={"rows": rows},
            created_by=ctx.principal.person_id,
            total=len(rows),
        )
        row = await job_state(ctx.db, job_id)
        assert row is not None
        return ReportImportType.of(row, language)


# ------------------------------------------------------------------------ subscription

# How long a client subscriber's set of granted organizations is trusted before re-reading;
# a change of grants, contacts or organizations drops it at once (NOTIFY, saas.auth.live).
GRANTS_TTL = 30.0
# A client subscriber's grants are those of (person, the organizations it is a client of).
GrantsKey = tuple[int, frozenset[int]]


class LiveGrants:
    """Per process and firm: the organizations each live client subscriber may receive changes
    of (its effective 'reports' grants), shared by the subscriptions of the process.

    An entry is trusted for GRANTS_TTL seconds, as each subscription's own copy was before.
    When an event finds entries older than that, one statement re-reads every stale entry of
    the firm's subscribers and the subscribers waiting meanwhile share that read: 1,000 client
    subscribers cost one query per TTL, not 1,000 queries on the first event after a quiet
    spell."""

    def __init__(self, services: Any, tenant: Any):
        self.services, self.tenant = services, tenant
        self._subscribers: Counter[GrantsKey] = Counter()
        self._granted: dict[GrantsKey, tuple[frozenset[int], float]] = {}
        self._reading: asyncio.Future[None] | None = None
        self._generation = 0

    def forget(self) -> None:
        """Grants changed (NOTIFY kabinet_auth, saas.auth.live): re-read before the next event;
        a read already under way may have seen the old rows, so its answer is dropped."""
        self._granted.clear()
        self._generation += 1

    def join(self, key: GrantsKey) -> None:
        self._subscribers[key] += 1

    def leave(self, key: GrantsKey) -> None:
        self._subscribers[key] -= 1
        if self._subscribers[key] <= 0:
            del self._subscribers[key]
            self._granted.pop(key, None)

    def _fresh(self, key: GrantsKey, now: float) -> frozenset[int] | None:
        entry = self._granted.get(key)
        return entry[0] if entry is not None and now - entry[1] <= GRANTS_TTL else None

    async def granted(self, key: GrantsKey) -> frozenset[int]:
        """The organizations of `key`'s subscriber (joined first) whose changes it receives."""
        if key not in self._subscribers:
            raise RuntimeError("LiveGrants.granted() of a subscriber that has not joined")
        while True:
            found = self._fresh(key, time.monotonic())
            if found is not None:
                return found
            if self._reading is None:
                self._reading = asyncio.ensure_future(self._read_stale())
                self._reading.add_done_callback(self._read_done)
            # Shielded: one subscriber leaving (its task cancelled) never cancels the others'.
            await asyncio.shield(self._reading)

    def _read_done(self, _: asyncio.Future[None]) -> None:
        self._reading = None

    async def _read_stale(self) -> None:
        started, generation = time.monotonic(), self._generation
        stale = [key for key in self._subscribers if self._fresh(key, started) is None]
        if not stale:
            return
        people = {person for person, _ in stale}
        orgs = {org for _, organizations in stale for org in organizations}
        granted: dict[int, set[int]] = {}
        async with tenant_transaction(self.services.engine, self.tenant) as session:
            rows: Any = await session.execute(people_grants_statement(people, orgs))
            for person, org, module in rows:
                if module == ClientModule.REPORTS.value:
                    granted.setdefault(int(person), set()).add(int(org))
        if generation != self._generation:
            return  # forgotten meanwhile: the caller loops and reads again
        for key in stale:
            person, organizations = key
            if key in self._subscribers:  # still subscribed
                mine = frozenset(granted.get(person, set()) & organizations)
                self._granted[key] = (mine, started)


def live_grants(services: Any, tenant: Any) -> LiveGrants:
    books: dict[int, LiveGrants] = services.extras.setdefault("reports.live_grants", {})
    book = books.get(tenant.id)
    if book is None:
        book = books[tenant.id] = LiveGrants(services, tenant)
    return book


def _forget_grants(services: Any, tenant_id: int | None) -> None:
    books: dict[int, LiveGrants] = services.extras.get("reports.live_grants", {})
    for firm, book in books.items():
        if tenant_id is None or firm == tenant_id:
            book.forget()


GRANTS_CHANGED_HOOKS.append(_forget_grants)


class _Audience:
    """Which organizations' changes one subscriber may receive (None: every one)."""

    def __init__(self, info: Info, organization: int | None):
        ctx = info.context
        self.actor: Actor = actor_of(ctx)
        self.organization = organization
        self.grants = None if self.actor.staff else live_grants(ctx.services, ctx.tenant)
        self.key: GrantsKey = (self.actor.person_id or -1, frozenset(self.actor.client_org_ids))

    @contextlib.contextmanager
    def joined(self) -> Iterator[_Audience]:
        if self.grants is not None:
            self.grants.join(self.key)
        try:
            yield self
        finally:
            if self.grants is not None:
                self.grants.leave(self.key)

    async def granted(self) -> frozenset[int] | None:
        if self.grants is None:
            return None
        # Read the grants themselves: an organization without reports yet counts too.
        return await self.grants.granted(self.key)

    async def receives(self, organization_id: int) -> bool:
        if self.organization is not None and organization_id != self.organization:
            return False
        granted = await self.granted()
        return granted is None or organization_id in granted


def _change_of(published: Published) -> ReportStatusChange:
    """The event as the subscription's type, built once per event for every subscriber of
    the process and marked `shared_event`: subscribers selecting the same fields get one
    result computed for all of them (saas.schema.execution)."""
    change = published.shared.get(service.STATUS_TOPIC)
    if change is None:
        change = _change(published.id, published.payload)
        published.shared[service.STATUS_TOPIC] = shared_event(change)
    return change  # type: ignore[no-any-return]


def _change(sequence: int, payload: dict[str, Any]) -> ReportStatusChange:
    return ReportStatusChange(
        sequence=sequence,
        report_id=strawberry.ID(str(relay.GlobalID("Report", str(payload["report_id"])))),
        organization_id=organization_gid(int(payload["organization_id"])),
        status=ReportStatus(payload["status"]),
        status_at=datetime.fromisoformat(payload["status_at"]),
        being_fixed=bool(payload.get("being_fixed", False)),
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Status changes of reports, live: of one organization, or of every one the "
        "viewer may see. `since` (a `sequence` received before) first replays what was missed. "
        f"{READ_NOTE}",
        extensions=reads_reports(),
    )
    async def report_status_changed(
        self, info: Info, organization_id: strawberry.ID | None = None, since: int | None = None
    ) -> AsyncGenerator[ReportStatusChange, None]:
        ctx = info.context
        org = await optional_pk_of(
            ctx, "ClientOrganization", organization_id, field="organizationId"
        )
        with _Audience(info, org).joined() as audience:
            if org is not None and not await audience.receives(org):
                raise PublicError("Organization not found or not visible to you.", "NOT_FOUND")
            async with fanout(ctx.services).subscription(ctx.tenant) as queue:
                # Registered before the replay: a change committed meanwhile comes both ways,
                # and `delivered` drops the second copy.
                delivered = since if since is not None else 0
                if since is not None:
                    for published in await events_since(
                        ctx.services, ctx.tenant, since, service.STATUS_TOPIC
                    ):
                        delivered = max(delivered, published.id)
                        if await audience.receives(int(published.payload["organization_id"])):
                            yield _change_of(published)
                while True:
                    published = await queue.get()
                    if published.topic != service.STATUS_TOPIC or published.id <= delivered:
                        continue
                    delivered = published.id
                    if await audience.receives(int(published.payload["organization_id"])):
                        yield _change_of(published)


TYPES = (ReportType, ReportDocumentType)
