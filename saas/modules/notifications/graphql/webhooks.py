"""Webhooks over GraphQL (firm admins: `webhooks:manage`): endpoints and the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from saas.core.ids import IdRefused, filter_pk, gid, pk_of, tenant_rows
from saas.modules.notifications import jobs
from saas.modules.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from saas.modules.notifications.policy import PERMISSION, TOPICS
from saas.modules.notifications.service import webhooks as service
from saas.modules.notifications.service.webhooks import WebhookError
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import NotFoundError, ValidationError, error_result

MAX_DELIVERIES = 200


tenant_rows("WebhookEndpoint", "WebhookDelivery")


@strawberry.type(name="WebhookEndpoint", description="Where the firm's events are POSTed.")
class WebhookEndpointType:
    id: strawberry.ID
    url: str
    topics: list[str]
    active: bool
    description: str
    created_at: datetime

    @classmethod
    def of(cls, row: WebhookEndpoint) -> WebhookEndpointType:
        return cls(
            id=gid("WebhookEndpoint", row.id),
            url=row.url,
            topics=list(row.topics),
            active=row.active,
            description=row.description,
            created_at=row.created_at,
        )


@strawberry.type(name="WebhookAttempt", description="One HTTP try of a delivery.")
class WebhookAttemptType:
    attempted_at: datetime
    response_code: int | None
    error: str | None
    duration_ms: int

    @classmethod
    def of(cls, row: WebhookAttempt) -> WebhookAttemptType:
        return cls(
            attempted_at=row.attempted_at,
            response_code=row.response_code,
            error=row.error,
            duration_ms=row.duration_ms,
        )


@strawberry.type(name="WebhookDelivery", description="One event sent to one endpoint.")
class WebhookDeliveryType:
    id: strawberry.ID
    endpoint_id: strawberry.ID
    event_id: int | None
    topic: str
    payload: JSON
    status: str = strawberry.field(description="pending, succeeded or failed.")
    attempt_count: int
    created_at: datetime
    last_attempt_at: datetime | None
    attempts: list[WebhookAttemptType]

    @classmethod
    def of(cls, row: WebhookDelivery, attempts: list[WebhookAttempt]) -> WebhookDeliveryType:
        return cls(
            id=gid("WebhookDelivery", row.id),
            endpoint_id=gid("WebhookEndpoint", row.endpoint_id),
            event_id=row.event_id,
            topic=row.topic,
            payload=row.payload,  # type: ignore[arg-type]
            status=row.status,
            attempt_count=row.attempts,
            created_at=row.created_at,
            last_attempt_at=row.last_attempt_at,
            attempts=[WebhookAttemptType.of(a) for a in attempts],
        )


@strawberry.type(description="A new endpoint and its signing secret, shown only this once.")
class WebhookEndpointCreated:
    endpoint: WebhookEndpointType
    secret: str


@strawberry.type(description="The endpoint was deleted with its delivery log.")
class WebhookEndpointDeleted:
    id: strawberry.ID


@strawberry.input
class CreateWebhookEndpointInput:
    url: str
    topics: list[str] = strawberry.field(description=f"Any of: {', '.join(TOPICS)}.")
    description: str = ""


@strawberry.input
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = None
    topics: list[str] | None = None
    active: bool | None = None


CreateResult = Annotated[
    WebhookEndpointCreated | ValidationError, strawberry.union("CreateWebhookEndpointResult")
]
UpdateResult = Annotated[
    WebhookEndpointType | ValidationError | NotFoundError,
    strawberry.union("UpdateWebhookEndpointResult"),
]
DeleteResult = Annotated[
    WebhookEndpointDeleted | NotFoundError, strawberry.union("DeleteWebhookEndpointResult")
]
RedeliverResult = Annotated[
    WebhookDeliveryType | NotFoundError, strawberry.union("RedeliverWebhookResult")
]


@strawberry.type
class Query:
    @strawberry.field(
        description="The firm's webhook endpoints (secrets are never shown again).",
        extensions=requires(*PERMISSION),
    )
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpointType]:
        return [WebhookEndpointType.of(r) for r in await service.list_endpoints(info.context.db)]

    @strawberry.field(
        description="The delivery log, newest first, with every attempt (time, response code, "
        "error, duration). An unknown endpoint id gives an empty list.",
        extensions=requires(*PERMISSION),
    )
    async def webhook_deliveries(
        self, info: Info, endpoint_id: strawberry.ID | None = None, first: int = 50
    ) -> list[WebhookDeliveryType]:
        db = info.context.db
        # A filter of the firm's own log: a foreign or malformed id matches nothing.
        endpoint_pk = None if endpoint_id is None else filter_pk(endpoint_id, "WebhookEndpoint")
        rows = await service.list_deliveries(db, endpoint_pk, max(1, min(first, MAX_DELIVERIES)))
        attempts = await service.attempts_of(db, [r.id for r in rows])
        return [WebhookDeliveryType.of(r, attempts[r.id]) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Add an endpoint; the answer carries its signing secret, shown only once.",
        extensions=requires(*PERMISSION),
    )
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> CreateResult:
        ctx = info.context
        try:
            async with ctx.unit_of_work() as db:
                row = await service.create_endpoint(
                    db,
                    input.url,
                    input.topics,
                    input.description,
                    ctx.principal.person_id,
                    allow_http=ctx.services.settings.webhook_allow_http,
                    private_networks=ctx.services.settings.webhook_private_networks,
                )
                created = WebhookEndpointCreated(
                    endpoint=WebhookEndpointType.of(row), secret=row.secret
                )
        except WebhookError as exc:
            return error_result(info, exc)
        return created

    @strawberry.mutation(
        description="Change an endpoint's URL, topics or active flag.",
        extensions=requires(*PERMISSION),
    )
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> UpdateResult:
        try:
            endpoint_pk = await pk_of(info.context, "WebhookEndpoint", input.id, field="id")
            async with info.context.unit_of_work() as db:
                row = await service.update_endpoint(
                    db,
                    endpoint_pk,
                    active=input.active,
                    topics=input.topics,
                    url=input.url,
                    allow_http=info.context.services.settings.webhook_allow_http,
                    private_networks=info.context.services.settings.webhook_private_networks,
                )
                result = WebhookEndpointType.of(row)
        except (WebhookError, IdRefused) as exc:
            return error_result(info, exc)
        return result

    @strawberry.mutation(
        description="Delete an endpoint with its delivery log.", extensions=requires(*PERMISSION)
    )
    async def delete_webhook_endpoint(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            endpoint_pk = await pk_of(info.context, "WebhookEndpoint", id, field="id")
            async with info.context.unit_of_work() as db:
                await service.delete_endpoint(db, endpoint_pk)
        except (WebhookError, IdRefused) as exc:
            return error_result(info, exc)
        return WebhookEndpointDeleted(id=id)

    @strawberry.mutation(
        description="Send a delivery's event again, as a new delivery with its own log.",
        extensions=requires(*PERMISSION),
    )
    async def redeliver_webhook(self, info: Info, delivery_id: strawberry.ID) -> RedeliverResult:
        ctx = info.context
        try:
            delivery_pk = await pk_of(ctx, "WebhookDelivery", delivery_id, field="deliveryId")
            async with ctx.unit_of_work() as db:
                fresh = await service.redeliver(db, delivery_pk)
                await db.refresh(fresh)
                result = WebhookDeliveryType.of(fresh, [])
                tenant, fresh_id = ctx.tenant, fresh.id

                async def send() -> None:  # after the commit: the worker must find the row
                    await jobs.send_deliveries(tenant, [fresh_id])

                ctx.after_commit(send)
        except (WebhookError, IdRefused) as exc:
            return error_result(info, exc)
        return result
