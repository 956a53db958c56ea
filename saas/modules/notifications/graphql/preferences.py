"""The viewer's notification preferences over GraphQL (e-mail per kind, in this firm)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from saas.modules.notifications.graphql.enums import NotificationKind
from saas.modules.notifications.graphql.inbox import viewer_person
from saas.modules.notifications.policy import own_notifications_only
from saas.modules.notifications.service.inbox import NotificationError
from saas.modules.notifications.service.preferences import email_choices, set_email_choices
from saas.schema.context import Info
from saas.schema.errors import ValidationError, error_result


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


@strawberry.type
class Query:
    @strawberry.field(
        description="The viewer's own notification preferences in this firm, one per kind "
        "of notification (defaults filled in: e-mail on).",
        extensions=own_notifications_only(),
    )
    async def notification_preferences(self, info: Info) -> list[NotificationPreferenceType]:
        person_id = viewer_person(info)
        return _preferences(await email_choices(info.context.db, person_id))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Change the viewer's own notification preferences in this firm (kinds not "
        "given keep theirs). Each kind at most once (DUPLICATE_KIND), at least one "
        "(NOTHING_TO_CHANGE); all or nothing. The e-mail job reads them when it sends.",
        extensions=own_notifications_only(),
    )
    async def update_notification_preferences(
        self, info: Info, preferences: list[NotificationPreferenceInput]
    ) -> UpdatePreferencesResult:
        person_id = viewer_person(info)
        changes = [(p.kind.value, p.email) for p in preferences]
        try:
            async with info.context.unit_of_work() as db:
                choices = await set_email_choices(db, person_id, changes)
        except NotificationError as exc:
            return error_result(info, exc)
        return NotificationPreferencesUpdated(preferences=_preferences(choices))
