"""Mutations of the chat: post, withdraw, mark read, assign."""

from __future__ import annotations

import strawberry

from saas.core.actor import actor_with
from saas.core.ids import IdRefused, optional_pk_of, pk_of, pks_of
from saas.modules.chat.graphql.inputs import PostChatMessageInput
from saas.modules.chat.graphql.results import (
    ChatConversationResult,
    PostChatMessageResult,
    WithdrawChatMessageResult,
)
from saas.modules.chat.graphql.types import ChatConversationType, ChatMessageType
from saas.modules.chat.policy import (
    CHAT_PERMISSIONS,
    READ_NOTE,
    WRITE_NOTE,
    reads_chat,
    viewer_of,
    writes_chat,
)
from saas.modules.chat.service.conversations import (
    assign_conversation,
    conversation_for,
    conversation_row,
)
from saas.modules.chat.service.messages import (
    Draft,
    NewFile,
    Storage,
    post_message,
    withdraw_message,
)
from saas.modules.chat.service.reads import mark_read
from saas.modules.clients.service import ClientsError
from saas.modules.documents.policy import DRIVE_PERMISSIONS, max_upload_bytes
from saas.schema.context import Info
from saas.schema.errors import error_result
from saas.storage import tenant_files
from saas.storage.stored import removed_on_failure


async def _conversation(info: Info, conversation_id: int) -> ChatConversationType:
    return ChatConversationType.of(await conversation_row(info.context.db, conversation_id))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Post a message in a conversation: plain text (at most 10,000 characters) "
        "and files (ids of the organization's documents, or new files filed in its «Данные от "
        'клиента» / "From client" folder for a client, «Данные для клиента» / "For '
        "client\" for the firm, with the drive's checks). An API token posts a system entry. "
        f"{WRITE_NOTE}",
        extensions=writes_chat(),
    )
    async def post_chat_message(
        self, info: Info, input: PostChatMessageInput
    ) -> PostChatMessageResult:
        ctx = info.context
        try:
            conversation = await optional_pk_of(
                ctx, "ChatConversation", input.conversation_id, field="conversationId"
            )
            organization = await optional_pk_of(
                ctx, "ClientOrganization", input.organization_id, field="organizationId"
            )
            file_ids = await pks_of(ctx, "DriveFile", input.file_ids or [], field="fileIds")
            actor = await actor_with(ctx, *CHAT_PERMISSIONS, *DRIVE_PERMISSIONS)
            draft = Draft(
                body=input.body,
                file_ids=file_ids,
                uploads=[NewFile(f.filename, f.content_base64) for f in input.files or []],
            )
            files = tenant_files(ctx.services, ctx.tenant)
            async with removed_on_failure(files) as stored:
                async with ctx.unit_of_work() as session:
                    if conversation is None:
                        conversation = await conversation_for(session, actor, organization)
                    message, attached = await post_message(
                        session,
                        ctx.services,
                        actor,
                        conversation,
                        draft,
                        Storage(files, stored, max_upload_bytes(ctx.tenant)),
                    )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatMessageType.of(message, attached)

    @strawberry.mutation(
        description="Withdraw one's own message within 10 minutes of sending: it stays in the "
        "conversation as a withdrawn entry without its text (the firm's audit log keeps it). "
        f"ConflictError TOO_LATE after 10 minutes. {WRITE_NOTE}",
        extensions=writes_chat(),
    )
    async def withdraw_chat_message(
        self, info: Info, message_id: strawberry.ID
    ) -> WithdrawChatMessageResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ChatMessage", message_id, field="messageId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                message, files = await withdraw_message(session, ctx.services, actor, pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatMessageType.of(message, files)

    @strawberry.mutation(
        description="The viewer has read the conversation up to a message (default: its "
        "last); the other side sees its messages read, live. Returns the conversation with "
        f"its unread count. {READ_NOTE}",
        extensions=reads_chat(),
    )
    async def mark_chat_read(
        self,
        info: Info,
        conversation_id: strawberry.ID,
        up_to_message_id: strawberry.ID | None = None,
    ) -> ChatConversationResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ChatConversation", conversation_id, field="conversationId")
            up_to = await optional_pk_of(
                ctx, "ChatMessage", up_to_message_id, field="upToMessageId"
            )
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                await mark_read(session, ctx.services, actor, pk, up_to)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return await _conversation(info, pk)

    @strawberry.mutation(
        description="Assign a conversation to an active staff member of the firm (`assigneeId: "
        "null`: nobody); the inbox filters by it. Staff with `chat:write`.",
        extensions=writes_chat(),
    )
    async def assign_chat_conversation(
        self,
        info: Info,
        conversation_id: strawberry.ID,
        assignee_id: strawberry.ID | None = None,
    ) -> ChatConversationResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ChatConversation", conversation_id, field="conversationId")
            assignee = await optional_pk_of(ctx, "Staff", assignee_id, field="assigneeId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                await assign_conversation(session, actor, pk, assignee)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return await _conversation(info, pk)
