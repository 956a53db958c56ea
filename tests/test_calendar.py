"""The production calendar against the published ones, and business-day/hour arithmetic.

Expected values come from the official calendars, not from the code:
- 2025: Government decree No. 1335 of 4 October 2024 ("О переносе выходных дней в 2025 году"):
  4 and 5 January moved to 2 May and 31 December, 23 February to 8 May, 8 March to 13 June,
  Saturday 1 November to Monday 3 November; the published calendar: 247 working days, 1972
  hours at a 40-hour week, per month below.
- 2026: the Government's decree of 24 September 2025 ("О переносе выходных дней в 2026 году"):
  3 and 4 January moved to 9 January and 31 December; off 1-11 January, 21-23 February, 7-9
  March, 1-3 and 9-11 May, 12-14 June, 4 November, 31 December (the Government's
  announcement); the published calendar: 247 working days, 118 days off, 1972 hours.
- Labour Code art. 95: the working day before a public holiday is one hour shorter (the
  published monthly hours below are 8 h a working day less one per pre-holiday day).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from saas.core.calendar import national
from saas.core.calendar.business import BusinessCalendar
from saas.core.calendar.firm import CalendarError, DayOff, calendar_of, check_days_off, check_range
from saas.core.calendar.national import DayReason


def span(first: date, last: date) -> set[date]:
    return {first + timedelta(n) for n in range((last - first).days + 1)}


def d(text: str) -> date:
    return date.fromisoformat(text)


# Non-working days of each year as published (periods include the weekends inside them).
OFF = {
    2025: span(d("2025-01-01"), d("2025-01-08"))
    | span(d("2025-02-22"), d("2025-02-23"))
    | span(d("2025-03-08"), d("2025-03-09"))
    | span(d("2025-05-01"), d("2025-05-04"))
    | span(d("2025-05-08"), d("2025-05-11"))
    | span(d("2025-06-12"), d("2025-06-15"))
    | span(d("2025-11-02"), d("2025-11-04"))
    | {d("2025-12-31")},
    2026: span(d("2026-01-01"), d("2026-01-11"))
    | span(d("2026-02-21"), d("2026-02-23"))
    | span(d("2026-03-07"), d("2026-03-09"))
    | span(d("2026-05-01"), d("2026-05-03"))
    | span(d("2026-05-09"), d("2026-05-11"))
    | span(d("2026-06-12"), d("2026-06-14"))
    | {d("2026-11-04"), d("2026-12-31")},
}
WORKING_WEEKENDS = {2025: {d("2025-11-01")}, 2026: set()}
# The published calendars (five-day week): working days and hours at 40 h, January..December.
WORKING_DAYS = {
    2025: [17, 20, 21, 22, 18, 19, 23, 21, 22, 23, 19, 22],
    2026: [15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22],
}
HOURS = {
    2025: [136, 160, 167, 175, 144, 151, 184, 168, 176, 184, 151, 176],
    2026: [120, 152, 168, 175, 151, 167, 184, 168, 176, 176, 159, 176],
}
MOSCOW = BusinessCalendar()


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_of_the_year_is_as_published(year: int) -> None:
    wrong = []
    for day in span(date(year, 1, 1), date(year, 12, 31)):
        off = day in OFF[year] or (day.weekday() >= 5 and day not in WORKING_WEEKENDS[year])
        if MOSCOW.is_business_day(day) == off:
            wrong.append(day.isoformat())
    assert sorted(wrong) == []


@pytest.mark.parametrize("year", [2025, 2026])
def test_month_and_year_totals_are_as_published(year: int) -> None:
    days = list(MOSCOW.days(date(year, 1, 1), date(year, 12, 31)))
    per_month = Counter(day.date.month for day in days if day.working)
    hours = Counter()
    for day in days:
        hours[day.date.month] += (8 - day.shortened) if day.working else 0
    assert [per_month[m] for m in range(1, 13)] == WORKING_DAYS[year]
    assert [hours[m] for m in range(1, 13)] == HOURS[year]
    assert (sum(per_month.values()), sum(hours.values())) == (247, 1972)
    assert len(days) - sum(per_month.values()) == 118


def test_reasons_and_pre_holiday_days() -> None:
    reason = {day: MOSCOW.day(d(day)).reason for day in ("2025-11-01", "2025-11-03", "2025-11-04")}
    assert reason == {
        "2025-11-01": DayReason.MOVED_WORKDAY,
        "2025-11-03": DayReason.MOVED_DAY_OFF,
        "2025-11-04": DayReason.HOLIDAY,
    }
    assert MOSCOW.day(d("2026-01-09")).reason == DayReason.MOVED_DAY_OFF
    assert MOSCOW.day(d("2026-01-07")).reason == DayReason.HOLIDAY
    assert MOSCOW.day(d("2026-01-10")).reason == DayReason.WEEKEND
    # Art. 95: 7 March 2025 (before 8 March); the working Saturday 1 November 2025 stands for
    # 3 November, the eve of 4 November; 8 May 2026 before Victory Day. Not 7 May 2025 (8 May
    # is a moved day off, not a holiday) nor 30 December 2025 (31 December is a moved day off).
    shortened = {
        day: MOSCOW.day(d(day)).shortened
        for day in (
            "2025-03-07",
            "2025-11-01",
            "2026-05-08",
            "2025-05-07",
            "2025-12-30",
            "2026-11-03",
        )
    }
    assert shortened == {
        "2025-03-07": True,
        "2025-11-01": True,
        "2026-05-08": True,
        "2025-05-07": False,
        "2025-12-30": False,
        "2026-11-03": True,
    }
    assert MOSCOW.day(d("2026-05-01")).name("ru") == "Праздник Весны и Труда"
    assert MOSCOW.day(d("2026-05-01")).name("en") == "Holiday of Spring and Labor"


def test_business_days_over_new_year_and_may() -> None:
    # Friday 26 Dec 2025: Mon 29, Tue 30, then off 31 Dec - 11 Jan, then Mon 12 Jan...
    assert MOSCOW.add_business_days(d("2025-12-26"), 1) == d("2025-12-29")
    assert MOSCOW.add_business_days(d("2025-12-26"), 2) == d("2025-12-30")
    assert MOSCOW.add_business_days(d("2025-12-26"), 3) == d("2026-01-12")
    assert MOSCOW.add_business_days(d("2025-12-26"), 5) == d("2026-01-14")
    # 30 April 2025: off 1-4 May, working 5-7, off 8-11, working from 12 May.
    assert MOSCOW.add_business_days(d("2025-04-30"), 5) == d("2025-05-13")
    # 30 April 2026: off 1-3 May, working 4-8 May.
    assert MOSCOW.add_business_days(d("2026-04-30"), 5) == d("2026-05-08")
    assert MOSCOW.add_business_days(d("2026-01-14"), -5) == d("2025-12-26")
    assert MOSCOW.add_business_days(d("2026-01-03"), 0) == d("2026-01-03")
    assert MOSCOW.business_days_between(d("2025-12-26"), d("2026-01-14")) == 5
    assert MOSCOW.business_days_between(d("2026-01-14"), d("2025-12-26")) == -5
    assert MOSCOW.business_days_between(d("2025-12-31"), d("2026-01-11")) == 0
    # A whole published year: 247 working days after 31 December of the year before.
    assert MOSCOW.business_days_between(d("2024-12-31"), d("2025-12-31")) == 247


def test_the_firms_own_day_off() -> None:
    stored = {"days_off": [{"date": "2026-05-04", "note": "Субботник"}, {"date": "bad"}]}
    firm = calendar_of(SimpleNamespace(settings=stored))
    assert firm.day(d("2026-05-04")).reason == DayReason.FIRM_DAY_OFF
    assert firm.day(d("2026-05-04")).name("en") == "Субботник"
    assert firm.add_business_days(d("2026-04-30"), 5) == d("2026-05-12")
    # A firm's day off on a holiday stays the holiday.
    firm = BusinessCalendar(days_off={d("2026-05-01"): ""})
    assert firm.day(d("2026-05-01")).reason == DayReason.HOLIDAY


def test_dates_and_hours_in_the_firms_time_zone() -> None:
    # 23:30 in Moscow on Tuesday 9 June 2026 is 20:30 UTC, and already Wednesday in
    # Vladivostok: the date (and so the deadline) depends on the firm's zone.
    moment = datetime(2026, 6, 9, 23, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    far_east = BusinessCalendar(zone=ZoneInfo("Asia/Vladivostok"))
    assert (MOSCOW.local_date(moment), far_east.local_date(moment)) == (
        d("2026-06-09"),
        d("2026-06-10"),
    )
    # 12 June (Friday) is Russia Day, 13-14 the weekend.
    assert MOSCOW.add_business_days(MOSCOW.local_date(moment), 5) == d("2026-06-17")
    assert far_east.add_business_days(far_east.local_date(moment), 5) == d("2026-06-18")
    # 2 business hours from 23:30: the next morning, 09:00-11:00 (Moscow).
    assert MOSCOW.add_business_hours(moment, 2) == datetime(
        2026, 6, 10, 11, tzinfo=ZoneInfo("Europe/Moscow")
    )
    utc = datetime(2026, 6, 9, 20, 30, tzinfo=UTC)  # the same instant, given in UTC
    assert MOSCOW.add_business_hours(utc, 2) == MOSCOW.add_business_hours(moment, 2)
    with pytest.raises(ValueError):
        MOSCOW.local_date(datetime(2026, 6, 9, 23, 30))


def test_business_hours_skip_nights_weekends_holidays_and_shorten_eves() -> None:
    msk = ZoneInfo("Europe/Moscow")
    friday = datetime(2026, 5, 15, 17, 30, tzinfo=msk)
    assert MOSCOW.add_business_hours(friday, 1) == datetime(2026, 5, 18, 9, 30, tzinfo=msk)
    assert MOSCOW.add_business_hours(friday, 0.5) == datetime(2026, 5, 15, 18, tzinfo=msk)
    # 30 April 2026 ends at 17:00 (art. 95); 1-3 May are off.
    eve = datetime(2026, 4, 30, 16, 30, tzinfo=msk)
    assert MOSCOW.add_business_hours(eve, 1) == datetime(2026, 5, 4, 9, 30, tzinfo=msk)
    assert MOSCOW.working_hours(d("2026-04-30")) == (
        datetime(2026, 4, 30, 9, tzinfo=msk),
        datetime(2026, 4, 30, 17, tzinfo=msk),
    )
    # 8 May 2026 (Friday, before Victory Day) 8 h, then off until Tuesday 12 May.
    early = datetime(2026, 5, 8, 7, tzinfo=msk)
    assert MOSCOW.add_business_hours(early, 10) == datetime(2026, 5, 12, 11, tzinfo=msk)
    with pytest.raises(ValueError):
        MOSCOW.add_business_hours(friday, -1)


def test_refusals_of_bad_input() -> None:
    with pytest.raises(CalendarError) as reversed_range:
        check_range(d("2026-02-01"), d("2026-01-01"))
    assert reversed_range.value.code == "RANGE_REVERSED"
    with pytest.raises(CalendarError) as too_long:
        check_range(d("2026-01-01"), d("2027-01-02"))
    assert (too_long.value.code, too_long.value.field) == ("RANGE_TOO_LONG", "to")
    check_range(d("2026-01-01"), d("2027-01-01"))  # 366 days: allowed
    with pytest.raises(CalendarError) as beyond:
        check_range(d("9999-12-01"), d("9999-12-31"))
    assert (beyond.value.code, beyond.value.field) == ("DATE_OUT_OF_RANGE", "from")
    with pytest.raises(CalendarError) as far:
        check_days_off([DayOff(d("2205-01-01"))], d("2026-01-01"))
    assert far.value.code == "DAY_OFF_OUT_OF_RANGE"
    kept = check_days_off(
        [DayOff(d("2026-03-02"), " a  b "), DayOff(d("2026-02-02")), DayOff(d("2026-03-02"))],
        d("2026-01-01"),
    )
    assert kept == [DayOff(d("2026-02-02")), DayOff(d("2026-03-02"))]


def test_a_decree_given_as_data_replaces_the_packages_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """decrees.json: 2025 written from decree No. 1335 alone gives the published 2025."""
    decree_1335 = {
        "source": "Government decree No. 1335 of 4 October 2024",
        "days_off": ["2025-05-02", "2025-05-08", "2025-06-13", "2025-11-03", "2025-12-31"],
        "workdays": {"2025-11-01": "2025-11-03"},
    }
    monkeypatch.setattr(national, "decrees", lambda: {2025: decree_1335})
    national._year.cache_clear()
    MOSCOW._known.clear()  # the calendar's remembered days were the package's
    try:
        days = list(MOSCOW.days(date(2025, 1, 1), date(2025, 12, 31)))
        off = {
            day.date
            for day in days
            if day.date in OFF[2025] or (day.date.weekday() >= 5 and day.date.year == 2025)
        } - WORKING_WEEKENDS[2025]
        assert {day.date for day in days if not day.working} == off
        assert sum(8 - day.shortened for day in days if day.working) == 1972
        assert MOSCOW.day(d("2025-11-01")).shortened
        # The data is what counts: without moves, 2 May is a plain Friday.
        monkeypatch.setattr(national, "decrees", lambda: {2025: {"days_off": []}})
        national._year.cache_clear()
        MOSCOW._known.clear()  # the calendar's remembered days were the package's
        assert MOSCOW.day(d("2025-05-02")).reason == DayReason.WORKDAY
        assert MOSCOW.day(d("2025-05-01")).reason == DayReason.HOLIDAY
    finally:
        national._year.cache_clear()
        MOSCOW._known.clear()  # the calendar's remembered days were the package's
