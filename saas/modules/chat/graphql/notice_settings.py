"""The firm's setting of chat notices over GraphQL: `chatNoticeSettings`,
`updateChatNoticeSettings(reminderBusinessDays)` (firm admins: `firm:manage`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from saas.core.actor import actor_of
from saas.modules.chat.service.notice_settings import update_notice_settings
from saas.modules.chat.service.reminders import reminder_days
from saas.modules.clients.service import ClientsError
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import ValidationError, error_result


@strawberry.type(name="ChatNoticeSettings", description="The firm's setting of chat notices.")
class ChatNoticeSettings:
    reminder_business_days: int = strawberry.field(
        description="A notice still waiting for an answer this many business days after it "
        "was posted reminds its recipients once (1..20, default 2)."
    )


UpdateChatNoticeSettingsResult = Annotated[
    ChatNoticeSettings | ValidationError, strawberry.union("UpdateChatNoticeSettingsResult")
]


@strawberry.type
class Query:
    @strawberry.field(
        description="The firm's setting of chat notices.", extensions=requires("firm", "read")
    )
    def chat_notice_settings(self, info: Info) -> ChatNoticeSettings:
        return ChatNoticeSettings(reminder_business_days=reminder_days(info.context.tenant))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Set after how many business days an unanswered notice reminds (audited).",
        extensions=requires("firm", "manage"),
    )
    async def update_chat_notice_settings(
        self, info: Info, reminder_business_days: int
    ) -> UpdateChatNoticeSettingsResult:
        ctx = info.context
        try:
            async with ctx.unit_of_work(shared=True) as session:
                tenant = await update_notice_settings(
                    session, ctx.tenant, actor_of(ctx), reminder_business_days
                )
        except ClientsError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatNoticeSettings(reminder_business_days=reminder_days(tenant))
