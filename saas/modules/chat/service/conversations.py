"""Conversations: one per client organization (and one per report or service request that
asks for it), who sees them, the firm's inbox, assigning.

Staff see the conversations of the organizations the core's `organization_filter` lets them
see (firm-wide with `clients:read_all`, else those they are the responsible manager or a
moderator of); a client user those of organizations granting it 'chat' (an active contact,
the module enabled by the firm). A service request's conversation follows the request's
visibility instead: client contacts granted 'requests' in its organization, staff who see
the organization (the requests module's scope: the performer and department head see it
through their assignment or `clients:read_all`). A performer order's conversation (one per
order and performer, opened by the performers module once it resolved both) is seen by the
organization's contacts granted 'performers', the staff who see the organization, and that
one performer (`performer_person_id`), who writes as the `performer` side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor, organization_filter
from saas.core.audit import audit
from saas.modules.chat.models import (
    CLIENT,
    PERFORMER,
    STAFF,
    SYSTEM,
    ChatConversation,
    ChatMessage,
)
from saas.modules.chat.service.errors import conversation_not_found, invalid, no_write
from saas.modules.chat.service.unread import unread_messages
from saas.modules.clients.models import ClientOrganization
from saas.modules.clients.service import granted_organizations as clients_granted_organizations
from saas.modules.clients.service import granted_scope
from saas.modules.reports.models import Report

CHAT = "chat"
REQUESTS = "requests"  # the grant a request's conversation follows
PERFORMERS = "performers"  # the grant a performer order's conversation follows


def grant_of(conversation: Any) -> str:
    """The client grant that lets a contact of its organization take part in `conversation`."""
    if conversation.request_id is not None:
        return REQUESTS
    if conversation.performer_order_id is not None:
        return PERFORMERS
    return CHAT


async def ensure_conversation(session: AsyncSession, org_id: int) -> int:
    """The organization's conversation, opened if it has none yet (idempotent)."""
    own = select(ChatConversation.id).where(
        ChatConversation.organization_id == org_id,
        ChatConversation.report_id.is_(None),
        ChatConversation.request_id.is_(None),
        ChatConversation.performer_order_id.is_(None),
    )
    # Read first: it nearly always exists (one statement, not an INSERT and a read).
    found = await session.scalar(own)
    if found is None:
        await session.execute(
            pg_insert(ChatConversation)
            .values(organization_id=org_id)
            .on_conflict_do_nothing(
                index_elements=[ChatConversation.organization_id],
                index_where=and_(
                    ChatConversation.report_id.is_(None),
                    ChatConversation.request_id.is_(None),
                    ChatConversation.performer_order_id.is_(None),
                ),
            )
        )
        found = await session.scalar(own)
    assert found is not None
    return int(found)


async def ensure_report_conversation(session: AsyncSession, org_id: int, report_id: int) -> int:
    """A report's own conversation (linked to it, in its organization), opened if it has none
    yet (idempotent)."""
    await session.execute(
        pg_insert(ChatConversation)
        .values(organization_id=org_id, report_id=report_id)
        .on_conflict_do_nothing(
            index_elements=[ChatConversation.report_id],
            index_where=ChatConversation.report_id.is_not(None),
        )
    )
    found = await session.scalar(
        select(ChatConversation.id).where(ChatConversation.report_id == report_id)
    )
    assert found is not None
    return int(found)


async def ensure_request_conversation(
    session: AsyncSession, org_id: int, request_id: int
) -> ChatConversation:
    """A service request's own conversation (linked to it, in its organization), opened if
    it has none yet (idempotent). The caller has already resolved the request for its actor
    (the requests module's `access_request`)."""
    await session.execute(
        pg_insert(ChatConversation)
        .values(organization_id=org_id, request_id=request_id)
        .on_conflict_do_nothing(
            index_elements=[ChatConversation.request_id],
            index_where=ChatConversation.request_id.is_not(None),
        )
    )
    found = await session.scalar(
        select(ChatConversation).where(ChatConversation.request_id == request_id)
    )
    assert found is not None
    return found


async def ensure_performer_order_conversation(
    session: AsyncSession, org_id: int, order_id: int, performer_id: int
) -> ChatConversation:
    """The conversation of a performer order with one performer (in the order's organization),
    opened if it has none yet (idempotent). The caller has already resolved the order and the
    performer for its actor (the performers module's scope)."""
    c = ChatConversation
    await session.execute(
        pg_insert(c)
        .values(
            organization_id=org_id, performer_order_id=order_id, performer_person_id=performer_id
        )
        .on_conflict_do_nothing(
            index_elements=[c.performer_order_id, c.performer_person_id],
            index_where=c.performer_order_id.is_not(None),
        )
    )
    found = await session.scalar(
        select(c).where(c.performer_order_id == order_id, c.performer_person_id == performer_id)
    )
    assert found is not None
    return found


async def conversation_of_report(
    session: AsyncSession, actor: Actor, report_id: int | None
) -> ChatConversation:
    """A report's conversation, if the actor may see its organization's chat (opened on
    first access). A report of an organization out of sight is not found, like a missing one."""
    if report_id is None:
        raise conversation_not_found()
    stmt = select(Report.organization_id).where(Report.id == report_id)
    clause = organizations_scope(actor, Report.organization_id)
    if clause is not None:
        stmt = stmt.where(clause)
    org_id = await session.scalar(stmt)
    if org_id is None:
        raise conversation_not_found()
    conversation_id = await ensure_report_conversation(session, int(org_id), report_id)
    return await access_conversation(session, actor, conversation_id)


async def open_conversation(session: Any, org_id: int) -> None:
    """`saas.core.lifecycle` hook: a new organization starts with its conversation."""
    await ensure_conversation(session, org_id)


def side_of(actor: Actor, conversation: Any = None) -> str:
    """Who writes (in `conversation`): a person of the firm (staff), the performer of a
    performer order's conversation, a client contact, or the platform (a token, a job)."""
    if actor.person_id is None:
        return SYSTEM
    if actor.staff:
        return STAFF
    performer = None if conversation is None else conversation.performer_person_id
    return PERFORMER if performer is not None and performer == actor.person_id else CLIENT


def granted_organizations(actor: Actor, module: str = CHAT) -> Any:
    """A client user's organizations granting it `module` ('chat') (a subquery)."""
    assert actor.person_id is not None
    return clients_granted_organizations(actor.person_id, actor.client_org_ids, module)


def organizations_scope(actor: Actor, column: Any) -> ColumnElement[bool] | None:
    """The clause on a column of organization ids limiting it to the chats `actor` sees
    (None: every one). Which operations the actor may use at all is the fields' guard
    (`chat:read` / `chat:write`, or the client cabinet); this is the rows."""
    return granted_scope(actor, column, CHAT)


def conversations_scope(actor: Actor) -> ColumnElement[bool] | None:
    """The conversations `actor` sees: an organization's or a report's by the chat's rule
    (`organizations_scope`), a service request's by the request's visibility."""
    c = ChatConversation
    if actor.staff:  # the same organizations for both, as the requests module's scope
        return organization_filter(actor, c.organization_id)
    if actor.person_id is None:
        return false()
    # A performer order's conversation with this person as its performer.
    performing = c.performer_person_id == actor.person_id
    if not actor.client_org_ids:
        return performing
    return or_(
        and_(
            c.request_id.is_(None),
            c.performer_order_id.is_(None),
            c.organization_id.in_(granted_organizations(actor)),
        ),
        and_(
            c.request_id.is_not(None),
            c.organization_id.in_(granted_organizations(actor, REQUESTS)),
        ),
        and_(
            c.performer_order_id.is_not(None),
            c.organization_id.in_(granted_organizations(actor, PERFORMERS)),
        ),
        performing,
    )


def scope_conversations(stmt: Select[Any], actor: Actor) -> Select[Any]:
    clause = conversations_scope(actor)
    return stmt if clause is None else stmt.where(clause)


async def access_conversation(
    session: AsyncSession, actor: Actor, conversation_id: int | None
) -> ChatConversation:
    """The only way to load one conversation by id for an actor."""
    if conversation_id is None:
        raise conversation_not_found()
    row = (
        await session.execute(
            scope_conversations(
                select(ChatConversation).where(ChatConversation.id == conversation_id), actor
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise conversation_not_found()
    return row


async def conversation_of_organization(
    session: AsyncSession, actor: Actor, org_id: int | None
) -> ChatConversation:
    """The organization's conversation, if the actor may see it (opened on first access for
    an organization written without the clients service, e.g. raw test rows)."""
    if org_id is None:
        raise conversation_not_found()
    return await access_conversation(session, actor, await conversation_for(session, actor, org_id))


def conversation_rows() -> Any:
    """The conversation's columns with its organization's name and responsible manager (the
    rows the API shows)."""
    return select(
        ChatConversation.id,
        ChatConversation.organization_id,
        ChatConversation.report_id,
        ChatConversation.request_id,
        ChatConversation.performer_order_id,
        ChatConversation.performer_person_id,
        ChatConversation.assignee_person_id,
        ChatConversation.created_at,
        ChatConversation.last_message_id,
        ChatConversation.last_message_at,
        ChatConversation.awaiting_since,
        ClientOrganization.name.label("organization_name"),
        ClientOrganization.responsible_manager_person_id,
    ).join(ClientOrganization, ClientOrganization.id == ChatConversation.organization_id)


async def conversation_row(session: AsyncSession, conversation_id: int) -> Any:
    """One conversation's row (`conversation_rows`), already accessed by the caller."""
    stmt = conversation_rows().where(ChatConversation.id == conversation_id)
    return (await session.execute(stmt)).one()


async def conversation_rows_by_id(session: AsyncSession, actor: Actor, ids: list[int]) -> list[Any]:
    """The rows (`conversation_rows`) of the conversations among these ids the actor sees."""
    stmt = scope_conversations(conversation_rows().where(ChatConversation.id.in_(ids)), actor)
    return list(await session.execute(stmt))


# ------------------------------------------------------------------------------ the inbox


@dataclass(frozen=True)
class InboxFilter:
    organization_id: int | None = None
    awaiting_answer: bool | None = None
    responsible_manager_id: int | None = None
    assignee_id: int | None = None


def inbox_statement(actor: Actor, where: InboxFilter, base: Select[Any]) -> Select[Any]:
    """The conversations the actor sees, with their unread rank (1: something unread by the
    viewer) and activity (the last message, else the opening) as labelled sort columns:
    unread first, then the most recent."""
    c = ChatConversation
    stmt = scope_conversations(base, actor)
    if where.organization_id is not None:
        stmt = stmt.where(c.organization_id == where.organization_id)
    if where.awaiting_answer is not None:
        stmt = stmt.where(
            c.awaiting_since.is_not(None) if where.awaiting_answer else c.awaiting_since.is_(None)
        )
    if where.responsible_manager_id is not None:
        stmt = stmt.where(
            ClientOrganization.responsible_manager_person_id == where.responsible_manager_id
        )
    if where.assignee_id is not None:
        stmt = stmt.where(c.assignee_person_id == where.assignee_id)
    if actor.person_id is not None:
        unread = exists(unread_messages(actor.person_id).where(ChatMessage.conversation_id == c.id))
        rank: Any = case((unread, 1), else_=0)
    else:
        rank = literal(0)
    return stmt.add_columns(
        cast(rank, Integer).label("unread_rank"),
        func.coalesce(c.last_message_at, c.created_at).label("activity"),
    )


async def assign_conversation(
    session: AsyncSession, actor: Actor, conversation_id: int | None, assignee_id: int | None
) -> ChatConversation:
    """Assign the conversation to a staff member (None: nobody). The assignee was checked as
    active staff of the firm by the id's kind (`Staff`)."""
    if not (actor.staff and actor.may("chat", "write")):
        raise no_write()
    conversation = await access_conversation(session, actor, conversation_id)
    conversation.assignee_person_id = assignee_id
    await session.flush()
    name = await session.scalar(
        select(ClientOrganization.name).where(ClientOrganization.id == conversation.organization_id)
    )
    await audit(
        session,
        actor,
        "chat.conversation_assigned",
        "chat_conversation",
        conversation.id,
        assignee_person_id=assignee_id,
        organization_id=conversation.organization_id,
        organization=name,
    )
    return conversation


async def conversation_for(session: AsyncSession, actor: Actor, org_id: int | None) -> int:
    """The id of an organization's conversation the actor may write in (no read permission
    needed: an integrator posting a system entry names the organization)."""
    if org_id is None:
        raise invalid(
            "CONVERSATION_REQUIRED",
            "Укажите переписку или организацию.",
            "Give the conversation or the organization.",
            "conversationId",
        )
    clause = organizations_scope(actor, ClientOrganization.id)
    visible = select(ClientOrganization.id).where(ClientOrganization.id == org_id)
    if clause is not None:
        visible = visible.where(clause)
    if await session.scalar(visible) is None:
        raise conversation_not_found()
    return await ensure_conversation(session, org_id)
