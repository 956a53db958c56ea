"""Business-day and business-hour arithmetic of one firm: Russia's production calendar
(`national`), the firm's own days off, its working hours, in its time zone.

A deadline counted in days is counted in business days of the firm's calendar, never in
calendar days: `add_business_days(start, n)` is the n-th business day after `start` (the
start itself not counted), and `business_days_between(a, add_business_days(a, n)) == n`.
Dates of moments are taken in the firm's zone (`local_date`): 23:30 in Moscow is already the
next day in Vladivostok.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from saas.core.calendar.national import DayReason, holiday_name, national_day

DEFAULT_TIME_ZONE = "Europe/Moscow"
OPENS, CLOSES = time(9), time(18)
# Art. 95: the day before a public holiday is one hour shorter.
PRE_HOLIDAY_CUT = timedelta(hours=1)
KNOWN_DAYS = 4096  # ~11 years of days remembered per calendar


@dataclass(frozen=True)
class BusinessDay:
    date: date
    reason: DayReason
    shortened: bool = False
    note: str | None = None  # the firm's own words for its day off

    @property
    def working(self) -> bool:
        return self.reason in (DayReason.WORKDAY, DayReason.MOVED_WORKDAY)

    def name(self, language: str) -> str | None:
        """What the day is called: the firm's note, the holiday's or moved day's name."""
        return self.note or holiday_name(self.date, language)


@dataclass(frozen=True)
class BusinessCalendar:
    """One firm's calendar. Build it with `saas.core.calendar.firm.calendar_of(tenant)`."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIME_ZONE))
    days_off: dict[date, str] = field(default_factory=dict, hash=False)  # date -> note
    opens: time = OPENS
    closes: time = CLOSES
    # Days already looked up (a calendar is immutable, so is each of its days): a board of
    # requests asks for the same few weeks of days over and over (bench_deadlines).
    _known: dict[date, BusinessDay] = field(
        default_factory=dict, hash=False, compare=False, repr=False
    )

    # --- days -------------------------------------------------------------------------
    def day(self, day: date) -> BusinessDay:
        known = self._known.get(day)
        if known is not None:
            return known
        national = national_day(day)
        if national.working and day in self.days_off:
            known = BusinessDay(day, DayReason.FIRM_DAY_OFF, note=self.days_off[day] or None)
        else:
            known = BusinessDay(day, national.reason, national.shortened and national.working)
        if len(self._known) >= KNOWN_DAYS:
            self._known.clear()
        self._known[day] = known
        return known

    def days(self, first: date, last: date) -> Iterator[BusinessDay]:
        """Each day from `first` to `last`, both included."""
        day = first
        while day <= last:
            yield self.day(day)
            day += timedelta(1)

    def is_business_day(self, day: date) -> bool:
        return self.day(day).working

    def add_business_days(self, start: date, n: int) -> date:
        """The n-th business day after `start` (before it for a negative n); `start` for 0."""
        step = timedelta(1 if n >= 0 else -1)
        day, left = start, abs(n)
        while left:
            day += step
            left -= self.is_business_day(day)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end` (negative when `end` is
        earlier: minus those after `end` up to and including `start`)."""
        if end < start:
            return -self.business_days_between(end, start)
        return sum(d.working for d in self.days(start + timedelta(1), end))

    # --- moments ----------------------------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("a moment needs its time zone")
        return moment.astimezone(self.zone)

    def local_date(self, moment: datetime) -> date:
        """The date of `moment` in the firm's time zone."""
        return self.local(moment).date()

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def today(self) -> date:
        return self.now().date()

    def working_hours(self, day: date) -> tuple[datetime, datetime] | None:
        """When the firm works on `day` (its zone), None on a day off; a pre-holiday day ends
        an hour early."""
        info = self.day(day)
        if not info.working:
            return None
        opens = datetime.combine(day, self.opens, self.zone)
        closes = datetime.combine(day, self.closes, self.zone)
        if info.shortened:
            closes -= PRE_HOLIDAY_CUT
        return opens, closes

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (0 when `end` is not later): the age of
        something waiting, counted like `add_business_hours` counts (nights, days off and a
        pre-holiday day's last hour do not count)."""
        if end <= start:
            return 0.0
        first, last = self.local(start), self.local(end)
        total = timedelta(0)
        day = first.date()
        while day <= last.date():
            span = self.working_hours(day)
            if span is not None:
                begin, finish = max(span[0], first), min(span[1], last)
                if finish > begin:
                    total += finish - begin
            day += timedelta(1)
        return total.total_seconds() / 3600

    def add_business_hours(self, moment: datetime, hours: float | timedelta) -> datetime:
        """The moment `hours` of working time after `moment` (in the firm's zone). Time
        outside working hours does not count: Friday 17:30 + 1 h is Monday 09:30 (a
        pre-holiday Friday ends at 17:00). The result is the end of the last working span
        used: 2 h before the close is the close itself, not the next morning."""
        left = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        if left < timedelta(0):
            raise ValueError("business hours are added, not subtracted")
        current = self.local(moment)
        day = current.date()
        while True:
            span = self.working_hours(day)
            if span is not None and current < span[1]:
                current = max(current, span[0])
                if current + left <= span[1]:
                    return current + left
                left -= span[1] - current
            day += timedelta(1)
            current = datetime.combine(day, time(0), self.zone)
