"""Russia's production calendar: what kind of day a date is for every firm.

- Non-working public holidays: Labour Code art. 112 part 1 (`PUBLIC_HOLIDAYS`).
- Days off moved by the law (art. 112 part 2: a holiday on a weekend gives the next working
  day off) or by the Government's yearly decree (2025: decree No. 1335 of 4 October 2024;
  2026: the decree of 24 September 2025 moving 3 and 4 January to 9 January and 31 December),
  and the weekend days the decree makes working (1 November 2025).
- Pre-holiday days (art. 95 part 1): a working day right before a public holiday is one hour
  shorter. A weekend day made working inherits this from the day off it was swapped with
  (1 November 2025 stands for 3 November, the eve of 4 November; as the published calendar).

The dates and the decrees' moves come from the well-kept `holidays` package (RU), which
cites each decree; its release pins the years known (tests check 2025 and 2026 against the
published calendars). A decree it does not know yet goes into `decrees.json` (below); a year
with no decree at all is the law's holidays and weekends alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
from holidays.countries.russia import RussiaStaticHolidays

# Labour Code art. 112 part 1 (as amended in 2012, in force since 2013): 1-6 and 8 January
# (New Year holidays), 7 January, 23 February, 8 March, 1 May, 9 May, 12 June, 4 November.
PUBLIC_HOLIDAYS = frozenset(
    [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]
)
LANGUAGES = {"ru": "ru", "en": "en_US"}


class DayReason(StrEnum):
    """Why a day is (not) working."""

    WORKDAY = "workday"
    MOVED_WORKDAY = "moved_workday"  # a Saturday or Sunday the decree made working
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # art. 112 part 1
    MOVED_DAY_OFF = "moved_day_off"  # art. 112 part 2 or the decree
    FIRM_DAY_OFF = "firm_day_off"  # the firm's own (saas.core.calendar.firm)


@dataclass(frozen=True)
class NationalDay:
    date: date
    reason: DayReason
    shortened: bool = False  # a pre-holiday working day, one hour shorter (art. 95)

    @property
    def working(self) -> bool:
        return self.reason in (DayReason.WORKDAY, DayReason.MOVED_WORKDAY)


def _is_public_holiday(day: date) -> bool:
    return (day.month, day.day) in PUBLIC_HOLIDAYS


@dataclass(frozen=True)
class _Year:
    days_off: frozenset[date]  # holidays and moved days off (weekdays or not)
    workdays: frozenset[date]  # weekend days made working
    swapped: dict[date, date]  # a weekend day made working -> the day off it was moved to


# A decree the installed `holidays` release does not know yet, as data (SPEC: "data by year,
# updatable without code changes"): decrees.json, {"years": {"2028": {"source": "decree No.
# ... of ...", "days_off": ["2028-05-02", ...], "workdays": {"2028-11-04": "2028-11-06"}}}}
# ("days_off": every moved day off of the year, by art. 112 part 2 and by the decree;
# "workdays": a weekend day made working -> the weekday made a day off in its place). A year
# listed there replaces the package's moves for that year; bump `holidays` and empty it.
DECREES = Path(__file__).with_name("decrees.json")


@lru_cache(maxsize=1)
def decrees() -> dict[int, dict[str, Any]]:
    years = json.loads(DECREES.read_text(encoding="utf-8")).get("years", {})
    return {int(year): data for year, data in years.items()}


def _decreed(year: int, data: dict[str, Any]) -> _Year:
    days = (date(year, 1, 1) + timedelta(n) for n in range(366))
    public = {d for d in days if d.year == year and _is_public_holiday(d)}
    moved = {date.fromisoformat(d) for d in data.get("days_off", ())}
    swapped = {
        date.fromisoformat(worked): date.fromisoformat(off)
        for worked, off in data.get("workdays", {}).items()
    }
    return _Year(frozenset(public | moved), frozenset(swapped), swapped)


@lru_cache(maxsize=64)
def _year(year: int) -> _Year:
    if year in decrees():
        return _decreed(year, decrees()[year])
    ru = holidays.country_holidays("RU", years=year)
    workdays = frozenset(d for d in ru.weekend_workdays if d.year == year)
    swapped: dict[date, date] = {}
    # The decree's moves as the package records them: (to month, to day, from month, from
    # day[, from year]): the day off moves from a weekend day to a weekday.
    moves: tuple[Any, ...] = RussiaStaticHolidays.special_public_holidays.get(year, ())
    for move in moves if moves and isinstance(moves[0], tuple) else (moves,):
        if len(move) >= 4:
            off = date(year, move[0], move[1])
            worked = date(move[4] if len(move) > 4 else year, move[2], move[3])
            if worked in workdays:
                swapped[worked] = off
    return _Year(frozenset(ru), workdays, swapped)


def national_day(day: date) -> NationalDay:
    """The kind of `day` in Russia's production calendar."""
    year = _year(day.year)
    if day in year.days_off:
        return NationalDay(
            day, DayReason.HOLIDAY if _is_public_holiday(day) else DayReason.MOVED_DAY_OFF
        )
    if _is_public_holiday(day):  # a holiday the package does not know of (before 2013)
        return NationalDay(day, DayReason.HOLIDAY)
    if day in year.workdays:
        stands_for = year.swapped.get(day)
        shortened = stands_for is not None and _is_public_holiday(stands_for + timedelta(1))
        return NationalDay(day, DayReason.MOVED_WORKDAY, shortened)
    if day.weekday() >= 5:
        return NationalDay(day, DayReason.WEEKEND)
    return NationalDay(day, DayReason.WORKDAY, _is_public_holiday(day + timedelta(1)))


@lru_cache(maxsize=64)
def _names(year: int, language: str) -> dict[date, str]:
    ru = holidays.country_holidays("RU", years=year, language=LANGUAGES.get(language, "ru"))
    return dict(ru.items())


def holiday_name(day: date, language: str) -> str | None:
    """The holiday's or moved day off's name in `language` (ru or en), None for other days."""
    return _names(day.year, language).get(day)
