"""The viewer's own in-app notifications over GraphQL: the list, the unread count, marking
them read. Nobody holds a role permission over them (policy.own_notifications_only)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.core.actor import Actor
from saas.core.ids import IdRefused, gid, node_pks, pks_of, tenant_rows
from saas.modules.clients.loaders import OrganizationsByIdLoader
from saas.modules.notifications.graphql.enums import NotificationKind
from saas.modules.notifications.loaders import ReportsByIdLoader
from saas.modules.notifications.models import Notification
from saas.modules.notifications.policy import own_notifications_only, viewer_of
from saas.modules.notifications.service import inbox as service
from saas.modules.notifications.service.inbox import NotificationError
from saas.modules.reports.graphql.types import ReportType
from saas.schema.context import Info, viewer_language
from saas.schema.errors import NotFoundError, ValidationError, error_result
from saas.schema.relay import Connection, Keyset

tenant_rows("Notification")


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
            organization_id=gid("ClientOrganization", row.organization_id)
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
        found = {
            r.id: r for r in await service.own_notifications_by_id(info.context.db, viewer, ids)
        }
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


def viewer_actor(info: Info) -> Actor:
    viewer = viewer_of(info.context)
    assert viewer is not None  # the field's PersonOfFirm guard passed
    return viewer


def viewer_person(info: Info) -> int:
    person_id = viewer_actor(info).person_id
    assert person_id is not None  # PersonOfFirm: a person logged in to this firm
    return person_id


@strawberry.type
class Query:
    @relay.connection(
        Connection[NotificationType],
        description="The viewer's own notifications, newest first (a person logged in to "
        "this firm; a client user sees those of organizations still granting it 'reports').",
        extensions=own_notifications_only(),
    )
    def notifications(self, info: Info, unread_only: bool = False) -> Iterable[NotificationType]:
        stmt = service.own_notifications(viewer_actor(info), unread_only=unread_only)
        return Keyset(  # type: ignore[return-value]
            stmt, key=(Notification.id,), node=NotificationType.of, descending=True
        )

    @strawberry.field(
        description="How many of the viewer's notifications are unread.",
        extensions=own_notifications_only(),
    )
    async def unread_notification_count(self, info: Info) -> int:
        return await service.unread_count(info.context.db, viewer_actor(info))


@strawberry.type
class Mutation:
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
        actor = viewer_actor(info)
        try:
            pks: list[int | None] | None = (
                None
                if ids is None
                else [*await pks_of(info.context, "Notification", ids, field="ids")]
            )
            async with info.context.unit_of_work() as db:
                unread = await service.mark_read(db, actor, pks, all)
        except (NotificationError, IdRefused) as exc:
            return error_result(info, exc)
        return NotificationsMarked(unread_count=unread)
