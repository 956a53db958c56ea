"""Demo reports: every demo client gets a year (2026) of filings that fit its tax regime, with
timelines pushed through the reports service as an integrator (an API token) would push them.

Filed periods run prepared -> sent -> delivered -> accepted around their deadline; a few are
rejected with a reason (one fixed and re-sent, one still being fixed), one has a clarification
request, and periods whose deadline is near are still in progress. Events never lie in the
future: the timeline is cut at "now". Idempotent: a client that already has reports is skipped.

Events carry small documents, stored through the storage layer like an integrator's: the
report file (XML in the tax service's shape) on "sent", the receipt on "accepted", a
rejection notice (a one-page PDF) on "rejected".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.db.session import tenant_transaction
from saas.modules.notifications.models import Notification
from saas.modules.reports.catalog import PERIOD_CODES, form_of
from saas.modules.reports.models import Report, ReportEvent
from saas.modules.reports.service.attachments import DocumentInput
from saas.modules.reports.service.filings import ReportInput, create_report
from saas.modules.reports.service.flow import DocumentKind, EventKind
from saas.modules.reports.service.timeline import EventInput, record_report_event
from saas.services import Services
from saas.settings import Settings
from saas.storage import tenant_files
from saas.storage.stored import removed_on_failure

YEAR = 2026
MSK = timezone(timedelta(hours=3))
TAX_OFFICE = "7701"
# The forms each regime files in a year (ens_notice: advance payments of the simplified tax).
FORMS_BY_REGIME: dict[str, tuple[str, ...]] = {
    "osno": ("vat", "6ndfl", "rsv", "pers_sved"),
    "usn_income": ("usn", "ens_notice"),
    "usn_income_expense": ("usn", "ens_notice", "6ndfl", "rsv"),
}
USN_NOTICE_MONTHS = ("03", "06", "09", "12")


@dataclass(frozen=True)
class DemoLedger:
    tenant_id: int
    organization_id: int
    inn: str
    tax_regime: str


@dataclass(frozen=True)
class Step:
    kind: EventKind
    at: datetime
    text: str = ""
    reason: str | None = None


def period_end(form_code: str, code: str) -> date:
    """The last day of the period (year-long forms: Dec 31)."""
    if code.startswith("Q"):
        month = 3 * int(code[1])
    elif code.isdigit():
        month = int(code)
    else:
        month = 12
    first_next = date(YEAR + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def periods(form_code: str) -> tuple[str, ...]:
    form = form_of(form_code)
    assert form is not None, form_code
    if form_code == "ens_notice":
        return USN_NOTICE_MONTHS
    return PERIOD_CODES[form.periodicity]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK)


def timeline(form_code: str, code: str, twist: str | None) -> list[Step]:
    """The steps of one filing, deadline 25 days after its period (yearly: late March)."""
    end = period_end(form_code, code)
    deadline = end + timedelta(days=85 if code == "Y" else 25)
    prepared = _at(deadline - timedelta(days=3), 11)
    sent = _at(deadline - timedelta(days=2), 15, 20)
    steps = [
        Step(EventKind.PREPARED, prepared, "Отчёт подготовлен бухгалтером"),
        Step(EventKind.SENT, sent, "Отправлен через оператора ЭДО"),
        Step(EventKind.DELIVERED, sent + timedelta(hours=2), "Квитанция о приёме"),
    ]
    if twist == "rejected_fixed":
        rejected = sent + timedelta(days=1, hours=3)
        resent = rejected + timedelta(days=1, hours=2)
        steps += [
            Step(EventKind.REJECTED, rejected, "Уведомление об отказе", "0400300003"),
            Step(EventKind.SENT, resent, "Исправленный отчёт отправлен повторно"),
            Step(EventKind.DELIVERED, resent + timedelta(hours=1), "Квитанция о приёме"),
            Step(EventKind.ACCEPTED, resent + timedelta(days=1), "Извещение о вводе"),
        ]
    elif twist == "rejected_open":
        steps.append(
            Step(
                EventKind.REJECTED,
                sent + timedelta(days=1, hours=3),
                "Отказ: не совпадают контрольные соотношения",
                "0400400011",
            )
        )
    elif twist == "clarification":
        steps.append(
            Step(
                EventKind.CLARIFICATION_REQUESTED,
                sent + timedelta(days=4),
                "Требование о представлении пояснений (ст. 88 НК РФ)",
            )
        )
    else:
        steps.append(Step(EventKind.ACCEPTED, sent + timedelta(days=3, hours=1), "Принят"))
    return steps


# Which filings of each regime take a twist: (form, period) -> twist.
TWISTS: dict[str, dict[tuple[str, str], str]] = {
    "osno": {
        ("vat", "Q1"): "rejected_fixed",
        ("vat", "Q3"): "clarification",
        ("6ndfl", "Q3"): "rejected_open",
    },
    "usn_income": {("ens_notice", "06"): "rejected_fixed"},
    "usn_income_expense": {
        ("rsv", "Q2"): "rejected_fixed",
        ("6ndfl", "Q3"): "rejected_open",
    },
}


def _xml(root: str, ledger: DemoLedger, form_code: str, code: str, step: Step) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} ИНН="{ledger.inn}" '
        f'Форма="{form_code}" Период="{YEAR}-{code}" КодНО="{TAX_OFFICE}" '
        f'Дата="{step.at.date().isoformat()}">{step.text}</{root}>\n'
    ).encode()


def _pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a few lines of Latin text (Helvetica: no fonts embedded)."""
    text = " ".join(
        f"BT /F1 11 Tf 56 {780 - 18 * n} Td ({line}) Tj ET" for n, line in enumerate(lines)
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def documents_of(ledger: DemoLedger, form_code: str, code: str, step: Step) -> list[DocumentInput]:
    """The demo documents of one step (none for most steps)."""
    stem = f"{form_code}_{ledger.inn}_{YEAR}_{code}"
    if step.kind is EventKind.SENT:
        data = _xml("Файл", ledger, form_code, code, step)
        return [DocumentInput(DocumentKind.REPORT_FILE, f"{stem}.xml", content=data)]
    if step.kind is EventKind.ACCEPTED:
        data = _xml("Квитанция", ledger, form_code, code, step)
        return [DocumentInput(DocumentKind.RECEIPT, f"Квитанция_{stem}.xml", content=data)]
    if step.kind is EventKind.REJECTED:
        lines = [
            "Rejection notice / Uvedomlenie ob otkaze",
            f"INN {ledger.inn}, form {form_code}, period {YEAR}-{code}",
            f"Reason code {step.reason or '-'}, {step.at.date().isoformat()}",
        ]
        return [
            DocumentInput(DocumentKind.REJECTION_NOTICE, f"Отказ_{stem}.pdf", content=_pdf(lines))
        ]
    return []


async def _seed(services: Services, ledger: DemoLedger, now: datetime) -> int:
    tenant = await services.registry.by_id(ledger.tenant_id)
    assert tenant is not None
    # The demo integrator: a firm API token, staff of the whole firm (`clients:read_all`).
    integrator = Actor(ledger.tenant_id, "token:demo-integrator", None, staff=True, firm_wide=True)
    twists = TWISTS.get(ledger.tax_regime, {})
    created = 0
    files = tenant_files(services, tenant)
    async with (
        removed_on_failure(files) as stored,
        tenant_transaction(services.engine, tenant) as session,
    ):
        existing = await session.scalar(
            sa.select(sa.func.count())
            .select_from(Report)
            .where(Report.organization_id == ledger.organization_id)
        )
        if existing:
            return 0
        for form_code in FORMS_BY_REGIME.get(ledger.tax_regime, ()):
            for code in periods(form_code):
                steps = [
                    s
                    for s in timeline(form_code, code, twists.get((form_code, code)))
                    if s.at <= now
                ]
                # A period not over yet has no report, except the year's own return, kept as a
                # draft all year; a period over but not yet filed has no events.
                if _at(period_end(form_code, code), 23, 59) > now and code != "Y":
                    continue
                report = await create_report(
                    session,
                    integrator,
                    ReportInput(ledger.organization_id, form_code, YEAR, code, TAX_OFFICE),
                )
                created += 1
                for number, step in enumerate(steps, start=1):
                    await record_report_event(
                        session,
                        integrator,
                        EventInput(
                            report.id,
                            f"demo-{ledger.inn}-{form_code}-{YEAR}-{code}-{number}",
                            step.kind,
                            step.at,
                            step.text,
                            step.reason,
                            documents_of(ledger, form_code, code, step),
                        ),
                        files=files,
                        stored=stored,
                    )
        await _settle_history(session, ledger.organization_id, now)
    return created


# The bell shows what happened in the last weeks as unread; older history reads as seen.
UNREAD_WINDOW = timedelta(days=30)


async def _settle_history(session: AsyncSession, organization_id: int, now: datetime) -> None:
    """The seeded year is history: its notifications are dated when their events happened,
    count as already e-mailed (the first mail job must not send a year of rejections), and
    only the last UNREAD_WINDOW stays unread."""
    event_time = (
        sa.select(ReportEvent.occurred_at)
        .where(ReportEvent.id == Notification.event_id)
        .scalar_subquery()
    )
    await session.execute(
        sa.update(Notification)
        .where(Notification.organization_id == organization_id)
        .values(created_at=event_time, emailed_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        sa.update(Notification)
        .where(
            Notification.organization_id == organization_id,
            Notification.created_at < now - UNREAD_WINDOW,
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


def seed_demo_reports(
    settings: Settings, database_url: str, ledgers: list[DemoLedger], now: datetime | None = None
) -> int:
    """Seed every ledger's year of reports; returns how many reports were created."""

    async def run() -> int:
        services = Services.build(settings, database_url)
        try:
            moment = now or datetime.now(UTC)
            return sum([await _seed(services, ledger, moment) for ledger in ledgers])
        finally:
            await services.engine.dispose()

    return asyncio.run(run())
