"""The tax calendar of an organization and the interactions calendar (15 days by default).

The events come from every source registered in `saas.core.agenda` (this module's
`policy.py` registers the tax due dates, the exchange dates and the reports' follow-up
deadlines; a module built later, e.g. the service requests, registers its deadlines the same
way). A tax due date carries what the firm does about it: the report of that form and period
when the firm has one (its status), else "planned".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.agenda import AgendaEvent, agenda
from saas.core.calendar.firm import calendar_of_session
from saas.modules.calendar.service.errors import invalid, organization_not_found
from saas.modules.calendar.service.exchange import exchange_dates_between
from saas.modules.calendar.service.scope import (
    agenda_organizations,
    calendar_organization,
    filer_of,
)
from saas.modules.calendar.taxes import TaxDue, known_years, tax_calendar, tax_dues_between
from saas.modules.clients.models import ClientOrganization
from saas.modules.notifications.service.inbox import period_label
from saas.modules.reports.catalog import form_of
from saas.modules.reports.models import Report

INTERACTION_DAYS = 15
MAX_DAYS = 366


class FilingState(Enum):
    PLANNED = "planned"  # no report of the firm yet
    IN_PROGRESS = "in_progress"  # draft, prepared, sent, delivered
    FILED = "filed"  # accepted
    NEEDS_ATTENTION = "needs_attention"  # rejected, clarification requested, error


ATTENTION = frozenset({"rejected", "clarification_requested", "processing_error"})


def state_of(status: str | None) -> FilingState:
    if status is None:
        return FilingState.PLANNED
    if status == "accepted":
        return FilingState.FILED
    if status in ATTENTION:
        return FilingState.NEEDS_ATTENTION
    return FilingState.IN_PROGRESS


@dataclass(frozen=True)
class TaxCalendarEntry:
    organization_id: int
    due: TaxDue
    report_id: int | None
    report_status: str | None

    @property
    def state(self) -> FilingState:
        return state_of(self.report_status)

    def title(self, language: str) -> str:
        return tax_title(self.due, language)


def tax_title(due: TaxDue, language: str) -> str:
    form = form_of(due.form_code)
    name = form.name(language) if form else due.form_code
    return f"{name}, {period_label(due.period_year, due.period_code, language)}"


async def _reports_of(
    session: AsyncSession, org_ids: Sequence[int], dues: Sequence[TaxDue]
) -> dict[tuple[int, str, int, str], tuple[int, str]]:
    """(org, form, period year, period) -> (the latest correction's id, status), one
    statement."""
    if not dues or not org_ids:
        return {}
    years = sorted({d.period_year for d in dues})
    forms = sorted({d.form_code for d in dues})
    rows = await session.execute(
        select(
            Report.organization_id,
            Report.form_code,
            Report.period_year,
            Report.period_code,
            Report.id,
            Report.status,
        )
        .where(
            Report.organization_id.in_(sorted(set(org_ids))),
            Report.form_code.in_(forms),
            Report.period_year.in_(years),
        )
        .order_by(Report.correction)
    )
    return {(o, f, y, p): (i, s) for o, f, y, p, i, s in rows}


async def organization_tax_calendar(
    session: AsyncSession, actor: Actor, org_id: int, year: int
) -> tuple[ClientOrganization, list[TaxCalendarEntry]]:
    if year not in known_years():
        years = ", ".join(str(y) for y in known_years())
        raise invalid(
            "UNKNOWN_YEAR",
            f"Налоговый календарь есть на {years} годы.",
            f"The tax calendar covers the years {years}.",
            "year",
        )
    org = await calendar_organization(session, actor, org_id)
    dues = tax_calendar(year, filer_of(org))
    reports = await _reports_of(session, [org.id], dues)
    entries = []
    for due in dues:
        found = reports.get((org.id, due.form_code, due.period_year, due.period_code))
        entries.append(
            TaxCalendarEntry(org.id, due, found[0] if found else None, found[1] if found else None)
        )
    return org, entries


def window(start: date, days: int) -> tuple[date, date]:
    if not 1 <= days <= MAX_DAYS:
        raise invalid(
            "OUT_OF_RANGE",
            f"Календарь показывает от 1 до {MAX_DAYS} дней.",
            f"The calendar shows 1 to {MAX_DAYS} days.",
            "days",
        )
    if start > date.max - timedelta(days=days - 1):
        raise invalid(
            "DATE_OUT_OF_RANGE",
            "Период календаря выходит за последний возможный день.",
            "The calendar's range runs past the last possible date.",
            "from",
        )
    return start, start + timedelta(days=days - 1)


async def interactions(
    session: AsyncSession,
    actor: Actor,
    org_ids: Sequence[int] | None,
    days: int = INTERACTION_DAYS,
    start: date | None = None,
) -> tuple[list[ClientOrganization], list[AgendaEvent]]:
    """The organizations (of `org_ids`, else every one the actor sees) and their events from
    `start` (the firm's today) for `days` days; a client user's of the sources whose grant
    it holds in each organization. An organization given in `org_ids` it does not see:
    NOT_FOUND."""
    first, last = window(start or calendar_of_session(session).today(), days)
    orgs, granted = await agenda_organizations(session, actor, org_ids)
    if org_ids and not orgs:
        raise organization_not_found()
    return orgs, await agenda(session, [o.id for o in orgs], first, last, granted)


# ------------------------------------------------------------------------ the sources


async def tax_due_events(
    session: AsyncSession, org_ids: Sequence[int], first: date, last: date
) -> list[AgendaEvent]:
    orgs = (
        await session.execute(
            select(ClientOrganization).where(ClientOrganization.id.in_(sorted(set(org_ids))))
        )
    ).scalars()
    events = []
    for org in orgs:
        for due in tax_dues_between(filer_of(org), first, last):
            events.append(
                AgendaEvent(
                    org.id,
                    due.due,
                    "tax_due",
                    f"tax-{org.id}-{due.key}",
                    "Срок сдачи: " + tax_title(due, "ru"),
                    "Due: " + tax_title(due, "en"),
                )
            )
    return events


async def exchange_events(
    session: AsyncSession, org_ids: Sequence[int], first: date, last: date
) -> list[AgendaEvent]:
    rows = await exchange_dates_between(session, list(org_ids), first, last)
    return [
        AgendaEvent(
            r.organization_id,
            r.date,
            "exchange",
            f"exchange-{r.id}",
            "Обмен данными: " + r.title,
            "Data exchange: " + r.title,
            r.note,
        )
        for r in rows
    ]


async def report_follow_up_events(
    session: AsyncSession, org_ids: Sequence[int], first: date, last: date
) -> list[AgendaEvent]:
    rows = await session.execute(
        select(
            Report.id,
            Report.organization_id,
            Report.form_code,
            Report.period_year,
            Report.period_code,
            Report.follow_up_due,
        ).where(
            Report.organization_id.in_(sorted(set(org_ids))),
            Report.follow_up_due.between(first, last),
        )
    )
    events = []
    for report_id, org_id, form_code, year, period, due in rows:
        if due is None:  # pragma: no cover - filtered by the statement
            continue
        key = TaxDue(form_code, year, period, due, due)
        events.append(
            AgendaEvent(
                org_id,
                due,
                "report_follow_up",
                f"report-{report_id}-follow-up",
                "Исправить отчёт: " + tax_title(key, "ru"),
                "Fix the report: " + tax_title(key, "en"),
            )
        )
    return events
