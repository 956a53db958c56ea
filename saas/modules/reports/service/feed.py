"""The status feed: its filters, orders and the ATTENTION rank (overdue follow-ups), the one
statement reading a page (reports, and with them their organizations and documents when the
query selects them), and counts per status.

The feed reads columns, not ORM instances (`Record`): a page is 50 rows and their
organizations; building an ORM instance per row is what made it slow (bench/bench_feed.py)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, case, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Bundle
from sqlalchemy.sql.elements import Label

from saas.core.actor import Actor
from saas.modules.clients.models import ClientOrganization as OrganizationRow
from saas.modules.clients.service import organization_scope
from saas.modules.reports.models import Report
from saas.modules.reports.models import Report as ReportRow
from saas.modules.reports.models import ReportDocument as DocumentRow
from saas.modules.reports.service.flow import ATTENTION_STATUSES, EventKind
from saas.modules.reports.service.scope import scope_reports

CLARIFICATION_REQUESTED = EventKind.CLARIFICATION_REQUESTED.value
REJECTED = EventKind.REJECTED.value


@dataclass
class ReportFilter:
    organization_id: int | None = None
    form_code: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    statuses: list[str] | None = None
    updated_since: datetime | None = None
    overdue: bool | None = None
    today: date | None = None  # the firm's today (today_of), for `overdue`


def overdue_clause(today: date) -> ColumnElement[bool]:
    return and_(Report.follow_up_due.is_not(None), Report.follow_up_due < today)


def is_overdue(report: Report, today: date) -> bool:
    return report.follow_up_due is not None and report.follow_up_due < today


def attention_rank(today: date) -> ColumnElement[int]:
    """1 for a report needing the firm's attention (rejected, clarification requested,
    processing error, or an overdue follow-up), else 0: the ATTENTION order's first key."""
    return case((or_(Report.status.in_(ATTENTION_STATUSES), overdue_clause(today)), 1), else_=0)


def client_attention_rank() -> ColumnElement[int]:
    """1 for a report needing its client (a clarification requested, or a rejection whose
    follow-up is still open: `follow_up_due` is set while one is), else 0: the
    CLIENT_ATTENTION order's first key."""
    needs_client = or_(
        Report.status == CLARIFICATION_REQUESTED,
        and_(Report.status == REJECTED, Report.follow_up_due.is_not(None)),
    )
    return case((needs_client, 1), else_=0)


def attention_rank_of(report: Report, today: date) -> int:
    """attention_rank computed in Python for a loaded row (its cursor value)."""
    return int(report.status in ATTENTION_STATUSES or is_overdue(report, today))


def filtered_reports(actor: Actor, where: ReportFilter) -> Select:
    stmt = scope_reports(select(Report), actor)
    if where.organization_id is not None:
        stmt = stmt.where(Report.organization_id == where.organization_id)
    if where.form_code is not None:
        stmt = stmt.where(Report.form_code == where.form_code)
    if where.period_from is not None:
        stmt = stmt.where(Report.period_start >= where.period_from)
    if where.period_to is not None:
        stmt = stmt.where(Report.period_start <= where.period_to)
    if where.statuses:
        stmt = stmt.where(Report.status.in_(where.statuses))
    if where.updated_since is not None:
        stmt = stmt.where(Report.updated_at > where.updated_since)
    if where.overdue is not None:
        late = overdue_clause(where.today or date.today())
        stmt = stmt.where(late if where.overdue else ~late)
    return stmt


async def status_counts(
    session: AsyncSession, actor: Actor, organization_id: int | None
) -> dict[str, int]:
    stmt = scope_reports(select(Report.status, func.count()).group_by(Report.status), actor)
    if organization_id is not None:
        stmt = stmt.where(Report.organization_id == organization_id)
    rows: Any = await session.execute(stmt)
    return {str(status): int(n) for status, n in rows}


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


class FeedOrder(StrEnum):
    """Orders of the feed, newest first (the schema's ReportOrder)."""

    UPDATED_DESC = "updated_desc"
    STATUS_AT_DESC = "status_at_desc"
    PERIOD_DESC = "period_desc"
    ATTENTION = "attention"
    CLIENT_ATTENTION = "client_attention"


ORDERS: dict[FeedOrder, tuple[Any, ...]] = {
    FeedOrder.UPDATED_DESC: (ReportRow.updated_at, ReportRow.id),
    FeedOrder.STATUS_AT_DESC: (ReportRow.status_at, ReportRow.id),
    FeedOrder.PERIOD_DESC: (ReportRow.period_start, ReportRow.id),
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


def key_sources(key: Any) -> tuple[tuple[bool, str], ...]:
    """Where a feed row holds each column of its sort key: (labelled, name). A labelled
    column (the ATTENTION rank...) is the row's column of that name, another the report's."""
    return tuple((isinstance(column, Label), column.key) for column in key)


# The feed reads columns, not ORM instances: a page is 50 rows (and their organizations).
REPORT_COLUMNS = Record("report", ReportRow)
ORGANIZATION_COLUMNS = Record("organization", OrganizationRow)


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


def join_organizations(stmt: Any, actor: Actor) -> Any:
    """A left join of each report's organization as `OrganizationsByIdLoader` would load it
    for the actor (NULL columns where it would give None)."""
    scope = organization_scope(actor)
    on = OrganizationRow.id == ReportRow.organization_id
    return stmt.outerjoin(OrganizationRow, on if scope is None else and_(on, scope))


def with_organizations(stmt: Any, actor: Actor) -> Any:
    """Each report's organization read with the page (`join_organizations`)."""
    return join_organizations(stmt.add_columns(ORGANIZATION_COLUMNS), actor)


def feed_statement(
    actor: Actor,
    where: ReportFilter,
    order: FeedOrder,
    *,
    with_organization: bool,
    with_documents: bool,
) -> tuple[Any, tuple[Any, ...]]:
    """One statement for a page of the feed and its keyset key (descending). Rows carry the
    report's columns (`report`), the ATTENTION or CLIENT_ATTENTION rank (`attention`) in
    that order, the organization's columns (`organization`, NULL where the actor may not
    see it) and the documents' JSON (`documents_json`) when asked: reports, organizations
    and documents in one round trip."""
    stmt = filtered_reports(actor, where).with_only_columns(REPORT_COLUMNS)
    key: tuple[Any, ...]
    if order is FeedOrder.ATTENTION:
        rank = attention_rank(where.today or date.today()).label("attention")
        stmt = stmt.add_columns(rank)
        key = (rank, ReportRow.updated_at, ReportRow.id)
    elif order is FeedOrder.CLIENT_ATTENTION:
        rank = client_attention_rank().label("attention")
        stmt = stmt.add_columns(rank)
        key = (rank, ReportRow.updated_at, ReportRow.id)
    else:
        key = ORDERS[order]
    if with_organization:
        stmt = with_organizations(stmt, actor)
    if with_documents:
        stmt = stmt.add_columns(DOCUMENTS_JSON)
    return stmt, key
