"""Types of the requests' schema: departments, catalog templates and services, requests,
their comments, and the typed refusal of a too-short due date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

import strawberry

from saas.core.actor import actor_of
from saas.core.calendar.firm import calendar_of
from saas.core.ids import gid, tenant_rows
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.requests.graphql.time_types import TimeEntryType
from saas.modules.requests.loaders import (
    BillingLoader,
    CommentsLoader,
    ConversationLoader,
    FilesLoader,
    TimeEntriesLoader,
)
from saas.modules.requests.models import (
    NEW,
    OPEN_STATUSES,
    RequestDepartment,
    RequestService,
    RequestTemplate,
    ServiceRequest,
)
from saas.modules.requests.service.deadlines import SlaState, sla_state
from saas.modules.requests.service.errors import DeadlineTooShort
from saas.modules.requests.service.requests import SYSTEM_ENTRIES
from saas.modules.requests.service.sla import business_hours_left
from saas.modules.requests.service.thread import RequestEntry
from saas.schema.context import Info
from saas.schema.errors import KIND_RESULTS, Error

tenant_rows(
    "Department",
    "ServiceCatalogTemplate",
    "CatalogService",
    "ServiceRequest",
    "ServiceRequestComment",
)


def optional_gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else gid(type_name, pk)


async def _card(info: Info, pk: int | None) -> PersonCardType | None:
    if pk is None:
        return None
    card = await info.context.loader(PeopleByIdLoader).load(pk)
    return PersonCardType.of(card) if card else None


@strawberry.enum(name="ServiceRequestStatus", description="Where a request stands.")
class ServiceRequestStatus(Enum):
    NEW = strawberry.enum_value("new", description="Launched; the client may still edit it.")
    UNDER_REVIEW = strawberry.enum_value(
        "under_review", description="«На рассмотрении»: a performer opened it (edit lock)."
    )
    ACCEPTED = strawberry.enum_value("accepted", description="«Принята в работу».")
    DONE = strawberry.enum_value("done", description="Done.")
    REJECTED = strawberry.enum_value("rejected", description="Rejected by the performer.")


ServiceRequestSla = strawberry.enum(
    SlaState,
    name="ServiceRequestSla",
    description="The request's deadline state in business days of the firm's calendar: "
    "ON_TRACK, DUE_SOON (due today or the next business day), OVERDUE (past the due date), "
    "BREACHED (past the hard deadline; marked `breachedAt` by the periodic watch), CLOSED "
    "(done or rejected), AWAITING_CLIENT (the clock is paused: the performer waits on the "
    "client).",
)


@strawberry.enum(name="ServicePriceKind", description="How a service is priced.")
class ServicePriceKind(Enum):
    HOURLY = "hourly"
    PIECE = "piece"


@strawberry.enum(name="ServiceRequestSide", description="Who wrote a comment.")
class ServiceRequestSide(Enum):
    CLIENT = "client"
    STAFF = "staff"
    SYSTEM = "system"


@strawberry.type(
    name="DeadlineTooShortError",
    description="The due date is earlier than the service's regulation allows; "
    "`minimumDate` is the earliest date it accepts.",
)
class DeadlineTooShortError(Error):
    field: str | None
    minimum_date: date
    business_days: int


def _deadline_result(exc: DeadlineTooShort, language: str) -> Error:
    return DeadlineTooShortError(
        code=exc.code,
        message=exc.message_in(language),
        field=exc.field,
        minimum_date=exc.minimum,
        business_days=exc.days,
    )


KIND_RESULTS["request_deadline"] = _deadline_result


@strawberry.type(name="Department", description="A department of the firm (HR, Accounting...).")
class DepartmentType:
    pk: strawberry.Private[int]
    head_pk: strawberry.Private[int | None]
    name_ru: str
    name_en: str
    key: str | None = strawberry.field(
        description="hr, accounting, consulting for the seeded ones; null for the firm's own."
    )

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("Department", self.pk)

    @strawberry.field(description="The name in the viewer's language.")
    def name(self, info: Info) -> str:
        return self.name_en if info.context.language == "en" else self.name_ru

    @strawberry.field(description="The head: an active staff member, or null while unset.")
    async def head(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.head_pk)

    @classmethod
    def of(cls, row: RequestDepartment) -> DepartmentType:
        return cls(
            pk=row.id,
            head_pk=row.head_person_id,
            name_ru=row.name_ru,
            name_en=row.name_en,
            key=row.code,
        )


@strawberry.type(
    name="CatalogService",
    description="A service of a catalog template or of one client organization's catalog.",
)
class CatalogServiceType:
    pk: strawberry.Private[int]
    row: strawberry.Private[RequestService]
    category: str
    group_name: str
    name: str
    description: str = strawberry.field(description="The template of the request's description.")
    planned_days: int = strawberry.field(description="The planned deadline, in business days.")
    hard_days: int = strawberry.field(description="The hard deadline, in business days.")
    file_required: bool
    checklist: list[str]
    regulation_links: list[str]
    responsible_role: str | None
    price_kind: ServicePriceKind | None
    price: Decimal | None

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("CatalogService", self.pk)

    @strawberry.field(description="The template it belongs to (null in a client's catalog).")
    def template_id(self) -> strawberry.ID | None:
        return optional_gid("ServiceCatalogTemplate", self.row.template_id)

    @strawberry.field(description="The organization whose catalog it is (null in a template).")
    def organization_id(self) -> strawberry.ID | None:
        return optional_gid("ClientOrganization", self.row.organization_id)

    @strawberry.field
    def department_id(self) -> strawberry.ID | None:
        return optional_gid("Department", self.row.department_id)

    @strawberry.field(description="The service whose result this one waits for.")
    def after_service_id(self) -> strawberry.ID | None:
        return optional_gid("CatalogService", self.row.after_service_id)

    @strawberry.field(description="The responsible person, when one is named.")
    async def responsible_person(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.row.responsible_person_id)

    @classmethod
    def of(cls, row: RequestService) -> CatalogServiceType:
        return cls(
            pk=row.id,
            row=row,
            category=row.category,
            group_name=row.group_name,
            name=row.name,
            description=row.description,
            planned_days=row.planned_days,
            hard_days=row.hard_days,
            file_required=row.file_required,
            checklist=list(row.checklist),
            regulation_links=list(row.regulation_links),
            responsible_role=row.responsible_role,
            price_kind=ServicePriceKind(row.price_kind) if row.price_kind else None,
            price=row.price,
        )


@strawberry.type(name="ServiceCatalogTemplate", description="A catalog template (package).")
class ServiceCatalogTemplateType:
    pk: strawberry.Private[int]
    name: str
    services: list[CatalogServiceType]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("ServiceCatalogTemplate", self.pk)

    @classmethod
    def of(cls, row: RequestTemplate, services: list[RequestService]) -> ServiceCatalogTemplateType:
        return cls(pk=row.id, name=row.name, services=[CatalogServiceType.of(s) for s in services])


@strawberry.type(name="ServiceRequestChecklistItem")
class ChecklistItem:
    text: str
    done: bool


@strawberry.type(name="ServiceRequestComment", description="An entry of a request's thread.")
class ServiceRequestCommentType:
    pk: strawberry.Private[int]
    author_pk: strawberry.Private[int | None]
    raw: strawberry.Private[str]
    side: ServiceRequestSide
    created_at: datetime

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("ServiceRequestComment", self.pk)

    @strawberry.field(description="The text; a system entry in the viewer's language.")
    def body(self, info: Info) -> str:
        if self.side == ServiceRequestSide.SYSTEM and self.raw in SYSTEM_ENTRIES:
            ru, en = SYSTEM_ENTRIES[self.raw]
            return en if info.context.language == "en" else ru
        return self.raw

    @strawberry.field
    async def author(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.author_pk)

    @classmethod
    def of(cls, row: RequestEntry) -> ServiceRequestCommentType:
        return cls(
            pk=row.id,
            author_pk=row.author_person_id,
            raw=row.body,
            side=ServiceRequestSide(row.side),
            created_at=row.created_at,
        )


@strawberry.type(name="ServiceRequest", description="A client's request of a catalog service.")
class ServiceRequestType:
    row: strawberry.Private[ServiceRequest]
    organization_name: str
    title: str
    description: str
    status: ServiceRequestStatus
    due_date: date
    hard_due_date: date
    waiting: bool = strawberry.field(
        description="It waits for the previous service's request to be done."
    )
    done_reason: str | None
    created_at: datetime
    updated_at: datetime
    reviewed_at: datetime | None
    accepted_at: datetime | None
    closed_at: datetime | None
    checklist: list[ChecklistItem]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("ServiceRequest", self.row.id)

    @strawberry.field
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.row.organization_id)

    @strawberry.field
    def service_id(self) -> strawberry.ID:
        return gid("CatalogService", self.row.service_id)

    @strawberry.field
    def department_id(self) -> strawberry.ID | None:
        return optional_gid("Department", self.row.department_id)

    @strawberry.field(
        description="The report (type `Report`) whose rejection by the tax authority opened "
        "this request; null for a client's request."
    )
    def report_id(self) -> strawberry.ID | None:
        return optional_gid("Report", self.row.report_id)

    @strawberry.field(
        description="The report's follow-up (type `ReportFollowUp`) this request works on."
    )
    def report_follow_up_id(self) -> strawberry.ID | None:
        return optional_gid("ReportFollowUp", self.row.report_follow_up_id)

    @strawberry.field(description="The request of the previous service this one waits for.")
    def after_request_id(self) -> strawberry.ID | None:
        return optional_gid("ServiceRequest", self.row.after_request_id)

    @strawberry.field(description="The deadline state today, in the firm's business days.")
    def sla(self, info: Info) -> ServiceRequestSla:  # type: ignore[valid-type]
        calendar = calendar_of(info.context.tenant)
        return sla_state(
            calendar,
            calendar.today(),
            self.row.due_date,
            self.row.hard_due_date,
            self.row.status in OPEN_STATUSES,
            awaiting=self.row.awaiting_client_since is not None,
            breached=self.row.breached_at is not None,
        )

    @strawberry.field(
        description="When the periodic watch found it open past its hard deadline (null "
        "while it is not breached)."
    )
    def breached_at(self) -> datetime | None:
        return self.row.breached_at

    @strawberry.field(
        description="Since when the performer waits on the client (the SLA clock is paused); "
        "null while it runs."
    )
    def awaiting_client_since(self) -> datetime | None:
        return self.row.awaiting_client_since

    @strawberry.field(
        description="Business days the clock stood still waiting on the client, in total (the "
        "deadlines moved by them)."
    )
    def sla_paused_days(self) -> int:
        return self.row.paused_days or 0

    @strawberry.field(
        description="When the performer and the project manager were warned of the hard "
        "deadline (one business day before it)."
    )
    def sla_warned_at(self) -> datetime | None:
        return self.row.sla_warned_at

    @strawberry.field(
        description="Working hours of the firm's calendar left until the hard deadline's "
        "close (0 past it; while paused, those left when the clock stopped); null once closed."
    )
    def sla_business_hours_left(self, info: Info) -> float | None:
        if self.row.status not in OPEN_STATUSES:
            return None
        calendar = calendar_of(info.context.tenant)
        return business_hours_left(calendar, self.row, datetime.now(UTC))

    @strawberry.field(
        description="Time recorded on it (timers and entries made by hand), oldest first; "
        "staff only (empty for a client user)."
    )
    async def time_entries(self, info: Info) -> list[TimeEntryType]:
        if not actor_of(info.context).staff:
            return []
        rows = await info.context.loader(TimeEntriesLoader).load(self.row.id)
        return [TimeEntryType.of(r) for r in rows]

    @strawberry.field(
        description="When the viewer's own timer on it started, while it runs (else null)."
    )
    async def running_timer_started_at(self, info: Info) -> datetime | None:
        actor = actor_of(info.context)
        if not actor.staff:
            return None
        rows = await info.context.loader(TimeEntriesLoader).load(self.row.id)
        running = [
            r.started_at
            for r in rows
            if not r.manual and r.stopped_at is None and r.person_id == actor.person_id
        ]
        return running[0] if running else None

    @strawberry.field(
        description="Minutes recorded (stopped timers and entries made by hand); staff only."
    )
    async def time_minutes(self, info: Info) -> int | None:
        if not actor_of(info.context).staff:
            return None
        billing = await info.context.loader(BillingLoader).load(self.row.id)
        return billing.minutes if billing else 0

    @strawberry.field(description="Pieces done of a per-piece service (null while unset: 1).")
    def quantity(self) -> int | None:
        return self.row.quantity

    @strawberry.field(
        description="The amount of a priced service in RUB, to the kopeck: hourly, the "
        "catalog price × the hours recorded; per piece, the price × the quantity (1 while "
        "unset). Null for a service without a price; staff only."
    )
    async def amount(self, info: Info) -> Decimal | None:
        if not actor_of(info.context).staff:
            return None
        billing = await info.context.loader(BillingLoader).load(self.row.id)
        return billing.amount if billing else None

    @strawberry.field(description="The client may still change it (status NEW).")
    def client_editable(self) -> bool:
        return self.row.status == NEW

    @strawberry.field
    async def performer(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.row.performer_person_id)

    @strawberry.field(description="Who launched it.")
    async def created_by(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.row.created_by)

    @strawberry.field(description="The request's thread, oldest first.")
    async def comments(self, info: Info) -> list[ServiceRequestCommentType]:
        rows = await info.context.loader(CommentsLoader).load(self.row.id)
        return [ServiceRequestCommentType.of(r) for r in rows]

    @strawberry.field(
        description="The request's own conversation in the chat (type `ChatConversation`), "
        "which holds its `comments`; null until the thread's first entry. Its participants "
        "are the request's: client contacts granted `requests` in the organization, staff "
        "who see the organization (as the request itself)."
    )
    async def conversation_id(self, info: Info) -> strawberry.ID | None:
        found = await info.context.loader(ConversationLoader).load(self.row.id)
        return None if found is None else gid("ChatConversation", found)

    @strawberry.field(description="Attached documents (type `DriveFile`).")
    async def file_ids(self, info: Info) -> list[strawberry.ID]:
        ids = await info.context.loader(FilesLoader).load(self.row.id)
        return [gid("DriveFile", i) for i in ids]

    @classmethod
    def of(cls, row: ServiceRequest, organization_name: str) -> ServiceRequestType:
        return cls(
            row=row,
            organization_name=organization_name,
            title=row.title,
            description=row.description,
            status=ServiceRequestStatus(row.status),
            due_date=row.due_date,
            hard_due_date=row.hard_due_date,
            waiting=row.waiting,
            done_reason=row.done_reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
            reviewed_at=row.reviewed_at,
            accepted_at=row.accepted_at,
            closed_at=row.closed_at,
            checklist=[ChecklistItem(text=i["text"], done=bool(i["done"])) for i in row.checklist],
        )
