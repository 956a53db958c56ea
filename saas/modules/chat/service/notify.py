"""Who a new message notifies (`chat_message`, in-app and by the batched e-mail, each
person's preferences honored by the notifications module):
- a client's message: the conversation's assignee, the organization's responsible manager and
  moderators;
- a staff member's message or a system entry: the organization's active contacts taking part
  in the conversation (the 'chat' grant; a request's conversation 'requests'), enabled for the
  organization;
- in a performer order's conversation: the organization's contacts holding 'performers' (the
  firm's staff are not its parties; the performer has no in-app notifications yet and sees
  the conversation on the order's page, live).
Never the author.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.chat.models import CLIENT, TEXT, ChatConversation, ChatMessage
from saas.modules.chat.service.conversations import grant_of
from saas.modules.clients.models import (
    ClientContact,
    ClientGrant,
    ClientOrganization,
    ClientOrgModerator,
)
from saas.modules.notifications.service import NotificationKind, notify_people

EXCERPT = 280


def chat_contacts_statement(organization_id: int, grant: str = "chat") -> Any:
    """Person ids of the organization's active contacts that take part in its chat (holding
    `grant`, enabled for the organization)."""
    return (
        select(ClientContact.person_id)
        .join(ClientGrant, ClientGrant.contact_id == ClientContact.id)
        .join(ClientOrganization, ClientOrganization.id == ClientContact.organization_id)
        .where(
            ClientContact.organization_id == organization_id,
            ClientContact.status == "active",
            ClientOrganization.status == "active",
            ClientGrant.module == grant,
            ClientGrant.module == func.any(ClientOrganization.enabled_modules),
        )
    )


async def staff_of(session: AsyncSession, conversation: ChatConversation) -> set[int]:
    """The staff a client's message concerns: assignee, responsible manager, moderators."""
    manager = await session.scalar(
        select(ClientOrganization.responsible_manager_person_id).where(
            ClientOrganization.id == conversation.organization_id
        )
    )
    moderators = (
        await session.execute(
            select(ClientOrgModerator.person_id).where(
                ClientOrgModerator.organization_id == conversation.organization_id
            )
        )
    ).scalars()
    people = {int(p) for p in moderators}
    for person in (manager, conversation.assignee_person_id):
        if person is not None:
            people.add(int(person))
    return people


async def notify_message(
    session: AsyncSession, conversation: ChatConversation, message: ChatMessage
) -> int:
    if message.kind not in (TEXT, "system"):
        return 0  # marks and notices notify through their own part
    if message.author_side == CLIENT and conversation.performer_order_id is None:
        recipients = {p: "staff" for p in await staff_of(session, conversation)}
    else:
        # The contacts who take part in this conversation: its grant ('chat', a request's
        # 'requests', a performer order's 'performers'), never those who cannot open it.
        grant = grant_of(conversation)
        contacts: Any = (
            await session.execute(chat_contacts_statement(conversation.organization_id, grant))
        ).scalars()
        recipients = {int(p): "client" for p in contacts}
    recipients.pop(message.author_person_id or -1, None)
    if not recipients:
        return 0
    name = await session.scalar(
        select(ClientOrganization.name).where(ClientOrganization.id == conversation.organization_id)
    )
    text = message.body if len(message.body) <= EXCERPT else message.body[: EXCERPT - 1] + "…"
    payload = {
        "grant": grant_of(conversation),  # who may read it (notifications' own_notifications)
        "organization_name": name or "",
        "text": text,
        "conversation_id": conversation.id,
        "message_id": message.id,
    }
    if conversation.report_id is not None:
        payload["chat_report_id"] = conversation.report_id  # the link: the report's conversation
    if conversation.request_id is not None:
        payload["chat_request_id"] = conversation.request_id  # the link: the request's page
    if conversation.performer_order_id is not None:
        payload["performer_order_id"] = conversation.performer_order_id  # the order's page
    return await notify_people(
        session, NotificationKind.CHAT_MESSAGE, recipients, conversation.organization_id, payload
    )
