"""Orders, responses and the choice (service/orders.py)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry

from saas.core.actor import actor_of
from saas.core.ids import (
    IdRefused,
    gid,
    optional_pk_of,
    pk_of,
    pks_of,
    tenant_rows,
)
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.clients.service import ClientsError
from saas.modules.performers.graphql.arguments import AfterCursor, after_id, optional_id
from saas.modules.performers.graphql.profiles import PerformerProfileType
from saas.modules.performers.loaders import OrderFilesLoader, ProfileLoader, ResponsesLoader
from saas.modules.performers.models import PerformerOrder, PerformerResponse
from saas.modules.performers.policy import (
    CUSTOMER_NOTE,
    PERFORMER_NOTE,
    READ_NOTE,
    performer_only,
    reads_performers,
    viewer_of,
    writes_performers,
)
from saas.modules.performers.service import orders
from saas.modules.performers.service.conversations import order_conversation
from saas.modules.performers.service.scope import Side, side_of
from saas.schema.context import Info
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    error_result,
)

tenant_rows("PerformerOrder", "PerformerResponse")


@strawberry.enum(name="PerformerOrderStatus", description="Where an order stands.")
class OrderStatus(Enum):
    OPEN = "open"
    ASSIGNED = "assigned"
    DONE = "done"
    CANCELLED = "cancelled"


@strawberry.enum(name="PerformerRate", description="How the budget is meant.")
class Rate(Enum):
    FIXED = "fixed"
    HOURLY = "hourly"


@strawberry.enum(name="PerformerResponseStatus")
class ResponseStatus(Enum):
    PENDING = "pending"
    CHOSEN = "chosen"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


async def _profile(info: Info, person_id: int) -> PerformerProfileType | None:
    row = await info.context.loader(ProfileLoader).load(person_id)
    return PerformerProfileType(row=row) if row else None


@strawberry.type(name="PerformerResponse", description="A performer's response to an order.")
class ResponseType:
    row: strawberry.Private[PerformerResponse]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PerformerResponse", self.row.id)

    @strawberry.field
    def order_id(self) -> strawberry.ID:
        return gid("PerformerOrder", self.row.order_id)

    @strawberry.field(description="The performer's profile: skills, portfolio, rating, НПД.")
    async def performer(self, info: Info) -> PerformerProfileType | None:
        return await _profile(info, self.row.performer_person_id)

    @strawberry.field
    def message(self) -> str:
        return self.row.message

    @strawberry.field(description="The price the performer asks, kopecks (null: the budget).")
    def price_kopecks(self) -> int | None:
        return self.row.price_kopecks

    @strawberry.field
    def status(self) -> ResponseStatus:
        return ResponseStatus(self.row.status)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.type(name="PerformerOrder", description="An order of a client organization.")
class OrderType:
    row: strawberry.Private[PerformerOrder]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("PerformerOrder", self.row.id)

    @strawberry.field(description="The customer (type `ClientOrganization`).")
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.row.organization_id)

    @strawberry.field
    def title(self) -> str:
        return self.row.title

    @strawberry.field
    def description(self) -> str:
        return self.row.description

    @strawberry.field(description="The budget in kopecks (per hour when the rate is HOURLY).")
    def budget_kopecks(self) -> int:
        return self.row.budget_kopecks

    @strawberry.field
    def rate(self) -> Rate:
        return Rate(self.row.rate)

    @strawberry.field
    def deadline(self) -> date | None:
        return self.row.deadline

    @strawberry.field
    def skills(self) -> list[str]:
        return list(self.row.skills)

    @strawberry.field
    def status(self) -> OrderStatus:
        return OrderStatus(self.row.status)

    @strawberry.field(description="Whether the order is personal (addressed to one performer).")
    def personal(self) -> bool:
        return self.row.addressed_person_id is not None

    @strawberry.field(description="The performer chosen (null while open).")
    async def performer(self, info: Info) -> PerformerProfileType | None:
        if self.row.performer_person_id is None:
            return None
        return await _profile(info, self.row.performer_person_id)

    @strawberry.field
    def chosen_at(self) -> datetime | None:
        return self.row.chosen_at

    @strawberry.field(description="Drive files attached (type `DriveFile`).")
    async def file_ids(self, info: Info) -> list[strawberry.ID]:
        ids = await info.context.loader(OrderFilesLoader).load(self.row.id)
        return [gid("DriveFile", i) for i in ids]

    @strawberry.field(
        description="Responses: every one for the customer and staff; a performer sees only "
        "their own."
    )
    async def responses(self, info: Info) -> list[ResponseType]:
        rows = await info.context.loader(ResponsesLoader).load(self.row.id)
        return [ResponseType(row=r) for r in rows]

    @strawberry.field(description="Who published it (customers and staff only).")
    async def created_by(self, info: Info) -> PersonCardType | None:
        if self.row.created_by is None or side_of(actor_of(info.context)) is Side.PERFORMER:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.row.created_by)
        return PersonCardType.of(card) if card else None

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at


@strawberry.input(description="A new order.")
class PerformerOrderInput:
    organization_id: strawberry.ID
    title: str
    budget_kopecks: int
    description: str = ""
    rate: Rate = Rate.FIXED
    deadline: date | None = None
    skills: list[str] = strawberry.field(default_factory=list)
    file_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Drive files of the organization (type `DriveFile`)."
    )
    addressed_performer_id: strawberry.ID | None = strawberry.field(
        default=None, description="A personal order: only this performer sees it."
    )


OrderResult = Annotated[
    OrderType | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("PerformerOrderResult"),
]
ResponseResult = Annotated[
    ResponseType | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("PerformerResponseResult"),
]


@strawberry.type(
    name="PerformerOrderConversation",
    description="An order's conversation with one performer, in the chat: read and write it "
    "with `chatMessages(conversationId)` and `postChatMessage`, live with `chatMessageAdded`.",
)
class OrderConversationType:
    conversation_id: strawberry.ID = strawberry.field(description="Type `ChatConversation`.")
    order_id: strawberry.ID = strawberry.field(description="Type `PerformerOrder`.")
    performer_id: strawberry.ID = strawberry.field(description="Type `Performer`.")


OrderConversationResult = Annotated[
    OrderConversationType | ValidationError | NotFoundError,
    strawberry.union("PerformerOrderConversationResult"),
]


@strawberry.type
class Query:
    @strawberry.field(
        description="Orders, newest first: a performer sees open orders meant for everyone or "
        "for them and the orders they responded to or were given (`mine: true`: only those); "
        "a customer its organizations'; staff their scope. `after`: the last order id of the "
        "previous page. " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def performer_orders(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        status: OrderStatus | None = None,
        skill: str | None = None,
        mine: bool = False,
        first: int = 50,
        after: AfterCursor = None,
    ) -> list[OrderType]:
        ctx = info.context
        actor = await viewer_of(ctx)
        org = optional_id(organization_id, "ClientOrganization")
        before = after_id(after, "PerformerOrder")
        rows = await orders.list_orders(
            ctx.db,
            actor,
            organization_id=org,
            status=status.value if status else None,
            skill=skill,
            mine=mine,
            first=first,
            after_id=before,
        )
        return [OrderType(row=r) for r in rows]

    @strawberry.field(description="One order. " + READ_NOTE, extensions=reads_performers())
    async def performer_order(self, info: Info, id: strawberry.ID) -> OrderResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerOrder", id, field="id")
            actor = await viewer_of(ctx)
            row = await orders.access_order(ctx.db, actor, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return OrderType(row=row)

    @strawberry.field(
        description="The order's conversation with a performer in the chat, opened on first "
        "use: a performer's own (`performerId` null or theirs; on any order they see, before "
        "responding too); the customer or staff name a performer of the order (who responded, "
        "the addressee or the one it was given to: NotFoundError otherwise, ValidationError "
        "PERFORMER_REQUIRED without one). The customer's contacts granted 'performers', the "
        "staff who see the organization and that performer take part; another performer "
        "never sees it. " + READ_NOTE,
        extensions=reads_performers(),
    )
    async def performer_order_conversation(
        self, info: Info, order_id: strawberry.ID, performer_id: strawberry.ID | None = None
    ) -> OrderConversationResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerOrder", order_id, field="orderId")
            person = await optional_pk_of(ctx, "Performer", performer_id, field="performerId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                order, talk = await order_conversation(session, actor, pk, person)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return OrderConversationType(
            conversation_id=gid("ChatConversation", talk.id),
            order_id=gid("PerformerOrder", order.id),
            performer_id=gid("Performer", talk.performer_person_id or 0),
        )


async def _order_change(info: Info, order_id: strawberry.ID, change: str) -> OrderResult:
    ctx = info.context
    try:
        pk = await pk_of(ctx, "PerformerOrder", order_id, field="orderId")
        actor = await viewer_of(ctx)
        async with ctx.unit_of_work() as session:
            action = orders.cancel_order if change == "cancel" else orders.complete_order
            row = await action(session, actor, pk)
    except (ClientsError, IdRefused) as exc:
        return error_result(info, exc)  # type: ignore[no-any-return]
    return OrderType(row=row)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Publish an order of a client organization (budget in kopecks, above zero; "
        "deadline not in the past; files of that organization's drive; a personal order names "
        "one performer). " + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def publish_performer_order(self, info: Info, input: PerformerOrderInput) -> OrderResult:
        ctx = info.context
        try:
            org = await pk_of(
                ctx, "ClientOrganization", input.organization_id, field="organizationId"
            )
            files = await pks_of(ctx, "DriveFile", input.file_ids, field="fileIds")
            addressed = await optional_pk_of(
                ctx, "Performer", input.addressed_performer_id, field="addressedPerformerId"
            )
            actor = await viewer_of(ctx)
            data = orders.OrderInput(
                title=input.title,
                description=input.description,
                budget_kopecks=input.budget_kopecks,
                rate=input.rate.value,
                deadline=input.deadline,
                skills=input.skills,
                file_ids=files,
                addressed_person_id=addressed,
            )
            async with ctx.unit_of_work() as session:
                row = await orders.publish_order(session, actor, org, data)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return OrderType(row=row)

    @strawberry.mutation(
        description="Change an open order's terms (the same checks as publishing; the "
        "organization and the addressee stay; the files given replace the old ones; "
        "`input.organizationId` must be the order's). " + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def update_performer_order(
        self, info: Info, order_id: strawberry.ID, input: PerformerOrderInput
    ) -> OrderResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerOrder", order_id, field="orderId")
            org = await pk_of(
                ctx, "ClientOrganization", input.organization_id, field="organizationId"
            )
            files = await pks_of(ctx, "DriveFile", input.file_ids, field="fileIds")
            actor = await viewer_of(ctx)
            data = orders.OrderInput(
                title=input.title,
                description=input.description,
                budget_kopecks=input.budget_kopecks,
                rate=input.rate.value,
                deadline=input.deadline,
                skills=input.skills,
                file_ids=files,
            )
            async with ctx.unit_of_work() as session:
                row = await orders.update_order(session, actor, pk, org, data)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return OrderType(row=row)

    @strawberry.mutation(
        description="Cancel an open order. " + CUSTOMER_NOTE, extensions=writes_performers()
    )
    async def cancel_performer_order(self, info: Info, order_id: strawberry.ID) -> OrderResult:
        return await _order_change(info, order_id, "cancel")

    @strawberry.mutation(
        description="Finish an assigned order (it counts in the performer's rating). "
        + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def complete_performer_order(self, info: Info, order_id: strawberry.ID) -> OrderResult:
        return await _order_change(info, order_id, "complete")

    @strawberry.mutation(
        description="Respond to an open order (a profile is needed; once per order; the price "
        "in kopecks, null: the budget). " + PERFORMER_NOTE,
        extensions=performer_only(),
    )
    async def respond_to_performer_order(
        self,
        info: Info,
        order_id: strawberry.ID,
        message: str = "",
        price_kopecks: int | None = None,
    ) -> ResponseResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerOrder", order_id, field="orderId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await orders.respond(session, actor, pk, message, price_kopecks)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ResponseType(row=row)

    @strawberry.mutation(
        description="Withdraw one's pending response. " + PERFORMER_NOTE,
        extensions=performer_only(),
    )
    async def withdraw_performer_response(
        self, info: Info, response_id: strawberry.ID
    ) -> ResponseResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerResponse", response_id, field="responseId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await orders.withdraw(session, actor, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ResponseType(row=row)

    @strawberry.mutation(
        description="Give the order to a response's performer. Their НПД status is checked "
        "with the tax service right now: ConflictError NOT_SELF_EMPLOYED (with the service's "
        "words) when they are not self-employed, NPD_UNAVAILABLE when the service is down. "
        "The other responses are declined. " + CUSTOMER_NOTE,
        extensions=writes_performers(),
    )
    async def choose_performer_response(
        self, info: Info, response_id: strawberry.ID
    ) -> OrderResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "PerformerResponse", response_id, field="responseId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await orders.choose(session, actor, ctx.tenant.slug, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return OrderType(row=row)
