"""A report rejected by the tax authority opens a service request for the responsible
department, linked to the report and the follow-up its rejection opened.

An `ON_ANNOUNCE` hook of `saas.events` (registered in policy.py): it runs inside the
transaction that claims the reports module's `report.status_changed` outbox rows, so every
path recording a rejection (the API, an import job, the sweeper's late announcement) opens
the request exactly once; the reports module never imports this one. One request per
follow-up (a unique index besides the claim).

The request: the organization's archived "report fix" service (kept out of the client's
catalog, made on first use), under review from the start (no client edit), its department
HR («Кадры») for the payroll forms (6-НДФЛ, РСВ, персонифицированные сведения, ЕФС-1) and
Accounting («Бухгалтерия») for the others (the seeded departments, whatever the firm renamed
them to; the first department when those are gone), its performer the follow-up's manager
(the report's responsible manager) or else the department's head, both due dates the
follow-up's due date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.calendar.firm import calendar_of_session
from saas.events import claimed_events
from saas.modules.notifications.service.inbox import period_label
from saas.modules.reports.catalog import form_of
from saas.modules.reports.models import FollowUp, Report
from saas.modules.reports.service.flow import STATUS_TOPIC
from saas.modules.requests.models import (
    SYSTEM,
    UNDER_REVIEW,
    RequestDepartment,
    RequestService,
    ServiceRequest,
)
from saas.modules.requests.service.thread import add_comment
from saas.services import Services

REJECTED = "rejected"
REPORT_FIX = "report_fix"
OPENED_ENTRY = "opened_by_report"
PAYROLL_FORMS = frozenset({"6ndfl", "rsv", "pers_sved", "efs1"})
# When the follow-up has no due date to give (never: it always has one), business days.
FALLBACK_DAYS = 3
# The firm's lock on opening fix requests (transaction-level; the firm's id is the second key).
FIX_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('requests.report_fixes'), :tenant)")


def department_code(form_code: str) -> str:
    return "hr" if form_code in PAYROLL_FORMS else "accounting"


async def _department(session: AsyncSession, code: str) -> RequestDepartment | None:
    rows = (
        await session.scalars(select(RequestDepartment).order_by(RequestDepartment.position))
    ).all()
    return next((d for d in rows if d.code == code), rows[0] if rows else None)


async def _fix_service(
    session: AsyncSession, org_id: int, department: RequestDepartment | None
) -> RequestService:
    def existing() -> Any:
        return select(RequestService).where(
            RequestService.organization_id == org_id, RequestService.system_key == REPORT_FIX
        )

    found = (await session.execute(existing())).scalar_one_or_none()
    if found is not None:
        return found
    # Two rejections of one organization announced at once both miss it: the later INSERT
    # waits for the earlier's commit and does nothing, and the SELECT reads that row (a plain
    # INSERT failed there with a unique violation, and the hook's requests were lost).
    await session.execute(
        pg_insert(RequestService)
        .values(
            organization_id=org_id,
            department_id=department.id if department else None,
            category="Отчётность",
            group_name="Исправления",
            name="Исправить отклонённый отчёт",
            description="Отчёт отклонён налоговым органом: исправить и сдать снова.",
            planned_days=FALLBACK_DAYS,
            hard_days=FALLBACK_DAYS,
            archived=True,
            system_key=REPORT_FIX,
            checklist=[],
            regulation_links=[],
        )
        .on_conflict_do_nothing(
            index_elements=[RequestService.organization_id, RequestService.system_key],
            index_where=RequestService.system_key.is_not(None),
        )
    )
    return (await session.execute(existing())).scalar_one()  # type: ignore[no-any-return]


def report_title(report: Report) -> str:
    form = form_of(report.form_code)
    name = form.name("ru") if form else report.form_code
    return f"Исправить отчёт: {name}, {period_label(report.period_year, report.period_code, 'ru')}"


async def open_fix_request(
    session: AsyncSession, tenant_id: int, report: Report, now: datetime
) -> ServiceRequest | None:
    """The request for the report's open follow-up (None when it has none or has one). The
    follow-up is locked: two announcements of its rejection at once (the soak bench's
    `uq_service_requests_follow_up` violations) take turns, and the second finds the first's
    request instead of failing on its INSERT. The report is locked before it, in the order a
    write of the report's events takes them (the report FOR UPDATE, then its follow-ups):
    locked after it, by the new request's foreign key, it deadlocked with such a write."""
    await session.execute(
        select(Report.id).where(Report.id == report.id).with_for_update(key_share=True)
    )
    follow_up = (
        await session.execute(
            select(FollowUp)
            .where(FollowUp.report_id == report.id, FollowUp.status == "open")
            .order_by(FollowUp.id.desc())
            .limit(1)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if follow_up is None:
        return None
    taken = await session.scalar(
        select(ServiceRequest.id).where(ServiceRequest.report_follow_up_id == follow_up.id)
    )
    if taken is not None:
        return None
    department = await _department(session, department_code(report.form_code))
    service = await _fix_service(session, report.organization_id, department)
    due: date = follow_up.due_date or calendar_of_session(session).add_business_days(
        calendar_of_session(session).local_date(now), FALLBACK_DAYS
    )
    request = ServiceRequest(
        organization_id=report.organization_id,
        service_id=service.id,
        department_id=department.id if department else None,
        title=report_title(report),
        description=service.description,
        status=UNDER_REVIEW,
        due_date=due,
        hard_due_date=due,
        waiting=False,
        performer_person_id=follow_up.manager_person_id
        or (department.head_person_id if department else None),
        checklist=[],
        reviewed_at=now,
        report_id=report.id,
        report_follow_up_id=follow_up.id,
    )
    session.add(request)
    await session.flush()
    await add_comment(session, request, SYSTEM, None, OPENED_ENTRY)
    await audit(
        session,
        Actor.system(tenant_id, "job:requests.report_rejected"),
        "requests.request.from_report",
        "service_request",
        request.id,
        organization=request.organization_id,
        report=report.id,
        follow_up=follow_up.id,
    )
    return request


async def open_fix_requests(
    session: AsyncSession, services: Services, tenant: Any, ids: list[int]
) -> None:
    """ON_ANNOUNCE hook: a request for each claimed rejection of a report."""
    now = datetime.now(UTC)
    claimed = await claimed_events(session, ids, STATUS_TOPIC)
    rejections = [payload for _, _, payload in claimed if payload.get("status") == REJECTED]
    if not rejections:
        return
    # One announcement at a time opens the firm's fix requests: two announcing rejections of
    # two organizations in opposite orders would each create one's fix service (uncommitted),
    # then wait on the other's.
    await session.execute(FIX_LOCK, {"tenant": tenant.id})
    for payload in rejections:
        report = await session.get(Report, int(payload["report_id"]))
        if report is not None:
            await open_fix_request(session, tenant.id, report, now)
