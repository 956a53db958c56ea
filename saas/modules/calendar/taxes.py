"""The Russian tax calendar shipped with the product (tax_calendar.json) applied to a client
organization.

The JSON lists, per year of the due date, each filing of the report form catalog
(`saas.modules.reports.catalog`) with its period and its nominal due date (Tax Code); `rules`
say who files a form: `regimes` (the organization's tax regime) and `employer` (6-НДФЛ, РСВ,
personalized information). An entry's `who` narrows it to organizations (`org`) or
individual entrepreneurs (`ip`: УСН on 25 April instead of 25 March, no annual financial
statements); an ЕНП notice's `basis` is `employer` (monthly: withheld НДФЛ, contributions)
or `usn_advance` (the УСН advance payments of a payer without employees).

The shift rule (Tax Code art. 6.1 p. 7): a due date on a day off or a public holiday moves to
the next working day of Russia's production calendar (`saas.core.calendar`, national days
only: a firm's own day off moves nothing for the tax office).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from saas.core.calendar.business import BusinessCalendar
from saas.modules.clients.service import INDIVIDUAL_FORMS, is_employer

NATIONAL = BusinessCalendar()  # no firm days off: the tax office's calendar


@dataclass(frozen=True)
class TaxDue:
    form_code: str
    period_year: int
    period_code: str
    nominal: date  # the date the Tax Code names
    due: date  # after the shift rule

    @property
    def shifted(self) -> bool:
        return self.due != self.nominal

    @property
    def key(self) -> str:
        return f"{self.form_code}-{self.period_year}-{self.period_code}"


@dataclass(frozen=True)
class Filer:
    """What decides an organization's filings."""

    tax_regime: str
    legal_form: str
    has_employees: bool | None = None

    @property
    def individual(self) -> bool:
        return self.legal_form in INDIVIDUAL_FORMS

    @property
    def employer(self) -> bool:
        """Stated by the firm, else derived from the legal form (the clients module's rule)."""
        return is_employer(self.legal_form, self.has_employees)


@cache
def _data() -> dict[str, Any]:
    text = files("saas.modules.calendar").joinpath("tax_calendar.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def known_years() -> list[int]:
    return sorted(int(y) for y in _data()["years"])


def next_working_day(day: date) -> date:
    """The shift rule: `day` itself when it is a working day, else the next working day."""
    return day if NATIONAL.is_business_day(day) else NATIONAL.add_business_days(day, 1)


def _applies(entry: dict[str, Any], filer: Filer) -> bool:
    rule = _data()["rules"][entry["form"]]
    who = entry.get("who")
    if who == "org" and filer.individual or who == "ip" and not filer.individual:
        return False
    if "regimes" in rule and filer.tax_regime not in rule["regimes"]:
        return False
    if rule.get("employer") and not filer.employer:
        return False
    basis = entry.get("basis")
    if basis == "employer":
        return filer.employer
    if basis == "usn_advance":
        return not filer.employer and filer.tax_regime.startswith("usn")
    return True


def tax_calendar(year: int, filer: Filer) -> list[TaxDue]:
    """The filings due in `year` for an organization like `filer`, by due date (empty for a
    year the product ships no calendar of)."""
    entries = _data()["years"].get(str(year), [])
    found: dict[str, TaxDue] = {}
    for entry in entries:
        if not _applies(entry, filer):
            continue
        nominal = date.fromisoformat(entry["due"])
        due = TaxDue(
            entry["form"], entry["periodYear"], entry["period"], nominal, next_working_day(nominal)
        )
        found[due.key] = due
    return sorted(found.values(), key=lambda d: (d.due, d.form_code, d.period_code))


def tax_dues_between(filer: Filer, first: date, last: date) -> list[TaxDue]:
    """The filings whose (shifted) due date falls from `first` to `last`."""
    years = range(first.year - 1, last.year + 1)  # 31 December may shift into January
    return [d for y in years for d in tax_calendar(y, filer) if first <= d.due <= last]
