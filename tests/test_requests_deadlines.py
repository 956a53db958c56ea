"""The regulation's deadline of a service request on real dates (issue 14): Russia's 2025
and 2026 production calendars (holidays, the moved working Saturday of 1 November 2025, the
New Year holidays), a launch on a Friday evening and before the New Year; the wording of a
too-short due date with the Russian plural (1 рабочий день, 2 рабочих дня, 5 рабочих дней)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from saas.core.calendar.business import BusinessCalendar
from saas.modules.requests.service.deadlines import (
    SlaState,
    business_days_words,
    check_due,
    minimum_due,
    received_on,
    sla_state,
)
from saas.modules.requests.service.errors import DeadlineTooShort

MSK = ZoneInfo("Europe/Moscow")
CAL = BusinessCalendar()


def at(y: int, m: int, d: int, hour: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=MSK)


@pytest.mark.parametrize(
    ("n", "ru", "en"),
    [
        (1, "1 рабочий день", "1 business day"),
        (2, "2 рабочих дня", "2 business days"),
        (5, "5 рабочих дней", "5 business days"),
        (11, "11 рабочих дней", "11 business days"),
        (21, "21 рабочий день", "21 business days"),
        (22, "22 рабочих дня", "22 business days"),
    ],
)
def test_plural_forms(n: int, ru: str, en: str) -> None:
    assert business_days_words(n, "ru") == ru
    assert business_days_words(n, "en") == en


@pytest.mark.parametrize(
    ("moment", "days", "earliest"),
    [
        # Friday morning: received that day; one business day is Monday.
        (at(2025, 11, 14, 10), 1, date(2025, 11, 17)),
        # Friday evening (after 18:00): received on Monday, so one business day is Tuesday.
        (at(2025, 11, 14, 19), 1, date(2025, 11, 18)),
        # Saturday 1 November 2025 was a working day (moved from 3 November); 3 and 4
        # November were days off.
        (at(2025, 10, 31, 12), 1, date(2025, 11, 1)),
        (at(2025, 10, 31, 12), 2, date(2025, 11, 5)),
        # Before the New Year: 31 December 2025 and 1-11 January 2026 are days off.
        (at(2025, 12, 30, 10), 1, date(2026, 1, 12)),
        (at(2025, 12, 30, 19), 1, date(2026, 1, 13)),
        # Friday evening before the New Year, five business days.
        (at(2025, 12, 26, 19), 5, date(2026, 1, 15)),
        # 31 December 2026 is a day off (moved): received on the first working day of 2027.
        (at(2026, 12, 31, 10), 1, date(2027, 1, 12)),
        # 23 February 2026 (Monday) is a public holiday.
        (at(2026, 2, 20, 12), 1, date(2026, 2, 24)),
        # 0 business days: the day it is received.
        (at(2026, 3, 7, 12), 0, date(2026, 3, 10)),
    ],
)
def test_earliest_due_date_in_business_days(moment: datetime, days: int, earliest: date) -> None:
    assert minimum_due(CAL, moment, days) == earliest
    assert check_due(CAL, moment, days, earliest) == earliest


def test_a_shorter_due_date_is_refused_with_the_wording_and_the_earliest_date() -> None:
    friday_evening = at(2025, 12, 26, 19)
    assert received_on(CAL, friday_evening) == date(2025, 12, 29)
    cases = [
        (1, "(1 рабочий день)", "(1 business day)", date(2025, 12, 30)),
        (2, "(2 рабочих дня)", "(2 business days)", date(2026, 1, 12)),
        (5, "(5 рабочих дней)", "(5 business days)", date(2026, 1, 15)),
    ]
    for days, ru, en, earliest in cases:
        with pytest.raises(DeadlineTooShort) as refused:
            check_due(CAL, friday_evening, days, date(2025, 12, 29))
        assert refused.value.message_in("ru") == (
            f"Указан срок меньше допустимого по регламенту {ru}"
        )
        assert refused.value.message_in("en") == (
            f"The due date is shorter than the regulation allows {en}"
        )
        assert (refused.value.minimum, refused.value.code) == (earliest, "DEADLINE_TOO_SHORT")


def test_sla_state_counts_business_days() -> None:
    due, hard = date(2026, 1, 12), date(2026, 1, 14)
    # Friday 9 January 2026 is a holiday: the next business day after 31 December 2025
    # (a day off too) is the due date itself.
    assert sla_state(CAL, date(2025, 12, 31), due, hard, True) == SlaState.DUE_SOON
    assert sla_state(CAL, date(2025, 12, 29), due, hard, True) == SlaState.ON_TRACK
    assert sla_state(CAL, date(2026, 1, 13), due, hard, True) == SlaState.OVERDUE
    assert sla_state(CAL, date(2026, 1, 15), due, hard, True) == SlaState.BREACHED
    assert sla_state(CAL, date(2026, 1, 15), due, hard, False) == SlaState.CLOSED
