"""GraphQL of webhooks (firm admins: `webhooks:manage`); the rules are in service.py.

Queries: `webhookEndpoints`, `webhookDeliveries(endpointId, first)` (the delivery log with
every attempt). Mutations: `createWebhookEndpoint` (the only answer carrying the secret),
`updateWebhookEndpoint` (url, topics, active), `deleteWebhookEndpoint`, `redeliverWebhook`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from saas.modules.notifications import jobs, service
from saas.modules.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from saas.modules.notifications.policy import PERMISSION, TOPICS
from saas.modules.notifications.service import WebhookError
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import NotFoundError, ValidationError

MAX_DELIVERIES = 200


def _pk(value: Any, type_name: str) -> int | None:
    """A global id of `type_name` (or a bare number) -> primary key; None for anything else
    (reported as not found, like an id of another firm)."""
    if value is None:
        return None
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        gid = relay.GlobalID.from_id(text)
    except Exception:
        return None
    if gid.type_name != type_name or not gid.node_id.isdigit():
        return None
    return int(gid.node_id)


def _gid(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(pk))))


def _error(exc: WebhookError) -> Any:
    if exc.kind == "not_found":
        return NotFoundError(code=exc.code, message=exc.message)
    return ValidationError(code=exc.code, message=exc.message, field=exc.field)


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
            id=_gid("WebhookEndpoint", row.id),
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
            id=_gid("WebhookDelivery", row.id),
            endpoint_id=_gid("WebhookEndpoint", row.endpoint_id),
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
        from sqlalchemy import select

        rows = await info.context.db.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id))
        return [WebhookEndpointType.of(r) for r in rows.scalars()]

    @strawberry.field(
        description="The delivery log, newest first, with every attempt (time, response code, "
        "error, duration). An unknown endpoint id gives an empty list.",
        extensions=requires(*PERMISSION),
    )
    async def webhook_deliveries(
        self, info: Info, endpoint_id: strawberry.ID | None = None, first: int = 50
    ) -> list[WebhookDeliveryType]:
        db = info.context.db
        endpoint_pk = _pk(endpoint_id, "WebhookEndpoint") if endpoint_id is not None else None
        if endpoint_id is not None and endpoint_pk is None:
            return []
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
                    db, input.url, input.topics, input.description, ctx.principal.person_id
                )
                created = WebhookEndpointCreated(
                    endpoint=WebhookEndpointType.of(row), secret=row.secret
                )
        except WebhookError as exc:
            return _error(exc)
        return created

    @strawberry.mutation(
        description="Change an endpoint's URL, topics or active flag.",
        extensions=requires(*PERMISSION),
    )
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> UpdateResult:
        try:
            async with info.context.unit_of_work() as db:
                row = await service.update_endpoint(
                    db,
                    _pk(input.id, "WebhookEndpoint"),
                    active=input.active,
                    topics=input.topics,
                    url=input.url,
                )
                result = WebhookEndpointType.of(row)
        except WebhookError as exc:
            return _error(exc)
        return result

    @strawberry.mutation(
        description="Delete an endpoint with its delivery log.", extensions=requires(*PERMISSION)
    )
    async def delete_webhook_endpoint(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            async with info.context.unit_of_work() as db:
                await service.delete_endpoint(db, _pk(id, "WebhookEndpoint"))
        except WebhookError as exc:
            return _error(exc)
        return WebhookEndpointDeleted(id=id)

    @strawberry.mutation(
        description="Send a delivery's event again, as a new delivery with its own log.",
        extensions=requires(*PERMISSION),
    )
    async def redeliver_webhook(self, info: Info, delivery_id: strawberry.ID) -> RedeliverResult:
        ctx = info.context
        try:
            async with ctx.unit_of_work() as db:
                fresh = await service.redeliver(db, _pk(delivery_id, "WebhookDelivery"))
                await db.refresh(fresh)
                result = WebhookDeliveryType.of(fresh, [])
                tenant, fresh_id = ctx.tenant, fresh.id

                async def send() -> None:  # after the commit: the worker must find the row
                    await jobs.send_deliveries(tenant, [fresh_id])

                ctx.after_commit(send)
        except WebhookError as exc:
            return _error(exc)
        return result
