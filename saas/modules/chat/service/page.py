"""A conversation's page: messages newest first with their files and whether the other side
has read each one, in ONE statement (the files as a JSON aggregate, the read state as the
other side's furthest read mark), whatever the page size."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.chat.models import ChatConversation, ChatMessage, ChatMessageFile, ChatRead
from saas.modules.chat.service.conversations import conversations_scope, scope_conversations

COLUMNS = (
    ChatMessage.id,
    ChatMessage.conversation_id,
    ChatMessage.author_person_id,
    ChatMessage.author_token_id,
    ChatMessage.author_side,
    ChatMessage.kind,
    ChatMessage.body,
    ChatMessage.data,
    ChatMessage.created_at,
    ChatMessage.withdrawn_at,
)


def files_json() -> Any:
    f = ChatMessageFile
    entry = func.jsonb_build_object(
        "file_id", f.file_id, "name", f.name, "version_id", f.version_id
    )
    aggregated = func.jsonb_agg(aggregate_order_by(entry, f.position))
    return type_coerce(
        select(func.coalesce(aggregated, literal("[]").cast(JSONB)))
        .where(f.message_id == ChatMessage.id)
        .scalar_subquery(),
        JSONB,
    )


def other_side_read() -> Any:
    """The furthest message read by someone of the other side (a system entry: anyone)."""
    return (
        select(func.max(ChatRead.last_read_message_id))
        .where(
            ChatRead.conversation_id == ChatMessage.conversation_id,
            ChatRead.side != ChatMessage.author_side,
        )
        .scalar_subquery()
    )


def page_rows() -> Select[Any]:
    """Messages as a page shows them: COLUMNS, their files and whether the other side has
    read each one."""
    seen = func.coalesce(other_side_read() >= ChatMessage.id, False)
    return select(*COLUMNS, files_json().label("files"), seen.label("seen"))


def messages_statement(conversation_id: int) -> Select[Any]:
    return page_rows().where(ChatMessage.conversation_id == conversation_id)


def visible_messages_statement(actor: Actor, conversation_id: int) -> Select[Any]:
    """A conversation's page (`messages_statement`), empty for one the actor does not see."""
    stmt = messages_statement(conversation_id)
    clause = conversations_scope(actor)
    if clause is None:
        return stmt
    visible = select(ChatConversation.id).where(clause).scalar_subquery()
    return stmt.where(ChatMessage.conversation_id.in_(visible))


async def messages_by_id(session: AsyncSession, actor: Actor, ids: list[int]) -> list[Any]:
    """The messages among these ids in conversations the actor sees, as a page reads them (a
    live update fetches the new message by its id)."""
    stmt = scope_conversations(
        page_rows()
        .join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
        .where(ChatMessage.id.in_(ids)),
        actor,
    )
    return list(await session.execute(stmt))
