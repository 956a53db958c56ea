"""An order's conversation in the chat (issue 17): one per order and performer. A performer
asks about an open order before responding; the customer (a contact granted 'performers')
answers in the same conversation, which the firm's staff see too; another performer, a
contact without the grant and another firm never reach it; the customer names only a
performer of the order; messages arrive live to the performer and the customer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.chat import LIVE, MESSAGES, messages, next_event, post
from tests.support.ids import gid, pk
from tests.support.live import cookie, hub_listening, open_socket, subscribe
from tests.support.performers import (
    RESPOND,
    PerformersWorld,
    performers_world,
    publish,
    save_profile,
)

TALK = """query($o: ID!, $p: ID) { performerOrderConversation(orderId: $o, performerId: $p) {
  __typename ... on PerformerOrderConversation { conversationId orderId performerId }
  ... on Error { code message } ... on ValidationError { field } } }"""
CONVERSATIONS = """{ chatConversations(first: 50) { edges { node { id performerOrderId
  performer { id } organizationId } } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[PerformersWorld]:  # type: ignore[no-untyped-def]
    yield from performers_world(db_engine, firms)


def talk(c: Any, order: str, performer: str | None = None) -> dict[str, Any]:
    return dict(c.execute(TALK, {"o": order, "p": performer})["performerOrderConversation"])


def test_a_performer_asks_before_responding_and_the_customer_answers_in_one_conversation(
    login: Any, firms: Any, world: PerformersWorld, db_engine: sa.Engine
) -> None:
    a = firms["a"]
    customer = login(a, world.customer_x)
    one, two = login(a, world.performer_1), login(a, world.performer_2)
    order = publish(customer, world.drive.org_x, title="Вёрстка лендинга")
    me = gid("Performer", world.performer_1)

    mine = talk(one, order["id"])
    assert mine["__typename"] == "PerformerOrderConversation", mine
    assert (mine["orderId"], mine["performerId"]) == (order["id"], me)
    assert talk(one, order["id"], me)["conversationId"] == mine["conversationId"]  # idempotent
    question = post(one, mine["conversationId"], "Какой срок сдачи макета?")
    assert (question["__typename"], question["side"]) == ("ChatMessage", "PERFORMER"), question

    # The customer names the performer: only one of the order (not responded yet: refused).
    assert talk(customer, order["id"])["code"] == "PERFORMER_REQUIRED"
    assert talk(customer, order["id"], me)["code"] == "NOT_FOUND"
    save_profile(one, "Исполнитель Один")
    responded = one.execute(RESPOND, {"o": order["id"], "m": "Сделаю", "p": None})
    assert responded["respondToPerformerOrder"]["__typename"] == "PerformerResponse"
    theirs = talk(customer, order["id"], me)
    assert theirs["conversationId"] == mine["conversationId"]
    assert [m["body"] for m in messages(customer, theirs["conversationId"])] == [
        "Какой срок сдачи макета?"
    ]
    answer = post(customer, theirs["conversationId"], "До пятницы.")
    assert answer["side"] == "CLIENT", answer
    assert [(m["side"], m["body"]) for m in messages(one, mine["conversationId"])] == [
        ("CLIENT", "До пятницы."),  # newest first
        ("PERFORMER", "Какой срок сдачи макета?"),
    ]
    # The firm's staff see it in the inbox, marked as the order's, with its performer.
    admin = login(a, world.drive.admin_a)
    listed = [
        e["node"]
        for e in admin.execute(CONVERSATIONS)["chatConversations"]["edges"]
        if e["node"]["id"] == mine["conversationId"]
    ]
    assert listed == [
        {
            "id": mine["conversationId"],
            "performerOrderId": order["id"],
            "performer": {"id": gid("Person", world.performer_1)},
            "organizationId": gid("ClientOrganization", world.drive.org_x),
        }
    ]
    # The performer's own list holds their conversation and nothing of the organization's.
    own = [e["node"]["id"] for e in one.execute(CONVERSATIONS)["chatConversations"]["edges"]]
    assert own == [mine["conversationId"]]

    # Another performer gets a conversation of their own and never reaches the first.
    other = talk(two, order["id"])
    assert other["conversationId"] != mine["conversationId"]
    assert talk(two, order["id"], me)["code"] == "NOT_FOUND"
    hidden = two.execute(MESSAGES, {"c": mine["conversationId"], "first": 5})["chatMessages"]
    assert hidden["edges"] == [], hidden  # a conversation out of sight matches nothing
    sent = post(two, mine["conversationId"], "Чужое")
    assert sent["__typename"] == "NotFoundError", sent
    # A contact of the organization without 'performers', and another firm, do not either.
    plain = login(a, world.plain_x)
    assert talk(plain, order["id"], me)["code"] == "NOT_FOUND"
    assert post(plain, mine["conversationId"], "Я тоже тут")["__typename"] == "NotFoundError"
    stranger = login(firms["b"], world.drive.admin_b)
    assert talk(stranger, order["id"], me)["code"] == "NOT_FOUND"
    with db_engine.connect() as conn:
        count = conn.execute(
            sa.text(
                f'SELECT count(*) FROM "tenant_{a.slug.replace("-", "_")}".chat_messages '
                "WHERE conversation_id = :c"
            ),
            {"c": pk(mine["conversationId"])},
        ).scalar_one()
    assert count == 2


async def test_the_performer_and_the_customer_hear_the_conversation_live(
    login: Any, firms: Any, world: PerformersWorld, live_server: Any
) -> None:
    a = firms["a"]
    customer = await asyncio.to_thread(login, a, world.customer_x)
    performer = await asyncio.to_thread(login, a, world.performer_2)
    bystander = await asyncio.to_thread(login, a, world.performer_ab)
    order = await asyncio.to_thread(publish, customer, world.drive.org_x, title="Иконки")
    opened = await asyncio.to_thread(talk, performer, order["id"])
    conversation = opened["conversationId"]
    sockets = [
        await open_socket(live_server.port, a.host, cookie(who))
        for who in (performer, customer, bystander)
    ]
    try:
        for ws in sockets:
            await subscribe(ws, {}, LIVE)
        await hub_listening()
        asked = await asyncio.to_thread(post, performer, conversation, "Нужен ли SVG?")
        event = await next_event(sockets[1], 5)  # the customer, granted 'performers'
        assert event is not None and event["messageId"] == asked["id"], event
        assert event["side"] == "PERFORMER"
        answered = await asyncio.to_thread(post, customer, conversation, "Да, и PNG.")
        for ws in sockets[:1]:
            seen = [await next_event(ws, 5), await next_event(ws, 5)]
            assert [e and e["messageId"] for e in seen] == [asked["id"], answered["id"]], seen
        assert await next_event(sockets[2], 1) is None  # another performer hears nothing
    finally:
        for ws in sockets:
            await ws.close()
