"""Queries of the chat: the inbox, an organization's conversation, a conversation's
messages (one statement a page), unread counts, search."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay

from saas.core.ids import IdRefused, filter_pk, gid, pk_of
from saas.modules.chat.graphql.results import ChatConversationLookup, ChatSearchHit, ChatTextPart
from saas.modules.chat.graphql.types import ChatConversationType, ChatMessageType
from saas.modules.chat.models import ChatConversation, ChatMessage
from saas.modules.chat.policy import READ_NOTE, reads_chat, viewer_of
from saas.modules.chat.service.conversations import (
    InboxFilter,
    conversation_of_organization,
    conversation_of_report,
    conversation_row,
    conversation_rows,
    inbox_statement,
)
from saas.modules.chat.service.errors import ChatError
from saas.modules.chat.service.page import visible_messages_statement
from saas.modules.chat.service.reads import total_unread
from saas.modules.chat.service.search import (
    check_query,
    headline_parts,
    only_conversation,
    search_statement,
)
from saas.schema.context import Info
from saas.schema.errors import PublicError, error_result
from saas.schema.relay import Connection, Keyset


def _search_hit(row: object) -> ChatSearchHit:
    return ChatSearchHit(
        message=ChatMessageType.of(row),
        organization_id=gid("ClientOrganization", row.organization_id),  # type: ignore[attr-defined]
        organization_name=row.organization_name,  # type: ignore[attr-defined]
        report_id=None
        if row.report_id is None  # type: ignore[attr-defined]
        else gid("Report", row.report_id),  # type: ignore[attr-defined]
        fragments=[
            ChatTextPart(text=t, match=m)
            for t, m in headline_parts(row.headline)  # type: ignore[attr-defined]
        ],
    )


@strawberry.type
class Query:
    @relay.connection(
        Connection[ChatConversationType],
        description="The firm's inbox (and a client's conversations): those with messages the "
        "viewer has not read first, then by the last message, newest first. Filters: one "
        "organization, awaiting our answer (the client's last message unanswered), the "
        f"organization's responsible manager, the assignee. {READ_NOTE}",
        extensions=reads_chat(),
    )
    async def chat_conversations(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        awaiting_answer: bool | None = None,
        responsible_manager_id: strawberry.ID | None = None,
        assignee_id: strawberry.ID | None = None,
    ) -> Iterable[ChatConversationType]:
        actor = await viewer_of(info.context)
        where = InboxFilter(
            # Filters of the firm's own rows: a foreign or malformed id matches nothing.
            organization_id=None
            if organization_id is None
            else filter_pk(organization_id, "ClientOrganization"),
            awaiting_answer=awaiting_answer,
            responsible_manager_id=None
            if responsible_manager_id is None
            else filter_pk(responsible_manager_id, "Person"),
            assignee_id=None if assignee_id is None else filter_pk(assignee_id, "Person"),
        )
        stmt = inbox_statement(actor, where, conversation_rows())
        labelled = {c.key: c for c in stmt.selected_columns}
        return Keyset(  # type: ignore[return-value]
            stmt,
            key=(labelled["unread_rank"], labelled["activity"], ChatConversation.id),
            node=ChatConversationType.of,
            descending=True,
            entities=False,
        )

    @strawberry.field(
        description="The conversation of a client organization (opened on first use). "
        f"NotFoundError when the organization's chat is not visible. {READ_NOTE}",
        extensions=reads_chat(),
    )
    async def chat_conversation(
        self, info: Info, organization_id: strawberry.ID
    ) -> ChatConversationLookup:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                conversation = await conversation_of_organization(session, actor, org)
                row = await conversation_row(session, conversation.id)
        except (ChatError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatConversationType.of(row)

    @strawberry.field(
        description="A report's own conversation, linked to the report (opened on first use; "
        "e.g. the talk about a report being fixed after a rejection). Its organization's "
        "participants take part. NotFoundError when the report or its organization's chat is "
        f"not visible. {READ_NOTE}",
        extensions=reads_chat(),
    )
    async def chat_report_conversation(
        self, info: Info, report_id: strawberry.ID
    ) -> ChatConversationLookup:
        ctx = info.context
        try:
            report = await pk_of(ctx, "Report", report_id, field="reportId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                conversation = await conversation_of_report(session, actor, report)
                row = await conversation_row(session, conversation.id)
        except (ChatError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return ChatConversationType.of(row)

    @relay.connection(
        Connection[ChatMessageType],
        description="A conversation's messages, newest first (page backwards with `after`), "
        "with their files and whether the other side has read each: one statement a page. "
        f"Empty for a conversation the viewer does not see. {READ_NOTE}",
        extensions=reads_chat(),
    )
    async def chat_messages(
        self, info: Info, conversation_id: strawberry.ID
    ) -> Iterable[ChatMessageType]:
        actor = await viewer_of(info.context)
        stmt = visible_messages_statement(
            actor, filter_pk(conversation_id, "ChatConversation") or -1
        )
        return Keyset(  # type: ignore[return-value]
            stmt, key=(ChatMessage.id,), node=ChatMessageType.of, descending=True, entities=False
        )

    @strawberry.field(
        description="Messages the viewer has not read in every conversation it sees (the "
        f"cabinet's badge). {READ_NOTE}",
        extensions=reads_chat(),
    )
    async def chat_unread_count(self, info: Info) -> int:
        return await total_unread(info.context.db, await viewer_of(info.context))

    @relay.connection(
        Connection[ChatSearchHit],  # type: ignore[type-var]
        description="Search the conversations the viewer sees (one organization's with "
        '`organizationId`): words in Russian or English with their forms ("декларации" '
        'finds "декларация"), or part of an attached file\'s name; newest first, the matches '
        f"highlighted in `fragments`. {READ_NOTE}",
        extensions=reads_chat(),
    )
    async def chat_search(
        self, info: Info, text: str, organization_id: strawberry.ID | None = None
    ) -> Iterable[ChatSearchHit]:
        actor = await viewer_of(info.context)
        try:
            query = check_query(text)
        except ChatError as exc:
            raise PublicError(exc.message_in(info.context.language), exc.code) from None
        org = None if organization_id is None else filter_pk(organization_id, "ClientOrganization")
        async with info.context.unit_of_work() as session:
            only = await only_conversation(session, actor)
        stmt = search_statement(actor, query, org if organization_id is None else (org or -1), only)
        return Keyset(  # type: ignore[return-value,type-var]
            stmt, key=(ChatMessage.id,), node=_search_hit, descending=True, entities=False
        )
