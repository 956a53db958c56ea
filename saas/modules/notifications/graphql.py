"""GraphQL of webhooks (firm admins: `webhooks:manage`) and of the viewer's own in-app
notifications (`notifications`, `unreadNotificationCount`, `markNotificationsRead`) and their
e-mail preferences (`notificationPreferences`, `updateNotificationPreferences`); the rules are
in service.py.

Queries: `webhookEndpoints`, `webhookDeliveries(endpointId, first)` (the delivery log with
every attempt). Mutations: `createWebhookEndpoint` (the only answer carrying the secret),
`updateWebhookEndpoint` (url, topics, active), `deleteWebhookEndpoint`, `redeliverWebhook`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from saas.core.ids import IdRefused, filter_pk, node_pks, pk_of, pks_of, tenant_rows
from saas.modules.clients.loaders import OrganizationsByIdLoader
from saas.modules.notifications import jobs, service
from saas.modules.notifications.loaders import ReportsByIdLoader
from saas.modules.notifications.models import (
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from saas.modules.notifications.policy import (
    PERMISSION,
    TOPICS,
    own_notifications_only,
    viewer_of,
)
from saas.modules.notifications.service import NotificationError, WebhookError
from saas.modules.reports.graphql.enums import organization_gid
from saas.modules.reports.graphql.types import ReportType
from saas.rbac.permissions import requires
from saas.schema.context import Info, viewer_language
from saas.schema.errors import NotFoundError, ValidationError, error_result
from saas.schema.relay import Connection, Keyset

MAX_DELIVERIES = 200


tenant_rows("WebhookEndpoint", "WebhookDelivery", "Notification")


def _gid(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(str(relay.GlobalID(type_name, str(pk))))


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


# ------------------------------------------------------------------- in-app notifications


@strawberry.enum(description="What a notification is about (more kinds may come).")
class NotificationKind(Enum):
    REPORT_REJECTED = "report_rejected"
    CLARIFICATION_REQUESTED = "clarification_requested"


@strawberry.type(
    name="Notification",
    description="Something the viewer should know of (a report rejected, a clarification "
    "requested), with its read state. Only its recipient ever sees it.",
)
class NotificationType(relay.Node):
    id: relay.NodeID[int]
    kind: NotificationKind
    created_at: datetime
    read_at: datetime | None
    organization_id: strawberry.ID | None
    link: str = strawberry.field(
        description="The cabinet path of the report: /reports/<id> for staff, "
        "/cabinet/<organization id>/reports/<id> for a client."
    )
    text: str = strawberry.field(description="The authority's text, as recorded.")
    reason_code: str | None
    report_pk: strawberry.Private[int | None]
    organization_pk: strawberry.Private[int | None]
    payload: strawberry.Private[dict[str, Any]]

    @classmethod
    def of(cls, row: Notification) -> NotificationType:
        payload = dict(row.payload or {})
        return cls(
            id=row.id,
            kind=NotificationKind(row.kind),
            created_at=row.created_at,
            read_at=row.read_at,
            organization_id=organization_gid(row.organization_id)
            if row.organization_id is not None
            else None,
            link=service.link_of(row),
            text=str(payload.get("text") or ""),
            reason_code=payload.get("reason_code"),
            report_pk=row.report_id,
            organization_pk=row.organization_id,
            payload=payload,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[NotificationType | None]:
        ids = [pk or -1 for pk in node_pks(list(node_ids))]
        viewer = viewer_of(info.context)
        if viewer is None:
            return [None for _ in ids]
        stmt = service.own_notifications(*viewer).where(Notification.id.in_(ids))
        found = {r.id: r for r in (await info.context.db.execute(stmt)).scalars()}
        return [cls.of(found[i]) if i in found else None for i in ids]

    @strawberry.field(description="Read by the viewer.")
    def read(self) -> bool:
        return self.read_at is not None

    @strawberry.field(description="A short title in the viewer's language (Accept-Language).")
    def title(self, info: Info) -> str:
        return service.title_of(self.kind.value, self.payload, viewer_language(info))

    @strawberry.field(description="The organization, the authority's text and reason code.")
    def body(self, info: Info) -> str:
        return service.body_of_notification(self.payload, viewer_language(info))

    @strawberry.field(description="The organization's name (as it was when notified).")
    async def organization_name(self, info: Info) -> str | None:
        if self.organization_pk is None:
            return None
        org = await info.context.loader(OrganizationsByIdLoader).load(self.organization_pk)
        return org.name if org is not None else self.payload.get("organization_name")

    @strawberry.field(description="The report, when the viewer may still read it.")
    async def report(self, info: Info) -> ReportType | None:
        if self.report_pk is None:
            return None
        row = await info.context.loader(ReportsByIdLoader).load(self.report_pk)
        return ReportType.of(row) if row is not None else None


@strawberry.type(description="Notifications were marked read.")
class NotificationsMarked:
    unread_count: int


MarkReadResult = Annotated[
    NotificationsMarked | ValidationError | NotFoundError,
    strawberry.union("MarkNotificationsReadResult"),
]
MAX_MARK = 100


@strawberry.type(
    name="NotificationPreference",
    description="The viewer's choice for one kind of notification in this firm. In-app "
    "notifications always arrive (they are the record, and a rejected report must not go "
    "unseen); `email` says whether the kind also comes in the batched e-mail.",
)
class NotificationPreferenceType:
    kind: NotificationKind
    email: bool = strawberry.field(description="Also by e-mail (the default: true).")


def _preferences(choices: dict[str, bool]) -> list[NotificationPreferenceType]:
    return [
        NotificationPreferenceType(kind=NotificationKind(kind), email=email)
        for kind, email in choices.items()
    ]


@strawberry.input(description="One kind's new choice; a channel left null stays as it is.")
class NotificationPreferenceInput:
    kind: NotificationKind
    email: bool | None = None


@strawberry.type(description="The viewer's preferences were saved; every kind, as now.")
class NotificationPreferencesUpdated:
    preferences: list[NotificationPreferenceType]


UpdatePreferencesResult = Annotated[
    NotificationPreferencesUpdated | ValidationError,
    strawberry.union("UpdateNotificationPreferencesResult"),
]


def _viewer(info: Info) -> tuple[int, frozenset[int] | None]:
    viewer = viewer_of(info.context)
    assert viewer is not None  # the field's PersonOfFirm guard passed
    return viewer


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
        # A filter of the firm's own log: a foreign or malformed id matches nothing.
        endpoint_pk = None if endpoint_id is None else filter_pk(endpoint_id, "WebhookEndpoint")
        rows = await service.list_deliveries(db, endpoint_pk, max(1, min(first, MAX_DELIVERIES)))
        attempts = await service.attempts_of(db, [r.id for r in rows])
        return [WebhookDeliveryType.of(r, attempts[r.id]) for r in rows]

    @relay.connection(
        Connection[NotificationType],
        description="The viewer's own notifications, newest first (a person logged in to "
        "this firm; a client user sees those of organizations still granting it 'reports').",
        extensions=own_notifications_only(),
    )
    def notifications(self, info: Info, unread_only: bool = False) -> Iterable[NotificationType]:
        stmt = service.own_notifications(*_viewer(info))
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        return Keyset(  # type: ignore[return-value]
            stmt, key=(Notification.id,), node=NotificationType.of, descending=True
        )

    @strawberry.field(
        description="How many of the viewer's notifications are unread.",
        extensions=own_notifications_only(),
    )
    async def unread_notification_count(self, info: Info) -> int:
        return await service.unread_count(info.context.db, *_viewer(info))

    @strawberry.field(
        description="The viewer's own notification preferences in this firm, one per kind "
        "of notification (defaults filled in: e-mail on).",
        extensions=own_notifications_only(),
    )
    async def notification_preferences(self, info: Info) -> list[NotificationPreferenceType]:
        person_id, _ = _viewer(info)
        return _preferences(await service.email_choices(info.context.db, person_id))


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

    @strawberry.mutation(
        description="Mark the viewer's notifications read: `ids` (all must be the viewer's, "
        "else NotFoundError and nothing changes) or `all: true`. Answers the unread count.",
        extensions=own_notifications_only(),
    )
    async def mark_notifications_read(
        self, info: Info, ids: list[strawberry.ID] | None = None, all: bool = False
    ) -> MarkReadResult:
        if ids is not None and len(ids) > MAX_MARK:
            return ValidationError(
                code="TOO_MANY_IDS",
                message=f"at most {MAX_MARK} ids at once; use all: true"
                if viewer_language(info) == "en"
                else f"Не больше {MAX_MARK} идентификаторов; используйте all: true.",
                field="ids",
            )
        person_id, orgs = _viewer(info)
        try:
            pks: list[int | None] | None = (
                None
                if ids is None
                else [*await pks_of(info.context, "Notification", ids, field="ids")]
            )
            async with info.context.unit_of_work() as db:
                unread = await service.mark_read(db, person_id, orgs, pks, all)
        except (NotificationError, IdRefused) as exc:
            return error_result(info, exc)
        return NotificationsMarked(unread_count=unread)

    @strawberry.mutation(
        description="Change the viewer's own notification preferences in this firm (kinds not "
        "given keep theirs). Each kind at most once (DUPLICATE_KIND), at least one "
        "(NOTHING_TO_CHANGE); all or nothing. The e-mail job reads them when it sends.",
        extensions=own_notifications_only(),
    )
    async def update_notification_preferences(
        self, info: Info, preferences: list[NotificationPreferenceInput]
    ) -> UpdatePreferencesResult:
        person_id, _ = _viewer(info)
        changes = [(p.kind.value, p.email) for p in preferences]
        try:
            async with info.context.unit_of_work() as db:
                choices = await service.set_email_choices(db, person_id, changes)
        except NotificationError as exc:
            return error_result(info, exc)
        return NotificationPreferencesUpdated(preferences=_preferences(choices))
