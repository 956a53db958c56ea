"""A conversation's page: messages newest first with their files and whether the other side
has read each one, in ONE statement (the files as a JSON aggregate, the read state as the
other side's furthest read mark), whatever the page size."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by

from saas.modules.chat.models import ChatMessage, ChatMessageFile, ChatRead

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


def messages_statement(conversation_id: int) -> Select[Any]:
    seen = func.coalesce(other_side_read() >= ChatMessage.id, False)
    return select(*COLUMNS, files_json().label("files"), seen.label("seen")).where(
        ChatMessage.conversation_id == conversation_id
    )
