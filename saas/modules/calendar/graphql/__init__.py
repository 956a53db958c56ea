"""GraphQL of the calendars: the tax calendar of an organization, the interactions calendar
(15 days), the firm's data-exchange dates and the viewer's iCalendar feed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from saas.core.actor import actor_of, actor_with
from saas.core.calendar.firm import calendar_of
from saas.core.ids import IdRefused, optional_pk_of, pk_of
from saas.modules.calendar.graphql.types import (
    CalendarEventType,
    CalendarFeedRotated,
    CalendarFeedType,
    DeleteExchangeDateResult,
    ExchangeDateDeleted,
    ExchangeDateResult,
    ExchangeDateType,
    InteractionsCalendarResult,
    InteractionsCalendarType,
    RotateFeedResult,
    TaxCalendarEntryType,
    TaxCalendarResult,
    TaxCalendarType,
    gid,
)
from saas.modules.calendar.policy import CALENDAR_PERMISSIONS, reads_calendar, writes_exchange_dates
from saas.modules.calendar.service.agenda import (
    INTERACTION_DAYS,
    interactions,
    organization_tax_calendar,
    window,
)
from saas.modules.calendar.service.exchange import (
    ExchangeInput,
    create_exchange_date,
    delete_exchange_date,
    exchange_dates_between,
    update_exchange_date,
)
from saas.modules.calendar.service.feeds import feed_of, feed_path, rotate_feed
from saas.modules.calendar.service.scope import calendar_organization
from saas.modules.clients.service import ClientsError
from saas.schema.context import Info
from saas.schema.errors import PublicError, error_result

READ_NOTE = (
    "Staff (`clients:read`) see the organizations assigned to them (every one with "
    "`clients:read_all`); a client user (`client_cabinet:read`) its organizations granting "
    "it 'reports'."
)


@strawberry.input(name="CalendarExchangeDateInput", description="A data-exchange date.")
class ExchangeDateInput:
    date: date
    title: str = strawberry.field(description="What is exchanged (1-200 characters).")
    note: str = strawberry.field(default="", description="At most 2,000 characters.")


def _input(data: ExchangeDateInput) -> ExchangeInput:
    return ExchangeInput(data.date, data.title, data.note)


@strawberry.type
class Query:
    @strawberry.field(
        description="The filings due in `year` (default: this year) for the organization, by "
        "its tax regime and employer status, with the shift rule applied and what the firm "
        f"does about each. ValidationError UNKNOWN_YEAR for a year the product has no calendar "
        f"of. {READ_NOTE}",
        extensions=reads_calendar(),
    )
    async def tax_calendar(
        self, info: Info, organization_id: strawberry.ID, year: int | None = None
    ) -> TaxCalendarResult:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            actor = actor_of(ctx)
            year = year or calendar_of(ctx.tenant).today().year
            found, entries = await organization_tax_calendar(ctx.db, actor, org, year)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return TaxCalendarType(
            organization_pk=org,
            organization_name=found.name,
            year=year,
            entries=[TaxCalendarEntryType(entry=e) for e in entries],
        )

    @strawberry.field(
        description="The interactions calendar: every agreed event (filing due dates, the "
        "firm's data-exchange dates, report follow-up deadlines...) of the organization (or "
        "of every organization the viewer sees) for `days` days (default 15, at most 366) "
        f"from `from` (default: the firm's today). {READ_NOTE}",
        extensions=reads_calendar(),
    )
    async def interactions_calendar(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        days: int = INTERACTION_DAYS,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
    ) -> InteractionsCalendarResult:
        ctx = info.context
        try:
            org = await optional_pk_of(
                ctx, "ClientOrganization", organization_id, field="organizationId"
            )
            actor = actor_of(ctx)
            first, last = window(from_ or calendar_of(ctx.tenant).today(), days)
            orgs, events = await interactions(
                ctx.db, actor, None if org is None else [org], days, first
            )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        names = {o.id: o.name for o in orgs}
        return InteractionsCalendarType(
            from_=first,
            to=last,
            events=[
                CalendarEventType(event=e, organization_name=names[e.organization_id])
                for e in events
            ],
        )

    @strawberry.field(
        description="The organization's data-exchange dates from `from` (default: the firm's "
        f"today), the next 366 days, by date. {READ_NOTE}",
        extensions=reads_calendar(),
    )
    async def calendar_exchange_dates(
        self,
        info: Info,
        organization_id: strawberry.ID,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
    ) -> list[ExchangeDateType]:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            await calendar_organization(ctx.db, actor_of(ctx), org)
        except (ClientsError, IdRefused):
            return []
        try:
            first, last = window(from_ or calendar_of(ctx.tenant).today(), 366)
        except ClientsError as exc:  # a list has no typed error: the caller's input is refused
            raise PublicError(exc.message_in(ctx.language), exc.code, field=exc.field) from None
        rows = await exchange_dates_between(ctx.db, [org], first, last)
        return [ExchangeDateType.of(r) for r in rows]

    @strawberry.field(
        description="The viewer's iCalendar feed: whether one is active and when it was last "
        "made. The URL is shown only by `rotateCalendarFeed`.",
        extensions=reads_calendar(),
    )
    async def calendar_feed(self, info: Info) -> CalendarFeedType:
        feed = await feed_of(info.context.db, actor_of(info.context).person_id)
        return CalendarFeedType(
            active=feed is not None, rotated_at=feed.rotated_at if feed else None
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Set a data-exchange date with a client organization (staff with "
        "`clients:write` who see it); it shows in the organization's interactions calendar "
        "and iCalendar feeds.",
        extensions=writes_exchange_dates(),
    )
    async def create_calendar_exchange_date(
        self, info: Info, organization_id: strawberry.ID, input: ExchangeDateInput
    ) -> ExchangeDateResult:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            actor = await actor_with(ctx, *CALENDAR_PERMISSIONS)
            async with ctx.unit_of_work() as session:
                row = await create_exchange_date(session, actor, org, _input(input))
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ExchangeDateType.of(row)

    @strawberry.mutation(
        description="Change a data-exchange date (staff with `clients:write`).",
        extensions=writes_exchange_dates(),
    )
    async def update_calendar_exchange_date(
        self, info: Info, id: strawberry.ID, input: ExchangeDateInput
    ) -> ExchangeDateResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "CalendarExchangeDate", id, field="id")
            actor = await actor_with(ctx, *CALENDAR_PERMISSIONS)
            async with ctx.unit_of_work() as session:
                row = await update_exchange_date(session, actor, pk, _input(input))
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ExchangeDateType.of(row)

    @strawberry.mutation(
        description="Remove a data-exchange date (staff with `clients:write`).",
        extensions=writes_exchange_dates(),
    )
    async def delete_calendar_exchange_date(
        self, info: Info, id: strawberry.ID
    ) -> DeleteExchangeDateResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "CalendarExchangeDate", id, field="id")
            actor = await actor_with(ctx, *CALENDAR_PERMISSIONS)
            async with ctx.unit_of_work() as session:
                await delete_exchange_date(session, actor, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ExchangeDateDeleted(deleted_id=gid("CalendarExchangeDate", pk))

    @strawberry.mutation(
        description="Make a new secret URL for the viewer's iCalendar feed "
        "(`/calendar/<token>.ics` at the firm's address; add `?lang=en` for English). The "
        "URL is returned only here, once; the previous one stops working. ForbiddenError for "
        "an API token (a feed belongs to a person).",
        extensions=reads_calendar(),
    )
    async def rotate_calendar_feed(self, info: Info) -> RotateFeedResult:
        ctx = info.context
        try:
            actor = actor_of(ctx)
            async with ctx.unit_of_work() as session:
                token = await rotate_feed(session, actor)
                feed = await feed_of(session, actor.person_id)
        except ClientsError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        assert feed is not None
        host = ctx.services.registry.host_of(ctx.tenant)
        url = ctx.services.settings.public_url(host, feed_path(token))
        return CalendarFeedRotated(url=url, rotated_at=feed.rotated_at)
