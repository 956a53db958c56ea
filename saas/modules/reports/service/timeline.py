"""A report's timeline: recording events and recomputing the status.

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
manager, due on the FOLLOW_UP_BUSINESS_DAYS-th business day of the firm's calendar after the
event's date in the firm's time zone (`saas.core.calendar`: holidays, moved days, the firm's
own days off); while one is open the report is "being fixed". An acceptance that becomes the
current status closes them. `reports.follow_up_due` keeps the earliest due date of the open
ones: a report is overdue when it lies before today in the firm's time zone (`today_of`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.calendar.firm import calendar_of_session
from saas.core.modules import load_modules
from saas.events import publish_in
from saas.modules.reports.models import (
    FollowUp,
    Report,
    ReportDocument,
    ReportEvent,
)
from saas.modules.reports.service.attachments import DocumentInput, check_documents, store_documents
from saas.modules.reports.service.flow import (
    FOLLOW_UP_BUSINESS_DAYS,
    OPENS_FOLLOW_UP,
    STAGE_RANK,
    STATUS_TOPIC,
    EventKind,
    ReportsError,
    invalid,
    report_not_found,
)
from saas.modules.reports.service.scope import scope_reports
from saas.services import Services
from saas.storage import TenantStorage
from saas.storage.stored import StoredObjects

# What other modules do in the transaction that records a new event (notifications: the
# in-app notifications of the contacts and the manager, so a rolled-back event notifies
# nobody): `hook(session, report, event)`, registered by the module's policy.py. Reports
# never imports them.
EventHook = Callable[[AsyncSession, Report, ReportEvent], Awaitable[object]]
ON_REPORT_EVENT: list[EventHook] = []


async def run_event_hooks(session: AsyncSession, report: Report, event: ReportEvent) -> None:
    load_modules()  # every module's policy.py has registered its hooks
    for hook in ON_REPORT_EVENT:
        await hook(session, report, event)


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
    # The outbox rows announcing this change (`record_and_announce`): NOTIFY them after the
    # commit (`saas.events.publish_in`); empty when the status did not change.
    announced: list[int] = field(default_factory=list)


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
        raise invalid(
            "INVALID_EXTERNAL_ID",
            "Внешний идентификатор события — от 1 до 128 символов.",
            "The event's external id is 1 to 128 characters.",
            "externalId",
        )
    data.external_id = external
    if data.occurred_at.tzinfo is None:
        raise invalid(
            "TIMEZONE_REQUIRED",
            "Укажите время события с часовым поясом.",
            "Give the event time with a time zone offset.",
            "occurredAt",
        )
    if data.occurred_at > datetime.now(UTC) + timedelta(days=1):
        raise invalid(
            "FUTURE_EVENT",
            "Время события в будущем.",
            "The event time is in the future.",
            "occurredAt",
        )


async def record_report_event(
    session: AsyncSession,
    actor: Actor,
    data: EventInput,
    *,
    files: TenantStorage | None = None,
    stored: StoredObjects | None = None,
    max_document_bytes: int = 25 * 1024 * 1024,
) -> Recorded:
    """Record one event (idempotent by external id) and recompute the report's status.

    With documents, pass the tenant's `files` and the key list of the drive's
    `removed_on_failure` (`stored`) wrapping the unit of work: objects are stored first,
    and removed again when the rows are surely not committed (what cannot be removed then
    is left to `jobs.reconcile_report_storage`)."""
    _check_event(data)
    checked = check_documents(data.documents, max_document_bytes)
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
    # The new row comes back as the session's instance (no read of it after the INSERT).
    event = (
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
            .returning(ReportEvent)
        )
    ).scalar_one_or_none()
    if event is None:
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
    documents = await store_documents(
        session, report, event, checked, files, stored, max_document_bytes
    )
    if data.kind in OPENS_FOLLOW_UP:
        calendar = calendar_of_session(session)
        due = calendar.add_business_days(
            calendar.local_date(data.occurred_at), FOLLOW_UP_BUSINESS_DAYS
        )
        await session.execute(
            pg_insert(FollowUp).values(
                report_id=report.id,
                event_id=event.id,
                manager_person_id=report.manager_person_id,
                due_date=due,
            )
        )
    # Other modules' part of a new event, in this transaction (notifications: only for
    # rejections and clarification requests; their e-mail is scheduled after the commit).
    await run_event_hooks(session, report, event)
    # The latest event and the open follow-ups in one statement; an acceptance closes them,
    # and they are counted again after.
    is_open = (FollowUp.report_id == report.id, FollowUp.status == "open")
    open_count_of = select(func.count()).where(*is_open).scalar_subquery()
    due_of = select(func.min(FollowUp.due_date)).where(*is_open).scalar_subquery()
    current = (
        await session.execute(
            select(ReportEvent.kind, ReportEvent.occurred_at, open_count_of, due_of)
            .where(ReportEvent.report_id == report.id)
            .order_by(*latest_event_order())
            .limit(1)
        )
    ).one()
    open_count, due = current[2], current[3]
    if current.kind == EventKind.ACCEPTED:
        await session.execute(
            update(FollowUp).where(*is_open).values(status="done", closed_at=func.now())
        )
        open_count, due = (
            await session.execute(select(func.count(), func.min(FollowUp.due_date)).where(*is_open))
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


def status_payload(report: Report) -> dict[str, Any]:
    """The outbox payload of a status change: small, and enough to filter by organization."""
    return {
        "report_id": report.id,
        "organization_id": report.organization_id,
        "status": report.status,
        "status_at": report.status_at.isoformat(),
        "being_fixed": report.being_fixed,
    }


async def record_and_announce(
    session: AsyncSession,
    actor: Actor,
    data: EventInput,
    *,
    services: Services,
    files: TenantStorage | None = None,
    stored: StoredObjects | None = None,
    max_document_bytes: int = 25 * 1024 * 1024,
) -> Recorded:
    """Record one event (`record_report_event`) and, when the report's status changed, its
    `report.status_changed` event in the outbox, in the same transaction: the one place that
    decides a change is published, for the API and the bulk import alike. The NOTIFY follows
    the caller's commit by itself (`saas.events.publish_in`): one per transaction, so an
    import's batch announces all its rows at once."""
    recorded = await record_report_event(
        session,
        actor,
        data,
        files=files,
        stored=stored,
        max_document_bytes=max_document_bytes,
    )
    if recorded.status_changed:
        recorded.announced.append(
            await publish_in(session, services, STATUS_TOPIC, status_payload(recorded.report))
        )
    return recorded
