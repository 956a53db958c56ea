"""The firm's own calendar settings, kept in its row's settings (`shared.tenants.settings`):

- `time_zone`: an IANA name (Europe/Moscow when unset);
- `days_off`: the firm's own non-working dates, `[{"date": "2025-12-30", "note": "..."}]`.

`calendar_of(tenant)` builds the firm's `BusinessCalendar` from its cached `TenantRef` (no
query): every module computing a deadline or "today" takes it from there. The checks of a
change are here; the change itself is `saas.tenants.calendar.update_firm_calendar` (the
firm's row: lock, audit entry, NOTIFY); deadlines already computed keep their dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from saas.core.calendar.business import DEFAULT_TIME_ZONE, BusinessCalendar
from saas.schema.errors import LocalizedError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from saas.tenants.registry import TenantRef

TIME_ZONE_SETTING = "time_zone"
DAYS_OFF_SETTING = "days_off"
MAX_DAYS_OFF = 200
MAX_NOTE = 100
# A day off further than this from today is a typo (a year 2205), not a plan.
DAYS_OFF_REACH = timedelta(days=5 * 366)
MAX_RANGE_DAYS = 366
# The years Russia's production calendar has (the `holidays` package's RU range).
FIRST_YEAR, LAST_YEAR = 1992, 2100


class CalendarError(LocalizedError):
    """An expected refusal of the calendar (bad time zone, range, day off)."""


def _invalid(code: str, ru: str, en: str, field: str) -> CalendarError:
    return CalendarError("validation", code, ru, en, field)


@dataclass(frozen=True)
class DayOff:
    date: date
    note: str = ""


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name or DEFAULT_TIME_ZONE))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def _stored_days_off(settings: dict[str, Any]) -> dict[date, str]:
    days: dict[date, str] = {}
    for entry in settings.get(DAYS_OFF_SETTING) or ():
        try:
            days[date.fromisoformat(entry["date"])] = str(entry.get("note") or "")
        except (KeyError, TypeError, ValueError):
            continue  # never let one bad stored entry break every deadline
    return days


# Calendars built per settings dict (a TenantRef's is never changed in place; the registry
# makes a new one): `Report.overdue` asks for each row of a page.
_BUILT: dict[int, tuple[dict[str, Any], BusinessCalendar]] = {}
_UNSET: dict[str, Any] = {}


def calendar_of(tenant: TenantRef | Any) -> BusinessCalendar:
    """The firm's business calendar (its time zone and days off; Moscow and none unset)."""
    settings = getattr(tenant, "settings", None) or _UNSET
    built = _BUILT.get(id(settings))
    if built is not None and built[0] is settings:
        return built[1]
    calendar = BusinessCalendar(
        zone=_zone(settings.get(TIME_ZONE_SETTING)), days_off=_stored_days_off(settings)
    )
    if len(_BUILT) >= 256:
        _BUILT.clear()
    _BUILT[id(settings)] = (settings, calendar)
    return calendar


def calendar_of_session(session: AsyncSession) -> BusinessCalendar:
    """The calendar of the firm a tenant-bound session (`ctx.db`, `tenant_transaction`,
    `job.transaction()`) works for: services compute deadlines without being handed it."""
    tenant = session.sync_session.info.get("tenant")
    if tenant is None:
        raise RuntimeError("calendar_of_session() needs a tenant-bound session")
    return calendar_of(tenant)


def days_off_of(tenant: TenantRef | Any) -> list[DayOff]:
    stored = _stored_days_off(getattr(tenant, "settings", None) or {})
    return [DayOff(d, note) for d, note in sorted(stored.items())]


def time_zone_of(tenant: TenantRef | Any) -> str:
    return str(calendar_of(tenant).zone.key)


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def check_time_zone(name: str) -> str:
    name = name.strip()
    if name not in _zone_names():
        raise _invalid(
            "UNKNOWN_TIME_ZONE",
            f"Неизвестный часовой пояс «{name[:64]}»: укажите имя IANA, например Europe/Moscow.",
            f"Unknown time zone '{name[:64]}': give an IANA name such as Europe/Moscow.",
            "timeZone",
        )
    return name


def check_days_off(days: Sequence[DayOff], today: date) -> list[DayOff]:
    """Sorted, one entry per date (the last note given wins), within reach of today."""
    if len(days) > MAX_DAYS_OFF:
        raise _invalid(
            "TOO_MANY_DAYS_OFF",
            f"Собственных выходных фирмы может быть не больше {MAX_DAYS_OFF}.",
            f"A firm may have at most {MAX_DAYS_OFF} days off of its own.",
            "daysOff",
        )
    unique: dict[date, str] = {}
    for day in days:
        if abs(day.date - today) > DAYS_OFF_REACH:
            raise _invalid(
                "DAY_OFF_OUT_OF_RANGE",
                f"Дата {day.date.isoformat()} дальше пяти лет от сегодняшней.",
                f"The date {day.date.isoformat()} is more than five years from today.",
                "daysOff",
            )
        note = " ".join(day.note.split())
        if len(note) > MAX_NOTE:
            raise _invalid(
                "NOTE_TOO_LONG",
                f"Подпись выходного — не длиннее {MAX_NOTE} символов.",
                f"A day off's note is at most {MAX_NOTE} characters.",
                "daysOff",
            )
        unique[day.date] = note
    return [DayOff(d, note) for d, note in sorted(unique.items())]


def check_range(first: date, last: date) -> None:
    """A calendar range asked for: `first` to `last`, both included, at most a year, within
    the years the production calendar covers."""
    for value, field in ((first, "from"), (last, "to")):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise _invalid(
                "DATE_OUT_OF_RANGE",
                f"Календарь известен с {FIRST_YEAR} по {LAST_YEAR} год.",
                f"The calendar covers the years {FIRST_YEAR} to {LAST_YEAR}.",
                field,
            )
    if last < first:
        raise _invalid(
            "RANGE_REVERSED",
            "Конец периода раньше его начала.",
            "The range ends before it starts.",
            "to",
        )
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise _invalid(
            "RANGE_TOO_LONG",
            f"Период — не длиннее {MAX_RANGE_DAYS} дней.",
            f"The range is at most {MAX_RANGE_DAYS} days long.",
            "to",
        )
