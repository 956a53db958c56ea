"""The tax calendar shipped with the product (issue 14): the shift rule on real 2025/2026
dates of Russia's production calendar, and which filings apply to which organization."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from saas.modules.calendar.taxes import Filer, known_years, next_working_day, tax_calendar
from saas.modules.reports.catalog import report_forms


def dues(year: int, filer: Filer) -> dict[tuple[str, int, str], date]:
    return {(d.form_code, d.period_year, d.period_code): d.due for d in tax_calendar(year, filer)}


LLC_OSNO = Filer("osno", "ooo")


@pytest.mark.parametrize(
    ("nominal", "due"),
    [
        (date(2025, 10, 25), date(2025, 10, 27)),  # a Saturday -> Monday
        (date(2025, 1, 25), date(2025, 1, 27)),  # a Saturday in January
        (date(2026, 1, 25), date(2026, 1, 26)),  # a Sunday
        (date(2026, 1, 3), date(2026, 1, 12)),  # the New Year holidays (1-11 January 2026)
        (date(2025, 1, 1), date(2025, 1, 9)),  # the New Year holidays (1-8 January 2025)
        (date(2025, 5, 2), date(2025, 5, 5)),  # 2 May 2025: a day off moved from 4 January
        (date(2025, 11, 1), date(2025, 11, 1)),  # a moved working Saturday: no shift
        (date(2025, 11, 3), date(2025, 11, 5)),  # its day off (3 Nov), then 4 Nov: holiday
        (date(2026, 3, 25), date(2026, 3, 25)),  # a Wednesday stays
    ],
)
def test_a_due_date_on_a_day_off_moves_to_the_next_working_day(nominal: date, due: date) -> None:
    assert next_working_day(nominal) == due


def test_the_shift_rule_in_the_calendar_of_2025_and_2026() -> None:
    assert known_years() == [2025, 2026]
    y2025, y2026 = dues(2025, LLC_OSNO), dues(2026, LLC_OSNO)
    # VAT for Q3 2025: 25 October 2025 is a Saturday.
    assert y2025[("vat", 2025, "Q3")] == date(2025, 10, 27)
    # RSV and VAT for Q4 2024: 25 January 2025 is a Saturday.
    assert y2025[("rsv", 2024, "Q4")] == date(2025, 1, 27)
    assert y2025[("vat", 2025, "Q1")] == date(2025, 4, 25)  # a Friday: stays
    # Q4 2025 in January 2026: 25 January is a Sunday.
    assert y2026[("vat", 2025, "Q4")] == date(2026, 1, 26)
    assert y2026[("6ndfl", 2025, "Q4")] == date(2026, 2, 25)
    assert y2026[("bfo", 2025, "Y")] == date(2026, 3, 31)
    shifted = {d.key for d in tax_calendar(2026, LLC_OSNO) if d.shifted}
    assert "vat-2025-Q4" in shifted and "bfo-2025-Y" not in shifted


def test_filings_by_tax_regime_and_employer_status() -> None:
    forms = lambda filer: {d.form_code for d in tax_calendar(2026, filer)}  # noqa: E731
    assert forms(LLC_OSNO) == {"vat", "6ndfl", "rsv", "pers_sved", "ens_notice", "bfo"}
    usn_llc = dues(2026, Filer("usn_income", "ooo"))
    assert usn_llc[("usn", 2025, "Y")] == date(2026, 3, 25)
    assert not any(form == "vat" for form, _, _ in usn_llc)
    # An entrepreneur on УСН files by 25 April (a Saturday in 2026: 27 April), no financial
    # statements, and without employees no 6-НДФЛ/РСВ: only the advance-payment notices.
    ip = dues(2026, Filer("usn_income_expense", "ip"))
    assert ip[("usn", 2025, "Y")] == date(2026, 4, 27)
    assert {form for form, _, _ in ip} == {"usn", "ens_notice"}
    assert sorted(p for f, _, p in ip if f == "ens_notice") == ["04", "07", "10"]
    # The same entrepreneur with employees: the employer's filings, monthly notices.
    employer = dues(2026, Filer("usn_income_expense", "ip", has_employees=True))
    assert {"6ndfl", "rsv", "pers_sved"} <= {form for form, _, _ in employer}
    assert len([1 for f, _, _ in employer if f == "ens_notice"]) == 12
    # A patent entrepreneur without employees, a self-employed one: nothing to file.
    assert forms(Filer("patent", "ip")) == set()
    assert forms(Filer("npd", "ip")) == set()
    assert forms(Filer("patent", "ip", has_employees=True)) == {
        "6ndfl",
        "rsv",
        "pers_sved",
        "ens_notice",
    }
    # The firm states the employer status when the legal form would say otherwise.
    assert "rsv" not in forms(Filer("osno", "ooo", has_employees=False))
    assert "vat" in forms(Filer("eshn", "ooo"))


def test_every_form_of_the_calendar_is_in_the_report_form_catalog() -> None:
    catalog = report_forms()
    for year in known_years():
        for due in tax_calendar(year, Filer("osno", "ooo", has_employees=True)):
            assert due.form_code in catalog


def test_a_module_adds_its_events_to_the_calendar_through_the_core_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The extension point for the service requests' deadlines: a source registered in
    saas.core.agenda is asked for the organizations and days, and its events come sorted
    with the others; the calendar module registers its own three."""
    from saas.core import agenda as registry  # noqa: PLC0415

    assert {"tax_due", "exchange", "report_follow_up"} <= set(registry.agenda_sources())
    asked = []

    async def deadlines(session, org_ids, first, last):  # type: ignore[no-untyped-def]
        asked.append((session, list(org_ids), first, last))
        return [
            registry.AgendaEvent(7, date(2026, 1, 14), "request_deadline", "r-2", "Б", "B"),
            registry.AgendaEvent(7, date(2026, 1, 13), "request_deadline", "r-1", "А", "A"),
        ]

    # Both registries: register_source writes the grant too (a leaked None for "requests"
    # hid the requests' deadlines from clients in the tests that run after this one).
    monkeypatch.setattr(registry, "_SOURCES", {})
    monkeypatch.setattr(registry, "_GRANTS", {})
    registry.register_source("requests", deadlines)
    events = asyncio.run(registry.agenda("session", [7], date(2026, 1, 12), date(2026, 1, 26)))
    assert asked == [("session", [7], date(2026, 1, 12), date(2026, 1, 26))]
    assert [e.uid for e in events] == ["r-1", "r-2"]
    assert events[0].title("en") == "A" and events[0].title("ru") == "А"
    assert asyncio.run(registry.agenda("session", [], date(2026, 1, 12), date(2026, 1, 26))) == []
