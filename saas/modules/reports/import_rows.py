"""The rows of a bulk import as events: each row's fields checked, and the report it names
found, or created when it does not exist yet (see imports.py for reading the file).

A row names its report by `reportId`, or as the firm's accounting system knows it: the client
organization's `inn` (+ `kpp` when the INN has several organizations), `formCode`,
`periodYear`, `periodCode` and `correction` (default 0). When no such report exists, the row
creates it (`filings.create_report`, audited `report.create`) for the organization with that
INN among those the importer sees (active ones: an unknown INN, or one of an organization out
of the importer's reach, is the row's NOT_FOUND), with `authorityCode` from the row, or for a
tax form the first four digits of the organization's KPP (its tax office; of the INN without
a KPP). The report and its event are written in the row's savepoint: a row refused after
creating its report leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.ids import InvalidId, decode
from saas.modules.clients.models import ClientOrganization
from saas.modules.clients.service import scope_organizations
from saas.modules.reports.catalog import Authority, form_of
from saas.modules.reports.imports import IDENTITY, REQUIRED
from saas.modules.reports.models import Report
from saas.modules.reports.service.filings import ReportInput, create_report
from saas.modules.reports.service.flow import EventKind, ReportsError
from saas.modules.reports.service.scope import scope_reports
from saas.modules.reports.service.timeline import EventInput


def _invalid(code: str, ru: str, en: str, field: str | None = None) -> ReportsError:
    return ReportsError("validation", code, ru, en, field)


@dataclass
class RowEvent:
    """A row as an event, and whether its report was created for it."""

    event: EventInput
    created: bool = False


def _value(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _invalid(
            "INVALID_FIELD",
            f"Поле `{name}` — строка.",
            f"`{name}` is a string.",
            name,
        )
    return str(value)


def _required(row: dict[str, Any], name: str) -> str:
    value = _value(row, name)
    if value is None:
        raise _invalid("MISSING_FIELD", f"Не указано `{name}`.", f"`{name}` is required", name)
    return value


def _number(row: dict[str, Any], name: str, default: int | None = None) -> int:
    value = _value(row, name) if default is None else (_value(row, name) or str(default))
    if value is None:
        raise _invalid("MISSING_FIELD", f"Не указано `{name}`.", f"`{name}` is required", name)
    value = value.strip()
    if not value.isdigit() or len(value) > 9:
        raise _invalid(
            "INVALID_FIELD",
            f"Поле `{name}` — целое число.",
            f"`{name}` is a whole number.",
            name,
        )
    return int(value)


@dataclass(frozen=True)
class Identity:
    """The report a row names without its id."""

    inn: str
    kpp: str | None
    form_code: str
    period_year: int
    period_code: str
    correction: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> Identity:
        kpp = _value(row, "kpp")
        return cls(
            inn=_required(row, "inn").strip(),
            kpp=kpp.strip() if kpp else None,
            form_code=_required(row, "formCode").strip().lower(),
            period_year=_number(row, "periodYear"),
            period_code=_required(row, "periodCode").strip().upper(),
            correction=_number(row, "correction", default=0),
        )


def _ambiguous() -> ReportsError:
    return _invalid(
        "AMBIGUOUS_REPORT",
        "С этим ИНН несколько организаций: укажите kpp или reportId.",
        "Several organizations have this INN: give kpp or reportId.",
        "kpp",
    )


async def _find_report(session: AsyncSession, actor: Actor, who: Identity) -> int | None:
    """The report named by organization INN (and KPP), form, period and correction."""
    stmt = (
        select(Report.id)
        .join(ClientOrganization, ClientOrganization.id == Report.organization_id)
        .where(
            ClientOrganization.inn == who.inn,
            Report.form_code == who.form_code,
            Report.period_year == who.period_year,
            Report.period_code == who.period_code,
            Report.correction == who.correction,
        )
        .limit(2)
    )
    if who.kpp:
        stmt = stmt.where(ClientOrganization.kpp == who.kpp)
    ids: list[Any] = list((await session.execute(scope_reports(stmt, actor))).scalars())
    found = [int(pk) for pk in ids]
    if len(found) > 1:
        raise _ambiguous()
    return found[0] if found else None


async def _organization(session: AsyncSession, actor: Actor, who: Identity) -> ClientOrganization:
    """The active organization with the row's INN (and KPP) among those the actor sees."""
    stmt = select(ClientOrganization).where(
        ClientOrganization.inn == who.inn, ClientOrganization.status == "active"
    )
    if who.kpp:
        stmt = stmt.where(ClientOrganization.kpp == who.kpp)
    found: list[ClientOrganization] = list(
        (await session.execute(scope_organizations(stmt.limit(2), actor))).scalars()
    )
    if len(found) > 1:
        raise _ambiguous()
    if not found:
        raise ReportsError(
            "not_found",
            "NOT_FOUND",
            "Нет клиента с таким ИНН (и КПП) среди ваших организаций: отчёт не создан.",
            "No client organization of yours has this INN (and KPP): no report was created.",
            "inn",
        )
    return found[0]


def _authority(row: dict[str, Any], org: ClientOrganization, form_code: str) -> str:
    """The row's authorityCode; for a tax form the organization's tax office by default (the
    first four digits of its KPP, else of its INN)."""
    given = _value(row, "authorityCode")
    if given:
        return given.strip()
    form = form_of(form_code)
    if form is not None and form.authority is Authority.TAX:
        return (org.kpp or org.inn)[:4]
    raise _invalid(
        "MISSING_FIELD",
        "Отчёта ещё нет: укажите `authorityCode` (код органа), чтобы его создать.",
        "The report does not exist yet: give `authorityCode` (the authority's code) to create it.",
        "authorityCode",
    )


async def find_or_create_report(
    session: AsyncSession, actor: Actor, row: dict[str, Any]
) -> tuple[int, bool]:
    """The id of the report the row names by INN, form, period and correction, created when
    missing (see the module docstring); and whether it was created."""
    who = Identity.of(row)
    found = await _find_report(session, actor, who)
    if found is not None:
        return found, False
    org = await _organization(session, actor, who)
    report = await create_report(
        session,
        actor,
        ReportInput(
            organization_id=org.id,
            form_code=who.form_code,
            period_year=who.period_year,
            period_code=who.period_code,
            authority_code=_authority(row, org, who.form_code),
            correction=who.correction,
        ),
    )
    return report.id, True


def _report_number(value: Any) -> int:
    """A row's reportId, decoded as every id argument is (saas.core.ids); the report is then
    looked up in the firm's own schema like any other."""
    try:
        return decode(value, "Report", "reportId")
    except InvalidId as exc:
        raise _invalid(
            exc.code, "Неверный идентификатор отчёта.", "Not a valid report id.", "reportId"
        ) from None


async def event_input(session: AsyncSession, actor: Actor, row: dict[str, Any]) -> RowEvent:
    """One row (a JSON object or a CSV record) to an event, or a ReportsError naming the
    field. Rows are validated the same whatever the file's format; the report a row names by
    INN, form and period is created when it does not exist yet."""
    if row.get("documents") not in (None, "", []):
        # An import stores no files: dropping them silently would lose them, and the same
        # event sent later with its documents would then be a conflict.
        raise _invalid(
            "DOCUMENTS_NOT_IMPORTED",
            "Импорт не принимает документы: запишите это событие с документами через "
            "recordReportEvent.",
            "An import carries no documents: record this event with its documents through "
            "recordReportEvent.",
            "documents",
        )
    for name in REQUIRED:
        _required(row, name)
    try:
        kind = EventKind(_required(row, "kind").strip().lower())
    except ValueError as exc:
        allowed = ", ".join(k.value for k in EventKind)
        raise _invalid(
            "INVALID_KIND",
            f"`kind` — одно из: {allowed}.",
            f"`kind` is one of: {allowed}",
            "kind",
        ) from exc
    try:
        occurred_at = datetime.fromisoformat(_required(row, "occurredAt").strip())
    except ValueError as exc:
        raise _invalid(
            "INVALID_TIME",
            "`occurredAt` — дата и время ISO 8601 с часовым поясом (2026-04-20T09:00:00+03:00).",
            "`occurredAt` is an ISO 8601 date-time with an offset (2026-04-20T09:00:00+03:00)",
            "occurredAt",
        ) from exc
    text = row.get("text") or ""
    if not isinstance(text, str):
        raise _invalid("INVALID_FIELD", "Поле `text` — строка.", "`text` is a string.", "text")
    reason = _value(row, "reasonCode")
    if reason is not None and len(reason.strip()) > 64:
        raise _invalid(
            "INVALID_FIELD",
            "Код причины — не длиннее 64 символов.",
            "`reasonCode` is at most 64 characters.",
            "reasonCode",
        )
    report_id = _value(row, "reportId")
    if report_id is None and not any(_value(row, name) for name in IDENTITY):
        raise _invalid(
            "MISSING_FIELD",
            "Не указан отчёт: reportId либо inn, formCode, periodYear, periodCode.",
            "`reportId` is required (or inn, formCode, periodYear, periodCode)",
            "reportId",
        )
    created = False
    if report_id is not None:
        report_pk = _report_number(report_id)
    else:
        report_pk, created = await find_or_create_report(session, actor, row)
    event = EventInput(
        report_id=report_pk,
        external_id=_required(row, "externalId"),
        kind=kind,
        occurred_at=occurred_at,
        text=text,
        reason_code=reason.strip() if reason else None,
    )
    return RowEvent(event, created)
