"""Types of the time on a request (service/time.py): a time entry (a timer or one made by
hand)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay

from saas.core.ids import tenant_rows
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.requests.models import ServiceRequestTime
from saas.schema.context import Info

tenant_rows("ServiceRequestTimeEntry")


@strawberry.type(
    name="ServiceRequestTimeEntry",
    description="A performer's time on a request: a timer (running while `stoppedAt` is "
    "null) or an entry made by hand (`manual`).",
)
class TimeEntryType:
    row: strawberry.Private[ServiceRequestTime]
    work_date: date = strawberry.field(description="The firm's local date of the work.")
    minutes: int | None = strawberry.field(description="Null while the timer runs.")
    manual: bool
    started_at: datetime | None
    stopped_at: datetime | None
    note: str

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("ServiceRequestTimeEntry", str(self.row.id))))

    @strawberry.field(description="Who recorded it.")
    async def person(self, info: Info) -> PersonCardType | None:
        card = await info.context.loader(PeopleByIdLoader).load(self.row.person_id)
        return PersonCardType.of(card) if card else None

    @classmethod
    def of(cls, row: ServiceRequestTime) -> TimeEntryType:
        return cls(
            row=row,
            work_date=row.work_date,
            minutes=row.minutes,
            manual=row.manual,
            started_at=row.started_at,
            stopped_at=row.stopped_at,
            note=row.note,
        )
