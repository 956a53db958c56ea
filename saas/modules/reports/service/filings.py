"""Creating reports (a form of the catalog, a period it accepts, an authority code; audited as
`report.create`, from the API, the cabinet and an import alike) and reassigning a report's
responsible manager."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.clients.service import access_organization
from saas.modules.reports.catalog import PERIOD_CODES, Periodicity, form_of
from saas.modules.reports.models import (
    Report,
)
from saas.modules.reports.service.flow import ReportsError, invalid
from saas.modules.reports.service.scope import access_report


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


async def create_report(session: AsyncSession, actor: Actor, data: ReportInput) -> Report:
    org = await access_organization(session, actor, data.organization_id)
    form = form_of(data.form_code)
    if form is None:
        raise invalid("UNKNOWN_FORM", "Неизвестная форма отчёта.", "Unknown report form.", "form")
    if not form.accepts_period(data.period_code):
        allowed = ", ".join(PERIOD_CODES[form.periodicity])
        raise invalid(
            "INVALID_PERIOD",
            f"Для этой формы период — одно из: {allowed}.",
            f"This form's period code is one of: {allowed}.",
            "periodCode",
        )
    if not 2000 <= data.period_year <= 2100:
        raise invalid("INVALID_YEAR", "Неверный год.", "Invalid year.", "periodYear")
    if data.correction < 0:
        raise invalid(
            "INVALID_CORRECTION",
            "Номер корректировки не может быть отрицательным.",
            "The correction number cannot be negative.",
            "correction",
        )
    code = data.authority_code.strip()
    if not (code.isdigit() and len(code) in (4, 5, 6, 7, 8, 9, 10)):
        raise invalid(
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
    await audit(
        session,
        actor,
        "report.create",
        "report",
        report.id,
        organization=org.id,
        organization_name=org.name,
        form=form.code,
        period=f"{data.period_year}-{data.period_code}",
        correction=data.correction,
    )
    return report


async def set_report_manager(
    session: AsyncSession, actor: Actor, report_id: int | None, manager_person_id: int | None
) -> Report:
    """Make `manager_person_id` (active staff, checked by the caller's id resolution) the
    report's responsible manager; None gives it back to the organization's. The report is
    one the actor sees (`access_report`). Audited as `report.manager`."""
    report = await access_report(session, actor, report_id)
    if manager_person_id is None:
        org = await access_organization(session, actor, report.organization_id)
        manager_person_id = org.responsible_manager_person_id
    before = report.manager_person_id
    report.manager_person_id = manager_person_id
    await session.flush()
    await audit(
        session,
        actor,
        "report.manager",
        "report",
        report.id,
        before=before,
        manager=manager_person_id,
    )
    return report
