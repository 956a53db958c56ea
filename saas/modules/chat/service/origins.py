"""The drive's view of a chat attachment (registered by the chat's policy): a file attached
to a chat message says so beside it in the drive (`DriveFile.origin`), with who sent it and
when (its first message)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.chat.models import CLIENT, STAFF, ChatMessage, ChatMessageFile
from saas.modules.documents.service.origins import FileOrigin

WORDS = {
    CLIENT: ("Прислан клиентом в чате", "Sent by the client in the chat"),
    STAFF: ("Отправлен клиенту в чате", "Sent to the client in the chat"),
}
SYSTEM_WORDS = ("Прислан в чат системой", "Posted in the chat by a system")


async def chat_attachments(session: AsyncSession, file_ids: list[int]) -> dict[int, FileOrigin]:
    rows = await session.execute(
        select(ChatMessageFile.file_id, ChatMessage.author_side, ChatMessage.created_at)
        .join(ChatMessage, ChatMessage.id == ChatMessageFile.message_id)
        .where(ChatMessageFile.file_id.in_(file_ids))
        .order_by(ChatMessageFile.file_id, ChatMessage.id)
        .ext(distinct_on(ChatMessageFile.file_id))
    )
    found = {}
    for file_id, side, at in rows:
        ru, en = WORDS.get(side, SYSTEM_WORDS)
        found[int(file_id)] = FileOrigin(module="chat", ru=ru, en=en, at=at)
    return found
