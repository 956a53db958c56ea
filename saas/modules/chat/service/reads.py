"""Read state: how far each person has read a conversation, unread counts (per
conversation and in total, the cabinet's badge), and marking read (announced live)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.events import publish_in
from saas.modules.chat.models import SYSTEM, ChatConversation, ChatMessage, ChatRead
from saas.modules.chat.service.conversations import (
    access_conversation,
    conversations_scope,
    grant_of,
    side_of,
)
from saas.modules.chat.service.errors import invalid
from saas.modules.chat.service.messages import advance_read
from saas.modules.chat.service.unread import unread_messages
from saas.services import Services

READ_TOPIC = "chat.read"


async def unread_counts(
    session: AsyncSession, person_id: int | None, conversation_ids: Iterable[int]
) -> dict[int, int]:
    """conversation id -> the person's unread messages there (one statement)."""
    ids = sorted(set(conversation_ids))
    counts = dict.fromkeys(ids, 0)
    if person_id is None or not ids:
        return counts
    unread = unread_messages(person_id).where(ChatMessage.conversation_id.in_(ids)).subquery()
    rows = await session.execute(
        select(unread.c.conversation_id, func.count()).group_by(unread.c.conversation_id)
    )
    for conversation_id, count in rows:
        counts[int(conversation_id)] = int(count)  # type: ignore[call-overload]
    return counts


async def total_unread(session: AsyncSession, actor: Actor) -> int:
    """Unread messages in every conversation the actor sees."""
    if actor.person_id is None:
        return 0
    statement = unread_messages(actor.person_id).join(
        ChatConversation, ChatConversation.id == ChatMessage.conversation_id
    )
    clause = conversations_scope(actor)
    if clause is not None:
        statement = statement.where(clause)
    counted = select(func.count()).select_from(statement.subquery())
    return int(await session.scalar(counted) or 0)


async def mark_read(
    session: AsyncSession,
    services: Services,
    actor: Actor,
    conversation_id: int | None,
    up_to: int | None = None,
) -> ChatConversation:
    """The person has read the conversation up to message `up_to` (default: its last);
    announced (`chat.read`) so the other side sees its messages read."""
    conversation = await access_conversation(session, actor, conversation_id)
    side = side_of(actor, conversation)
    if actor.person_id is None or side == SYSTEM:
        return conversation
    target = up_to if up_to is not None else conversation.last_message_id
    if target is None:
        return conversation
    if up_to is not None:
        inside = await session.scalar(
            select(ChatMessage.id).where(
                ChatMessage.id == up_to, ChatMessage.conversation_id == conversation.id
            )
        )
        if inside is None:
            raise invalid(
                "NOT_IN_CONVERSATION",
                "Сообщение не из этой переписки.",
                "The message is not in this conversation.",
                "upToMessageId",
            )
    await advance_read(session, conversation.id, actor.person_id, side, target)
    mark = await session.scalar(
        select(ChatRead.last_read_message_id).where(
            ChatRead.conversation_id == conversation.id, ChatRead.person_id == actor.person_id
        )
    )
    await publish_in(
        session,
        services,
        READ_TOPIC,
        {
            "conversation_id": conversation.id,
            "organization_id": conversation.organization_id,
            "grant": grant_of(conversation),
            "performer_person_id": conversation.performer_person_id,
            "person_id": actor.person_id,
            "side": side,
            "last_read_message_id": int(mark or target),
        },
    )
    return conversation
