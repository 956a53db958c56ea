"""The regulation's deadline in business days of the firm's calendar (saas.core.calendar),
and its words with the right plural (babel's CLDR plural rules: 1 рабочий день, 2 рабочих
дня, 5 рабочих дней, 21 рабочий день).

A request is received on the firm's local date of its launch when that is a business day
before the firm closes; launched later (a Friday evening, a holiday) it is received on the
next business day. Its earliest due date is the planned number of business days after it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from babel import Locale

from saas.core.calendar.business import BusinessCalendar
from saas.modules.requests.service.errors import DeadlineTooShort, invalid

RU_DAYS = {"one": "рабочий день", "few": "рабочих дня", "many": "рабочих дней"}
EN_DAYS = {"one": "business day"}
_RU, _EN = Locale("ru"), Locale("en")
# A due date further than this is a typo (a year 2205), not a plan.
MAX_DUE_DAYS = 2 * 366


def business_days_words(n: int, language: str) -> str:
    """`n` business days in Russian or English: «1 рабочий день», «22 рабочих дня»."""
    if language == "en":
        return f"{n} {EN_DAYS.get(_EN.plural_form(n), 'business days')}"
    return f"{n} {RU_DAYS.get(_RU.plural_form(n), 'рабочих дня')}"


def received_on(calendar: BusinessCalendar, moment: datetime) -> date:
    """The business day a request launched at `moment` is received on."""
    day = calendar.local_date(moment)
    hours = calendar.working_hours(day)
    if hours is not None and calendar.local(moment) < hours[1]:
        return day
    return calendar.add_business_days(day, 1)


def minimum_due(calendar: BusinessCalendar, moment: datetime, days: int) -> date:
    """The earliest due date the regulation allows for a launch at `moment`."""
    return calendar.add_business_days(received_on(calendar, moment), days)


def check_due(calendar: BusinessCalendar, moment: datetime, days: int, due: date) -> date:
    """`due` if the regulation allows it, else DeadlineTooShort with the earliest date."""
    minimum = minimum_due(calendar, moment, days)
    if due < minimum:
        raise DeadlineTooShort(
            f"Указан срок меньше допустимого по регламенту ({business_days_words(days, 'ru')})",
            f"The due date is shorter than the regulation allows "
            f"({business_days_words(days, 'en')})",
            minimum,
            days,
        )
    if (due - calendar.local_date(moment)).days > MAX_DUE_DAYS:
        raise invalid(
            "DUE_TOO_FAR",
            "Срок — не дальше двух лет.",
            "The due date must be within two years.",
            "dueDate",
        )
    return due


class SlaState(Enum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"  # the due date is today or the next business day
    OVERDUE = "overdue"  # past the due date
    BREACHED = "breached"  # past the hard deadline
    CLOSED = "closed"  # done or rejected
    AWAITING_CLIENT = "awaiting_client"  # the clock is paused: the performer waits on the client


def sla_state(
    calendar: BusinessCalendar,
    today: date,
    due: date,
    hard: date,
    open_: bool,
    *,
    awaiting: bool = False,
    breached: bool = False,
) -> SlaState:
    if not open_:
        return SlaState.CLOSED
    if breached:
        return SlaState.BREACHED
    if awaiting:
        return SlaState.AWAITING_CLIENT
    if today > hard:
        return SlaState.BREACHED
    if today > due:
        return SlaState.OVERDUE
    if calendar.business_days_between(today, due) <= 1:
        return SlaState.DUE_SOON
    return SlaState.ON_TRACK
