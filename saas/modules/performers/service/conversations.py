"""An order's conversation in the chat: one per order and performer, where the customer (the
organization's contacts granted 'performers'), the firm's staff who see the organization and
that one performer discuss the order. Another performer never sees it. The order and the
performer are resolved here for the actor; the chat then keeps the conversation's own scope
(`saas.modules.chat.service.conversations`)."""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.chat.models import ChatConversation
from saas.modules.chat.service.conversations import ensure_performer_order_conversation
from saas.modules.performers.models import PerformerOrder, PerformerResponse
from saas.modules.performers.service.errors import invalid, not_found
from saas.modules.performers.service.scope import Side, access_order, side_of


async def order_conversation(
    session: AsyncSession, actor: Actor, order_id: int, performer_id: int | None
) -> tuple[PerformerOrder, ChatConversation]:
    """The order's conversation with a performer, opened on first use: a performer's own
    (on any order they see, before responding too); the customer's or staff's with a
    performer of the order (one who responded, the addressee of a personal order or the
    one it was given to)."""
    order = await access_order(session, actor, order_id)
    if side_of(actor) is Side.PERFORMER:
        if performer_id is not None and performer_id != actor.person_id:
            raise not_found("performer")  # another performer's conversation
        assert actor.person_id is not None
        performer = actor.person_id
    else:
        if performer_id is None:
            raise invalid(
                "PERFORMER_REQUIRED",
                "Укажите исполнителя, с которым обсуждается заказ.",
                "Name the performer to discuss the order with.",
                "performerId",
            )
        responded = exists().where(
            PerformerResponse.order_id == order.id,
            PerformerResponse.performer_person_id == performer_id,
        )
        of_order = await session.scalar(
            select(
                or_(
                    responded,
                    PerformerOrder.addressed_person_id == performer_id,
                    PerformerOrder.performer_person_id == performer_id,
                )
            ).where(PerformerOrder.id == order.id)
        )
        if not of_order:
            raise not_found("performer")
        performer = performer_id
    conversation = await ensure_performer_order_conversation(
        session, order.organization_id, order.id, performer
    )
    return order, conversation
