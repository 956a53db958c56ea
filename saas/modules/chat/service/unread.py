"""What a person has not read yet (the statement every count and the inbox's rank use)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select

from saas.modules.chat.models import ChatMessage, ChatRead


def unread_messages(person_id: int) -> Any:
    """A SELECT of chat_messages (conversation_id, id) the person has not read: after its read
    mark, written by someone else, not withdrawn."""
    return (
        select(ChatMessage.conversation_id, ChatMessage.id)
        .select_from(ChatMessage)
        .outerjoin(
            ChatRead,
            and_(
                ChatRead.conversation_id == ChatMessage.conversation_id,
                ChatRead.person_id == person_id,
            ),
        )
        .where(
            ChatMessage.id > func.coalesce(ChatRead.last_read_message_id, 0),
            ChatMessage.author_person_id.is_distinct_from(person_id),
            ChatMessage.withdrawn_at.is_(None),
        )
    )
