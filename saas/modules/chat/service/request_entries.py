"""A service request's thread in its own conversation (issues 13, 14): the requests module
writes and reads its entries here, the conversation linked to the request the way a report's
is (`chat_conversations.request_id`). The request was resolved for its actor by the requests
module (`access_request`) before any call: these functions check nothing themselves."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.chat.models import SYSTEM, SYSTEM_ENTRY, TEXT, ChatConversation, ChatMessage
from saas.modules.chat.service.conversations import ensure_request_conversation
from saas.modules.chat.service.messages import write_message


@dataclass(frozen=True)
class RequestEntry:
    """One entry of a request's thread (a message of its conversation)."""

    id: int
    request_id: int
    author_person_id: int | None
    side: str  # client / staff / system
    body: str
    created_at: datetime


def _entry(request_id: int, message: ChatMessage) -> RequestEntry:
    return RequestEntry(
        id=message.id,
        request_id=request_id,
        author_person_id=message.author_person_id,
        side=message.author_side,
        body=message.body,
        created_at=message.created_at,
    )


async def request_conversation_id(session: AsyncSession, org_id: int, request_id: int) -> int:
    """The id of the request's conversation (opened if it has none yet)."""
    return (await ensure_request_conversation(session, org_id, request_id)).id


async def write_request_entry(
    session: AsyncSession,
    org_id: int,
    request_id: int,
    *,
    side: str,
    person_id: int | None,
    body: str,
) -> RequestEntry:
    """An entry in the request's conversation: a comment of the client or staff, or a system
    entry (its code, worded by the reader). No chat notification: the requests module tells
    its own people."""
    conversation = await ensure_request_conversation(session, org_id, request_id)
    message = await write_message(
        session,
        None,
        conversation,
        body=body,
        side=side,
        kind=SYSTEM_ENTRY if side == SYSTEM else TEXT,
        person_id=person_id,
        notify=False,
    )
    return _entry(request_id, message)


async def request_entries(
    session: AsyncSession, request_ids: list[int]
) -> dict[int, list[RequestEntry]]:
    """request id -> its thread, oldest first (the withdrawn messages left out)."""
    rows = await session.execute(
        select(ChatConversation.request_id, ChatMessage)
        .join(ChatMessage, ChatMessage.conversation_id == ChatConversation.id)
        .where(
            ChatConversation.request_id.in_(sorted(set(request_ids))),
            ChatMessage.withdrawn_at.is_(None),
        )
        .order_by(ChatMessage.id)
    )
    found: dict[int, list[RequestEntry]] = defaultdict(list)
    for request_id, message in rows:
        assert request_id is not None
        found[request_id].append(_entry(request_id, message))
    return found


async def request_conversation_ids(session: AsyncSession, request_ids: list[int]) -> dict[int, int]:
    """request id -> its conversation's id, for those that have one."""
    rows = await session.execute(
        select(ChatConversation.request_id, ChatConversation.id).where(
            ChatConversation.request_id.in_(sorted(set(request_ids)))
        )
    )
    return {r: c for r, c in rows if r is not None}
