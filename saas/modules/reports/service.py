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
acceptance that becomes the current status closes them.

Functions take (session, actor, ...) and flush, never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.clients.models import ClientGrant, ClientOrganization
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service import Actor, access_organization, grants_statement
from saas.modules.reports.catalog import PERIOD_CODES, Periodicity, form_of
from saas.modules.reports.models import FollowUp, Report, ReportEvent
from saas.schema.errors import DomainError


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


class ReportsError(DomainError):
    """A DomainError with its message in Russian and English."""

    def __init__(self, kind: str, code: str, ru: str, en: str, field: str | None = None):
        super().__init__(code, en, field)
        self.kind = kind  # validation | not_found | conflict
        self.ru, self.en = ru, en

    def message_in(self, language: str) -> str:
        return self.en if language == "en" else self.ru


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
    return stmt


async def status_counts(
    session: AsyncSession, actor: Actor, organization_id: int | None
) -> dict[str, int]:
    stmt = scope_reports(select(Report.status, func.count()).group_by(Report.status), actor)
    if organization_id is not None:
        stmt = stmt.where(Report.organization_id == organization_id)
    return {status: int(n) for status, n in await session.execute(stmt)}


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
class EventInput:
    report_id: int | None
    external_id: str
    kind: EventKind
    occurred_at: datetime
    text: str = ""
    reason_code: str | None = None
    documents: list[Any] | None = None


@dataclass
class Recorded:
    event: ReportEvent
    report: Report
    duplicate: bool
    status_changed: bool


def _same_fact(event: ReportEvent, data: EventInput, report_id: int) -> bool:
    return (
        event.report_id == report_id
        and event.kind == data.kind.value
        and event.occurred_at == data.occurred_at
        and (event.text or "") == (data.text or "")
        and event.reason_code == data.reason_code
        and (event.documents or None) == (data.documents or None)
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


async def record_report_event(session: AsyncSession, actor: Actor, data: EventInput) -> Recorded:
    """Record one event (idempotent by external id) and recompute the report's status."""
    _check_event(data)
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
                documents=data.documents,
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
        if not _same_fact(existing, data, report.id):
            raise ReportsError(
                "conflict",
                "EXTERNAL_ID_CONFLICT",
                "Событие с этим внешним идентификатором уже записано с другими данными.",
                "An event with this external id was already recorded with different content.",
                "externalId",
            )
        return Recorded(existing, report, duplicate=True, status_changed=False)
    event = await session.get(ReportEvent, event_id)
    assert event is not None
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
    open_follow_up = bool(
        await session.scalar(
            select(func.count())
            .select_from(FollowUp)
            .where(FollowUp.report_id == report.id, FollowUp.status == "open")
        )
    )
    changed = (current.kind, current.occurred_at, open_follow_up) != (
        report.status,
        report.status_at,
        report.being_fixed,
    )
    report.status, report.status_at = current.kind, current.occurred_at
    report.being_fixed = open_follow_up
    report.updated_at = datetime.now(UTC)
    await session.flush()
    return Recorded(event, report, duplicate=False, status_changed=changed)


def status_payload(report: Report) -> dict[str, Any]:
    """The outbox payload of a status change: small, and enough to filter by organization."""
    return {
        "report_id": report.id,
        "organization_id": report.organization_id,
        "status": report.status,
        "status_at": report.status_at.isoformat(),
        "being_fixed": report.being_fixed,
    }
