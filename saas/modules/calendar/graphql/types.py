"""Types of the calendars' schema."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from saas.core.actor import actor_of
from saas.core.agenda import AgendaEvent
from saas.core.ids import gid, node_pks, tenant_rows
from saas.modules.calendar.models import ExchangeDate
from saas.modules.calendar.service.agenda import FilingState, TaxCalendarEntry
from saas.modules.calendar.service.exchange import exchange_dates_by_id
from saas.modules.notifications.service.inbox import period_label
from saas.modules.reports.catalog import form_of
from saas.schema.context import Info
from saas.schema.errors import ForbiddenError, NotFoundError, ValidationError

tenant_rows("CalendarExchangeDate")


def language(info: Info) -> str:
    return str(info.context.language)


strawberry.enum(
    FilingState,
    name="TaxFilingState",
    description="What the firm does about a due filing: PLANNED (no report yet), IN_PROGRESS "
    "(prepared or sent), FILED (accepted), NEEDS_ATTENTION (rejected, clarification "
    "requested, processing error).",
)


@strawberry.enum(name="CalendarEventKind", description="Where an event of the calendar comes from.")
class CalendarEventKind(Enum):
    TAX_DUE = "tax_due"
    EXCHANGE = "exchange"
    REPORT_FOLLOW_UP = "report_follow_up"
    REQUEST_DUE = strawberry.enum_value(
        "request_due", description="An open service request's planned due date."
    )
    REQUEST_HARD_DUE = strawberry.enum_value(
        "request_hard_due", description="An open service request's hard deadline."
    )
    OTHER = "other"


KINDS = {k.value: k for k in CalendarEventKind}


@strawberry.type(
    name="TaxCalendarEntry",
    description="A filing due for the organization: the form, its period, the date the Tax "
    "Code names and the due date after the shift rule (a day off or holiday moves it to the "
    "next working day of Russia's production calendar), and what the firm does about it.",
)
class TaxCalendarEntryType:
    entry: strawberry.Private[TaxCalendarEntry]

    @strawberry.field(description="The form's code in the report form catalog (vat, 6ndfl...).")
    def form_code(self) -> str:
        return self.entry.due.form_code

    @strawberry.field(description="The form's name in the viewer's language.")
    def form_name(self, info: Info) -> str:
        form = form_of(self.entry.due.form_code)
        return form.name(language(info)) if form else self.entry.due.form_code

    @strawberry.field
    def period_year(self) -> int:
        return self.entry.due.period_year

    @strawberry.field(description="01-12, Q1-Q4 or Y, as in reports.")
    def period_code(self) -> str:
        return self.entry.due.period_code

    @strawberry.field(description="The period in words, in the viewer's language.")
    def period_label(self, info: Info) -> str:
        return period_label(self.entry.due.period_year, self.entry.due.period_code, language(info))

    @strawberry.field(description="The date the Tax Code names.")
    def nominal_date(self) -> date:
        return self.entry.due.nominal

    @strawberry.field(description="The due date after the shift rule.")
    def due_date(self) -> date:
        return self.entry.due.due

    @strawberry.field(description="The due date moved off a day off or a public holiday.")
    def shifted(self) -> bool:
        return self.entry.due.shifted

    @strawberry.field(description="What the firm does about it.")
    def state(self) -> FilingState:
        return self.entry.state

    @strawberry.field(description="The firm's report of this form and period (type `Report`).")
    def report_id(self) -> strawberry.ID | None:
        pk = self.entry.report_id
        return None if pk is None else gid("Report", pk)


@strawberry.type(name="TaxCalendar", description="An organization's filings due in a year.")
class TaxCalendarType:
    organization_pk: strawberry.Private[int]
    organization_name: str
    year: int
    entries: list[TaxCalendarEntryType]

    @strawberry.field(description="The client organization (type `ClientOrganization`).")
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.organization_pk)


@strawberry.type(name="CalendarEvent", description="An agreed event of a client organization.")
class CalendarEventType:
    event: strawberry.Private[AgendaEvent]
    organization_name: str

    @strawberry.field(description="The client organization (type `ClientOrganization`).")
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.event.organization_id)

    @strawberry.field
    def date(self) -> date:
        return self.event.date

    @strawberry.field
    def kind(self) -> CalendarEventKind:
        return KINDS.get(self.event.kind, CalendarEventKind.OTHER)

    @strawberry.field(description="What happens, in the viewer's language.")
    def title(self, info: Info) -> str:
        return self.event.title(language(info))

    @strawberry.field
    def note(self) -> str:
        return self.event.note

    @strawberry.field(description="Stable id of the event (the iCalendar UID's local part).")
    def uid(self) -> str:
        return self.event.uid


@strawberry.type(
    name="InteractionsCalendar",
    description="Every agreed event of the organizations from `from` to `to` (both included).",
)
class InteractionsCalendarType:
    from_: date = strawberry.field(name="from")
    to: date
    events: list[CalendarEventType]


@strawberry.type(
    name="CalendarExchangeDate",
    description="A date the firm agreed with a client organization to exchange data.",
)
class ExchangeDateType(relay.Node):
    id: relay.NodeID[int]
    organization_pk: strawberry.Private[int]
    date: date
    title: str
    note: str | None = strawberry.field(description="Null when there is none.")
    updated_at: datetime

    @classmethod
    def of(cls, row: ExchangeDate) -> ExchangeDateType:
        return cls(
            id=row.id,
            organization_pk=row.organization_id,
            date=row.date,
            title=row.title,
            note=row.note or None,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The client organization (type `ClientOrganization`).")
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.organization_pk)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ExchangeDateType | None]:
        ids = [pk or -1 for pk in node_pks(list(node_ids))]
        rows = await exchange_dates_by_id(info.context.db, actor_of(info.context), ids)
        found = {r.id: cls.of(r) for r in rows}
        return [found.get(i) for i in ids]


@strawberry.type(
    name="CalendarFeed",
    description="The viewer's iCalendar feed. The URL itself is shown only when it is made "
    "(`rotateCalendarFeed`).",
)
class CalendarFeedType:
    active: bool
    rotated_at: datetime | None


@strawberry.type(
    name="CalendarFeedRotated",
    description="The viewer's new feed URL: shown once; the previous URL no longer works.",
)
class CalendarFeedRotated:
    url: str
    rotated_at: datetime


@strawberry.type(name="CalendarExchangeDateDeleted")
class ExchangeDateDeleted:
    deleted_id: strawberry.ID


TaxCalendarResult = Annotated[
    TaxCalendarType | ValidationError | NotFoundError,
    strawberry.union("TaxCalendarResult"),
]
InteractionsCalendarResult = Annotated[
    InteractionsCalendarType | ValidationError | NotFoundError,
    strawberry.union("InteractionsCalendarResult"),
]
ExchangeDateResult = Annotated[
    ExchangeDateType | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("CalendarExchangeDateResult"),
]
DeleteExchangeDateResult = Annotated[
    ExchangeDateDeleted | NotFoundError | ForbiddenError,
    strawberry.union("DeleteCalendarExchangeDateResult"),
]
RotateFeedResult = Annotated[
    CalendarFeedRotated | ForbiddenError, strawberry.union("RotateCalendarFeedResult")
]
