"""Domain rules of reports and their timelines. No GraphQL here.

Current status. A report's status is the kind of its latest event, "latest" ordered by
  1. occurred_at (the time the event happened at the authority, not when we heard of it),
  2. at equal occurred_at, the later stage of the flow (STAGE_RANK: prepared < sent <
     delivered < processing_error = clarification_requested < accepted = rejected),
  3. then the order of recording (event id).
So events arriving out of order give the same status as in order, and two events stamped
with the same second resolve the way the flow runs.

Idempotency. Each event carries the integrator's external id (unique per firm). Recording the
same event again changes nothing and answers `duplicate=True`; different content under a
known external id is refused (conflict): an external id names one fact.

Follow-ups. A rejection or clarification request opens a follow-up for the responsible
manager (due in FOLLOW_UP_DAYS); while one is open the report is "being fixed". An
acceptance that becomes the current status closes them. `reports.follow_up_due` keeps the
earliest due date of the open ones: a report is overdue when it lies before today in the
firm's time zone (`today_of`).

Documents. An event may carry files (the report, a receipt, a notice of input, a rejection
notice). They get the drive's upload checks (sanitized name, size limit, type sniffed from
the bytes, executables refused, SHA-256) and are stored under the tenant's "reports/" prefix
before their rows are written (the caller wraps the unit of work in the drive's
`removed_on_failure`). A replayed event must carry the same documents (compared by SHA-256,
kind and name), else it is a conflict. Client users fetch a download link only once the flow
is complete (accepted or rejected): `document_link`.

Functions take (session, actor, ...) and flush, never commit: the caller owns the unit of work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.clients.models import ClientGrant, ClientOrganization
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service import Actor, access_organization, grants_statement
from saas.modules.documents import service as drive
from saas.modules.documents.service import DocumentsError
from saas.modules.reports.catalog import PERIOD_CODES, Periodicity, form_of
from saas.modules.reports.models import (
    FollowUp,
    Report,
    ReportDocument,
    ReportDocumentAccess,
    ReportEvent,
)
from saas.schema.errors import LocalizedError
from saas.storage import TenantStorage
from saas.storage.audit import Fetch, audit_ref, recorder


class EventKind(StrEnum):
    PREPARED = "prepared"
    SENT = "sent"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLARIFICATION_REQUESTED = "clarification_requested"
    PROCESSING_ERROR = "processing_error"


DRAFT = "draft"
STAGE_RANK: dict[str, int] = {
    EventKind.PREPARED: 0,
    EventKind.SENT: 1,
    EventKind.DELIVERED: 2,
    EventKind.PROCESSING_ERROR: 3,
    EventKind.CLARIFICATION_REQUESTED: 3,
    EventKind.ACCEPTED: 4,
    EventKind.REJECTED: 4,
}
OPENS_FOLLOW_UP = frozenset({EventKind.REJECTED, EventKind.CLARIFICATION_REQUESTED})
# The tax code gives 5 working days to answer a request; a week of calendar days.
FOLLOW_UP_DAYS = 7
STATUS_TOPIC = "report.status_changed"
# A flow is complete (clients may download its documents) in these statuses.
COMPLETE_STATUSES = frozenset({EventKind.ACCEPTED.value, EventKind.REJECTED.value})
# Statuses the firm must act on: first in the ATTENTION order (with overdue follow-ups).
ATTENTION_STATUSES = (
    EventKind.REJECTED.value,
    EventKind.CLARIFICATION_REQUESTED.value,
    EventKind.PROCESSING_ERROR.value,
)
TIME_ZONE_SETTING = "time_zone"
DEFAULT_TIME_ZONE = "Europe/Moscow"
MAX_EVENT_DOCUMENTS = 10


class DocumentKind(StrEnum):
    REPORT_FILE = "report_file"
    RECEIPT = "receipt"
    NOTICE_OF_INPUT = "notice_of_input"
    REJECTION_NOTICE = "rejection_notice"
    OTHER = "other"


class ReportsError(LocalizedError):
    """An expected refusal of the reports module."""


def report_not_found() -> ReportsError:
    return ReportsError(
        "not_found", "NOT_FOUND", "Отчёт не найден или недоступен.", "Report not found."
    )


# ------------------------------------------------------------------------------- scoping


def reports_scope(actor: Actor) -> ColumnElement[bool] | None:
    """Reports the actor may see: staff and tokens all; a client user only those of
    organizations where it holds the 'reports' grant (active contact, module enabled)."""
    if actor.staff:
        return None
    if actor.person_id is None or not actor.client_org_ids:
        return false()
    granted = (
        grants_statement(actor.person_id, actor.client_org_ids)
        .where(ClientGrant.module == ClientModule.REPORTS.value)
        .with_only_columns(ClientOrganization.id)
        .scalar_subquery()
    )
    return Report.organization_id.in_(granted)


def scope_reports(stmt: Select, actor: Actor) -> Select:
    clause = reports_scope(actor)
    return stmt if clause is None else stmt.where(clause)


async def access_report(session: AsyncSession, actor: Actor, report_id: int | None) -> Report:
    if report_id is None:
        raise report_not_found()
    row = (
        await session.execute(scope_reports(select(Report).where(Report.id == report_id), actor))
    ).scalar_one_or_none()
    if row is None:
        raise report_not_found()
    return row


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


def today_of(tenant: Any) -> date:
    """Today in the firm's time zone (tenant setting `time_zone`, an IANA name; Moscow when
    unset or unknown: the firms are Russian)."""
    name = (getattr(tenant, "settings", None) or {}).get(TIME_ZONE_SETTING) or DEFAULT_TIME_ZONE
    try:
        zone = ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TIME_ZONE)
    return datetime.now(zone).date()


def overdue_clause(today: date) -> ColumnElement[bool]:
    return and_(Report.follow_up_due.is_not(None), Report.follow_up_due < today)


def is_overdue(report: Report, today: date) -> bool:
    return report.follow_up_due is not None and report.follow_up_due < today


def attention_rank(today: date) -> ColumnElement[int]:
    """1 for a report needing the firm's attention (rejected, clarification requested,
    processing error, or an overdue follow-up), else 0: the ATTENTION order's first key."""
    return case((or_(Report.status.in_(ATTENTION_STATUSES), overdue_clause(today)), 1), else_=0)


def attention_rank_of(report: Report, today: date) -> int:
    """attention_rank computed in Python for a loaded row (its cursor value)."""
    return int(report.status in ATTENTION_STATUSES or is_overdue(report, today))


def flow_complete(status: str) -> bool:
    return status in COMPLETE_STATUSES


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


# ------------------------------------------------------------------------------ reports


def period_start(year: int, code: str, periodicity: Periodicity) -> date:
    if periodicity is Periodicity.MONTH:
        return date(year, int(code), 1)
    if periodicity is Periodicity.QUARTER:
        return date(year, 3 * (int(code[1]) - 1) + 1, 1)
    return date(year, 1, 1)


@dataclass
class ReportInput:
    organization_id: int | None
    form_code: str
    period_year: int
    period_code: str
    authority_code: str
    correction: int = 0
    manager_person_id: int | None = None


def _invalid(code: str, ru: str, en: str, field: str) -> ReportsError:
    return ReportsError("validation", code, ru, en, field)


async def create_report(session: AsyncSession, actor: Actor, data: ReportInput) -> Report:
    org = await access_organization(session, actor, data.organization_id)
    form = form_of(data.form_code)
    if form is None:
        raise _invalid("UNKNOWN_FORM", "Неизвестная форма отчёта.", "Unknown report form.", "form")
    if not form.accepts_period(data.period_code):
        allowed = ", ".join(PERIOD_CODES[form.periodicity])
        raise _invalid(
            "INVALID_PERIOD",
            f"Для этой формы период — одно из: {allowed}.",
            f"This form's period code is one of: {allowed}.",
            "periodCode",
        )
    if not 2000 <= data.period_year <= 2100:
        raise _invalid("INVALID_YEAR", "Неверный год.", "Invalid year.", "periodYear")
    if data.correction < 0:
        raise _invalid(
            "INVALID_CORRECTION",
            "Номер корректировки не может быть отрицательным.",
            "The correction number cannot be negative.",
            "correction",
        )
    code = data.authority_code.strip()
    if not (code.isdigit() and len(code) in (4, 5, 6, 7, 8, 9, 10)):
        raise _invalid(
            "INVALID_AUTHORITY_CODE",
            "Код органа — от 4 до 10 цифр (например, код налоговой 7701).",
            "The authority code is 4 to 10 digits (e.g. tax office 7701).",
            "authorityCode",
        )
    inserted = (
        await session.execute(
            pg_insert(Report)
            .values(
                organization_id=org.id,
                form_code=form.code,
                period_year=data.period_year,
                period_code=data.period_code,
                period_start=period_start(data.period_year, data.period_code, form.periodicity),
                authority_code=code,
                correction=data.correction,
                manager_person_id=data.manager_person_id or org.responsible_manager_person_id,
            )
            .on_conflict_do_nothing(constraint="uq_reports_org_form_period_correction")
            .returning(Report.id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        raise ReportsError(
            "conflict",
            "REPORT_EXISTS",
            "Такой отчёт (форма, период, корректировка) уже есть.",
            "This report (form, period, correction) already exists.",
        )
    report = await session.get(Report, inserted)
    assert report is not None
    return report


# ------------------------------------------------------------------------------- events


@dataclass
class DocumentInput:
    """A file attached to an event: raw bytes (`content`) or base64 text from the API."""

    kind: DocumentKind
    filename: str
    content: bytes | None = None
    content_base64: str | None = None


@dataclass
class EventInput:
    report_id: int | None
    external_id: str
    kind: EventKind
    occurred_at: datetime
    text: str = ""
    reason_code: str | None = None
    documents: list[DocumentInput] | None = None


@dataclass
class Recorded:
    event: ReportEvent
    report: Report
    duplicate: bool
    status_changed: bool
    documents: list[ReportDocument] = field(default_factory=list)


@dataclass(frozen=True)
class _CheckedDocument:
    kind: str
    name: str
    data: bytes
    sha256: str
    content_type: str

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        return (self.sha256, self.kind, self.name)


def _same_fact(event: ReportEvent, data: EventInput, report_id: int) -> bool:
    return (
        event.report_id == report_id
        and event.kind == data.kind.value
        and event.occurred_at == data.occurred_at
        and (event.text or "") == (data.text or "")
        and event.reason_code == data.reason_code
    )


def latest_event_order() -> list[Any]:
    """ORDER BY putting a report's current-status event first (see the module docstring)."""
    rank = case(STAGE_RANK, value=ReportEvent.kind, else_=-1)
    return [ReportEvent.occurred_at.desc(), rank.desc(), ReportEvent.id.desc()]


def _check_event(data: EventInput) -> None:
    external = data.external_id.strip()
    if not external or len(external) > 128:
        raise _invalid(
            "INVALID_EXTERNAL_ID",
            "Внешний идентификатор события — от 1 до 128 символов.",
            "The event's external id is 1 to 128 characters.",
            "externalId",
        )
    data.external_id = external
    if data.occurred_at.tzinfo is None:
        raise _invalid(
            "TIMEZONE_REQUIRED",
            "Укажите время события с часовым поясом.",
            "Give the event time with a time zone offset.",
            "occurredAt",
        )
    if data.occurred_at > datetime.now(UTC) + timedelta(days=1):
        raise _invalid(
            "FUTURE_EVENT",
            "Время события в будущем.",
            "The event time is in the future.",
            "occurredAt",
        )


def _check_documents(documents: list[DocumentInput] | None, limit: int) -> list[_CheckedDocument]:
    """The drive's upload checks, before anything is stored or written. Errors name the
    document: field `documents.<index>.<field>`."""
    documents = documents or []
    if len(documents) > MAX_EVENT_DOCUMENTS:
        raise _invalid(
            "TOO_MANY_DOCUMENTS",
            f"К событию можно приложить не больше {MAX_EVENT_DOCUMENTS} документов.",
            f"An event carries at most {MAX_EVENT_DOCUMENTS} documents.",
            "documents",
        )
    checked = []
    for index, doc in enumerate(documents):
        try:
            name = drive.sanitize_filename(doc.filename)
            if doc.content is not None:
                content = doc.content
                if len(content) > limit:
                    raise drive.too_large(limit)
            else:
                content = drive.decode_base64(doc.content_base64 or "", limit)
            if not content:
                raise DocumentsError(
                    "validation",
                    "EMPTY_FILE",
                    "Файл пуст.",
                    "The file is empty.",
                    "contentBase64",
                )
            content_type = drive.sniff_content_type(content)
        except DocumentsError as exc:
            exc.field = f"documents.{index}.{exc.field or 'contentBase64'}"
            raise
        checked.append(
            _CheckedDocument(
                kind=DocumentKind(doc.kind).value,
                name=name,
                data=content,
                sha256=drive.sha256_hex(content),
                content_type=content_type,
            )
        )
    return checked


def document_key(files: TenantStorage, org_id: int) -> str:
    # Outside the drive's "drive/" prefix: its reconciliation job never sees these objects.
    return files.key("reports", org_id, uuid.uuid4().hex)


async def record_report_event(
    session: AsyncSession,
    actor: Actor,
    data: EventInput,
    *,
    files: TenantStorage | None = None,
    stored: drive.StoredObjects | None = None,
    max_document_bytes: int = 25 * 1024 * 1024,
) -> Recorded:
    """Record one event (idempotent by external id) and recompute the report's status.

    With documents, pass the tenant's `files` and the key list of the drive's
    `removed_on_failure` (`stored`) wrapping the unit of work: objects are stored first,
    and removed again when the rows are surely not committed (what cannot be removed then
    is left to `jobs.reconcile_report_storage`)."""
    _check_event(data)
    checked = _check_documents(data.documents, max_document_bytes)
    # Locking the report serializes status recomputation of concurrent events of one report.
    report = (
        await session.execute(
            scope_reports(
                select(Report).where(Report.id == (data.report_id or -1)), actor
            ).with_for_update()
        )
    ).scalar_one_or_none()
    if report is None:
        raise report_not_found()
    event_id = (
        await session.execute(
            pg_insert(ReportEvent)
            .values(
                report_id=report.id,
                external_id=data.external_id,
                kind=data.kind.value,
                occurred_at=data.occurred_at,
                text=data.text or "",
                reason_code=data.reason_code,
            )
            .on_conflict_do_nothing(constraint="uq_report_events_external_id")
            .returning(ReportEvent.id)
        )
    ).scalar_one_or_none()
    if event_id is None:
        existing = (
            await session.execute(
                select(ReportEvent).where(ReportEvent.external_id == data.external_id)
            )
        ).scalar_one()
        attached = list(
            (
                await session.execute(
                    select(ReportDocument)
                    .where(ReportDocument.event_id == existing.id)
                    .order_by(ReportDocument.id)
                )
            ).scalars()
        )
        same_documents = sorted((d.sha256, d.kind, d.name) for d in attached) == sorted(
            c.fingerprint for c in checked
        )
        if not (_same_fact(existing, data, report.id) and same_documents):
            raise ReportsError(
                "conflict",
                "EXTERNAL_ID_CONFLICT",
                "Событие с этим внешним идентификатором уже записано с другими данными.",
                "An event with this external id was already recorded with different content.",
                "externalId",
            )
        return Recorded(existing, report, duplicate=True, status_changed=False, documents=attached)
    event = await session.get(ReportEvent, event_id)
    assert event is not None
    documents = await _store_documents(
        session, report, event, checked, files, stored, max_document_bytes
    )
    if data.kind in OPENS_FOLLOW_UP:
        await session.execute(
            pg_insert(FollowUp).values(
                report_id=report.id,
                event_id=event.id,
                manager_person_id=report.manager_person_id,
                due_date=data.occurred_at.date() + timedelta(days=FOLLOW_UP_DAYS),
            )
        )
        # In-app notifications of the contacts and the manager, in this same transaction
        # (their batched e-mail is scheduled after it commits): saas.modules.notifications.
        from saas.modules.notifications.service import notify_report_event

        await notify_report_event(session, report, event)
    current = (
        await session.execute(
            select(ReportEvent.kind, ReportEvent.occurred_at)
            .where(ReportEvent.report_id == report.id)
            .order_by(*latest_event_order())
            .limit(1)
        )
    ).one()
    if current.kind == EventKind.ACCEPTED:
        await session.execute(
            update(FollowUp)
            .where(FollowUp.report_id == report.id, FollowUp.status == "open")
            .values(status="done", closed_at=func.now())
        )
    open_count, due = (
        await session.execute(
            select(func.count(), func.min(FollowUp.due_date)).where(
                FollowUp.report_id == report.id, FollowUp.status == "open"
            )
        )
    ).one()
    open_follow_up = bool(open_count)
    changed = (current.kind, current.occurred_at, open_follow_up) != (
        report.status,
        report.status_at,
        report.being_fixed,
    )
    report.status, report.status_at = current.kind, current.occurred_at
    report.being_fixed = open_follow_up
    report.follow_up_due = due
    report.document_count = (report.document_count or 0) + len(documents)
    report.updated_at = datetime.now(UTC)
    await session.flush()
    return Recorded(event, report, duplicate=False, status_changed=changed, documents=documents)


async def _store_documents(
    session: AsyncSession,
    report: Report,
    event: ReportEvent,
    checked: list[_CheckedDocument],
    files: TenantStorage | None,
    stored: drive.StoredObjects | None,
    limit: int,
) -> list[ReportDocument]:
    if not checked:
        return []
    if files is None or stored is None:
        raise RuntimeError("documents need the tenant's storage and removed_on_failure's list")
    rows = []
    for doc in checked:
        key = document_key(files, report.organization_id)
        await drive.put_object(files, key, doc.data, doc.content_type, limit)
        stored.add(session, key)
        row = ReportDocument(
            report_id=report.id,
            event_id=event.id,
            kind=doc.kind,
            name=doc.name,
            storage_key=key,
            size=len(doc.data),
            sha256=doc.sha256,
            content_type=doc.content_type,
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows


# ---------------------------------------------------------------------------- documents

DOWNLOAD_LINK_TTL = drive.DOWNLOAD_LINK_TTL


def document_not_found() -> ReportsError:
    return ReportsError(
        "not_found",
        "NOT_FOUND",
        "Документ не найден или недоступен.",
        "Document not found or not visible to you.",
    )


@dataclass(frozen=True)
class DocumentLink:
    url: str
    expires_at: datetime
    document: ReportDocument


async def document_link(
    session: AsyncSession,
    actor: Actor,
    files: TenantStorage,
    document_id: int | None,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    token_id: int | None = None,
) -> DocumentLink:
    """A short-lived download link (the drive's audited links: bound to the person and a
    nonce) and its `link_issued` access-log row; each fetch adds a `downloaded` row
    (record_fetch).

    The report is loaded through the reports scope: a client user needs the organization's
    'reports' grant (else NOT_FOUND, like another firm's id), and gets FLOW_INCOMPLETE until
    the report is accepted or rejected. Staff and integrator tokens always may."""
    if document_id is None:
        raise document_not_found()
    row = (
        await session.execute(
            scope_reports(
                select(ReportDocument, Report)
                .join(Report, Report.id == ReportDocument.report_id)
                .where(ReportDocument.id == document_id),
                actor,
            )
        )
    ).one_or_none()
    if row is None:
        raise document_not_found()
    document: ReportDocument = row[0]
    report: Report = row[1]
    if not actor.staff and not flow_complete(report.status):
        raise ReportsError(
            "conflict",
            "FLOW_INCOMPLETE",
            "Документы отчёта можно скачать, когда документооборот завершён (отчёт принят "
            "или отклонён).",
            "The report's documents can be downloaded once its flow is complete (accepted "
            "or rejected).",
        )
    issued = ReportDocumentAccess(
        document_id=document.id,
        organization_id=report.organization_id,
        person_id=actor.person_id,
        token_id=token_id,
        ip=ip,
        user_agent=(user_agent or "")[:1000] or None,
        action="link_issued",
    )
    session.add(issued)
    await session.flush()
    url = files.audited_url(
        document.storage_key,
        audit=audit_ref(FETCH_KIND, issued.id),
        person_id=actor.person_id,
        expires=DOWNLOAD_LINK_TTL,
        filename=document.name,
        content_type=document.content_type,
    )
    return DocumentLink(
        url=url, expires_at=datetime.now(UTC) + DOWNLOAD_LINK_TTL, document=document
    )


FETCH_KIND = "report_document"


@recorder(FETCH_KIND)
async def record_fetch(session: AsyncSession, fetch: Fetch) -> bool:
    """A `downloaded` row for one fetch of a report document's link: the person it was
    issued to (and its API token), the fetch's own address and user agent."""
    issued = await session.get(ReportDocumentAccess, fetch.issued_id)
    if issued is None or issued.action != "link_issued":
        return False
    session.add(
        ReportDocumentAccess(
            document_id=issued.document_id,
            organization_id=issued.organization_id,
            person_id=fetch.person_id,
            token_id=issued.token_id,
            ip=fetch.ip,
            user_agent=fetch.user_agent,
            action="downloaded",
            link_id=issued.id,
        )
    )
    return True


def status_payload(report: Report) -> dict[str, Any]:
    """The outbox payload of a status change: small, and enough to filter by organization."""
    return {
        "report_id": report.id,
        "organization_id": report.organization_id,
        "status": report.status,
        "status_at": report.status_at.isoformat(),
        "being_fixed": report.being_fixed,
    }
