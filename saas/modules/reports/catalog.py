"""The catalog of report forms, shipped as data (forms.json): code, names, authority, periodicity.

A form's periodicity fixes which period codes a report of it may carry:
  month   -> "01".."12"        quarter -> "Q1".."Q4"
  year    -> "Y"               event   -> "E" (filed when something happens, e.g. hiring)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files


class Authority(StrEnum):
    TAX = "tax"  # ФНС, the tax service office
    SOCIAL_FUND = "social_fund"  # СФР, the social fund
    STATISTICS = "statistics"  # Росстат


class Periodicity(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    EVENT = "event"


PERIOD_CODES: dict[Periodicity, tuple[str, ...]] = {
    Periodicity.MONTH: tuple(f"{m:02d}" for m in range(1, 13)),
    Periodicity.QUARTER: ("Q1", "Q2", "Q3", "Q4"),
    Periodicity.YEAR: ("Y",),
    Periodicity.EVENT: ("E",),
}


@dataclass(frozen=True)
class ReportForm:
    code: str
    ru: str
    en: str
    authority: Authority
    periodicity: Periodicity

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.ru

    def accepts_period(self, period_code: str) -> bool:
        return period_code in PERIOD_CODES[self.periodicity]


@cache
def report_forms() -> dict[str, ReportForm]:
    raw = json.loads(files("saas.modules.reports").joinpath("forms.json").read_text("utf-8"))
    return {
        f["code"]: ReportForm(
            f["code"], f["ru"], f["en"], Authority(f["authority"]), Periodicity(f["periodicity"])
        )
        for f in raw
    }


def form_of(code: str) -> ReportForm | None:
    return report_forms().get(code)
