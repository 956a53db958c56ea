"""GraphQL of the calendar: the viewer's `businessCalendar(from, to)`, the firm admin's
`firmCalendar` and `updateFirmCalendar` (time zone, the firm's own days off). Thin: the rules
are in `saas.core.calendar` and the change in `saas.tenants.calendar`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from saas.core.actor import actor_of
from saas.core.calendar.business import BusinessCalendar, BusinessDay
from saas.core.calendar.firm import (
    CalendarError,
    DayOff,
    calendar_of,
    check_range,
    days_off_of,
    time_zone_of,
)
from saas.core.calendar.national import DayReason
from saas.rbac.permissions import requires, requires_login
from saas.schema.context import Info
from saas.schema.errors import ValidationError, error_result
from saas.tenants.calendar import update_firm_calendar
from saas.tenants.models import Tenant
from saas.tenants.registry import TenantRef

strawberry.enum(
    DayReason,
    name="BusinessDayReason",
    description="Why a day is (not) working: WORKDAY; MOVED_WORKDAY (a Saturday or Sunday the "
    "Government's decree made working); WEEKEND; HOLIDAY (a public holiday, Labour Code art. "
    "112); MOVED_DAY_OFF (a day off moved there by the law or the decree); FIRM_DAY_OFF (the "
    "firm's own day off).",
)


@strawberry.type(name="BusinessDay", description="One day of the firm's business calendar.")
class BusinessDayType:
    date: date
    is_working: bool
    reason: DayReason
    shortened: bool = strawberry.field(
        description="A pre-holiday working day, one hour shorter (Labour Code art. 95)."
    )
    name: str | None = strawberry.field(
        description="The holiday's or moved day's name, or the firm's note for its day off."
    )
    opens_at: datetime | None = strawberry.field(
        description="When the firm's working hours start that day (null on a day off)."
    )
    closes_at: datetime | None = strawberry.field(
        description="When they end (an hour early on a pre-holiday day)."
    )

    @classmethod
    def of(cls, day: BusinessDay, calendar: BusinessCalendar, language: str) -> BusinessDayType:
        hours = calendar.working_hours(day.date)
        return cls(
            date=day.date,
            is_working=day.working,
            reason=day.reason,
            shortened=day.shortened,
            name=day.name(language),
            opens_at=hours[0] if hours else None,
            closes_at=hours[1] if hours else None,
        )


@strawberry.type(
    name="BusinessCalendar",
    description="The firm's business days over a range: Russia's production calendar (public "
    "holidays, moved days off and working days) with the firm's own days off, in its time zone. "
    "Deadlines counted in days (a report's follow-up) count these business days.",
)
class BusinessCalendarType:
    time_zone: str
    today: date = strawberry.field(description="Today in the firm's time zone.")
    working_days: int = strawberry.field(description="Working days in the range.")
    days: list[BusinessDayType]


BusinessCalendarResult = Annotated[
    BusinessCalendarType | ValidationError, strawberry.union("BusinessCalendarResult")
]


@strawberry.type(name="FirmDayOff", description="A non-working day of the firm's own.")
class FirmDayOffType:
    date: date
    note: str


@strawberry.type(name="FirmCalendar", description="The firm's calendar settings.")
class FirmCalendarType:
    time_zone: str = strawberry.field(description="IANA time zone name (Europe/Moscow default).")
    days_off: list[FirmDayOffType]

    @classmethod
    def of(cls, tenant: TenantRef) -> FirmCalendarType:
        return cls(
            time_zone=time_zone_of(tenant),
            days_off=[FirmDayOffType(date=d.date, note=d.note) for d in days_off_of(tenant)],
        )


@strawberry.input(name="FirmDayOffInput")
class FirmDayOffInput:
    date: date
    note: str = ""


@strawberry.input(
    name="FirmCalendarInput",
    description="Omitted or null fields stay as they are; `daysOff` replaces the whole list.",
)
class FirmCalendarInput:
    time_zone: str | None = strawberry.UNSET
    days_off: list[FirmDayOffInput] | None = strawberry.UNSET


UpdateFirmCalendarResult = Annotated[
    FirmCalendarType | ValidationError, strawberry.union("UpdateFirmCalendarResult")
]


@strawberry.type
class Query:
    @strawberry.field(
        description="The firm's business calendar from `from` to `to` (both included, at most "
        "366 days, years 1992 to 2100): ValidationError RANGE_REVERSED, RANGE_TOO_LONG or "
        "DATE_OUT_OF_RANGE otherwise.",
        extensions=requires_login(),
    )
    def business_calendar(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
    ) -> BusinessCalendarResult:
        try:
            check_range(from_, to)
        except CalendarError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        calendar = calendar_of(info.context.tenant)
        language = info.context.language
        days = [BusinessDayType.of(d, calendar, language) for d in calendar.days(from_, to)]
        return BusinessCalendarType(
            time_zone=str(calendar.zone.key),
            today=calendar.today(),
            working_days=sum(d.is_working for d in days),
            days=days,
        )

    @strawberry.field(
        description="The firm's calendar settings: time zone and own days off.",
        extensions=requires("firm", "read"),
    )
    async def firm_calendar(self, info: Info) -> FirmCalendarType:
        # Read from the row, not the registry's cache: the admin sees what was just saved.
        row = await info.context.shared.get(Tenant, info.context.tenant.id)
        return FirmCalendarType.of(TenantRef.of(row) if row else info.context.tenant)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Set the firm's time zone (an IANA name; ValidationError UNKNOWN_TIME_ZONE) "
        "and/or replace its own days off (at most 200, within five years of today). Deadlines "
        "already set keep their dates.",
        extensions=requires("firm", "manage"),
    )
    async def update_firm_calendar(
        self, info: Info, input: FirmCalendarInput
    ) -> UpdateFirmCalendarResult:
        ctx = info.context
        days_off = (
            None
            if input.days_off is None or input.days_off is strawberry.UNSET
            else [DayOff(d.date, d.note) for d in input.days_off]
        )
        time_zone = input.time_zone if isinstance(input.time_zone, str) else None
        try:
            async with ctx.unit_of_work(shared=True) as session:
                tenant = await update_firm_calendar(
                    session, ctx.tenant, time_zone=time_zone, days_off=days_off, by=actor_of(ctx)
                )
        except CalendarError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        # This process sees it at once; the others on the NOTIFY delivered at commit.
        ctx.services.registry.invalidate()
        return FirmCalendarType.of(tenant)
