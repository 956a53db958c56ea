"""Search in the conversations the viewer may see: PostgreSQL full-text search with the
`russian` configuration (stemming: "декларации" finds "декларация"; Latin words go through
the English stemmer), the matches highlighted by `ts_headline`, and file names. Withdrawn
messages are not found. Newest first (a keyset on the message id)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, any_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.search import contains_pattern
from saas.modules.chat.models import ChatConversation, ChatMessage, ChatMessageFile
from saas.modules.chat.service.conversations import scope_conversations
from saas.modules.chat.service.errors import invalid
from saas.modules.chat.service.page import COLUMNS, files_json
from saas.modules.clients.models import ClientOrganization

# Markers around a match in `ts_headline`'s output: control characters, which no stored text
# holds (the API refuses them in input), split into parts by the GraphQL layer.
START, STOP = "\x02", "\x03"
HEADLINE_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxFragments=3, MaxWords=18, MinWords=6, "
    'FragmentDelimiter=" … "'
)
MAX_QUERY = 200
RUSSIAN: Any = literal_column("'russian'::regconfig")


def check_query(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise invalid("EMPTY", "Введите, что искать.", "Type what to search for.", "text")
    if len(text) > MAX_QUERY:
        raise invalid(
            "TOO_LONG",
            f"Запрос длиннее {MAX_QUERY} символов.",
            f"The query is longer than {MAX_QUERY} characters.",
            "text",
        )
    return text


async def only_conversation(session: AsyncSession, actor: Actor) -> int | None:
    """The one conversation a client user sees, when it sees exactly one (a contact of one
    organization, the common case), else None. Given to `search_statement` as a constant,
    it lets the planner read that conversation's messages newest first through
    `ix_chat_messages_conversation` instead of the whole firm's by id (bench_chat_search: a
    frequent word read ~24,000 messages to keep 21). Staff see many: None, no query."""
    if actor.staff:
        return None
    found = (
        await session.execute(scope_conversations(select(ChatConversation.id), actor).limit(2))
    ).scalars()
    ids = [int(i) for i in found]
    return ids[0] if len(ids) == 1 else None


def search_statement(
    actor: Actor, text: str, organization_id: int | None, only: int | None = None
) -> Select[Any]:
    """`only`: the one conversation the viewer sees (`only_conversation`), a narrowing the
    scope implies anyway (the scope's clause stays)."""
    query = func.websearch_to_tsquery(RUSSIAN, text)
    by_text = ChatMessage.search.op("@@")(query)
    # The messages whose files match, as an array computed once (an InitPlan): `id =
    # ANY(...)` is an index condition, so the planner may OR it with the text-search index
    # (a BitmapOr) for a rare word; an EXISTS per row in the OR made every search that finds
    # fewer than a page read the whole table backwards (bench_chat_search: 1M messages, a
    # rare word 0.2-0.5 s -> see docs/performance.md).
    by_file = ChatMessage.id == any_(
        func.array(
            select(ChatMessageFile.message_id)
            .where(ChatMessageFile.name.ilike(contains_pattern(text), escape="\\"))
            .scalar_subquery()
        )
    )
    headline = func.ts_headline(RUSSIAN, ChatMessage.body, query, HEADLINE_OPTIONS)
    stmt = (
        select(
            *COLUMNS,
            files_json().label("files"),
            headline.label("headline"),
            ChatConversation.organization_id,
            ChatConversation.report_id,
            ClientOrganization.name.label("organization_name"),
        )
        .join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
        .join(ClientOrganization, ClientOrganization.id == ChatConversation.organization_id)
        .where(ChatMessage.withdrawn_at.is_(None), or_(by_text, by_file))
    )
    if organization_id is not None:
        stmt = stmt.where(ChatConversation.organization_id == organization_id)
    if only is not None:
        stmt = stmt.where(ChatMessage.conversation_id == only)
    return scope_conversations(stmt, actor)


def headline_parts(headline: str) -> list[tuple[str, bool]]:
    """`ts_headline`'s output as (text, is a match) parts, markers removed."""
    parts: list[tuple[str, bool]] = []
    rest = headline or ""
    while rest:
        start = rest.find(START)
        if start < 0:
            parts.append((rest, False))
            break
        if start:
            parts.append((rest[:start], False))
        stop = rest.find(STOP, start)
        stop = len(rest) if stop < 0 else stop
        parts.append((rest[start + 1 : stop], True))
        rest = rest[stop + 1 :]
    return [(t.replace(START, "").replace(STOP, ""), m) for t, m in parts if t]
