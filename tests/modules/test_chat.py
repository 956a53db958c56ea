"""The chat (issue 13) over GraphQL: who takes part (contacts holding the 'chat' grant, staff
of the organization, the firm admin everywhere), messages both ways with read state and
unread counts, append-only (the database refuses UPDATE and DELETE; a withdrawal within 10
minutes keeps the text for the audit), the inbox, an integrator's system entry, notifications."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from saas.jobs import enqueue
from saas.modules.notifications.jobs import send_notification_mails
from tests.support.chat import (
    ASSIGN,
    INBOX,
    MARK_READ,
    POST,
    UNREAD,
    WITHDRAW,
    ChatWorld,
    chat_world,
    conversation,
    conversation_id,
    messages,
    post,
)
from tests.support.documents import make_contact, schema_of
from tests.support.ids import gid, pk
from tests.support.jobs import live_worker
from tests.support.mail import messages_to, text_of
from tests.support.people import api_token, email_of
from tests.support.waiting import eventually

PREFERENCES_OFF = """mutation($p: [NotificationPreferenceInput!]!) {
  updateNotificationPreferences(preferences: $p) { __typename } }"""
NOTIFICATIONS = "{ notifications(first: 10) { edges { node { kind title } } } }"


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[ChatWorld]:  # type: ignore[no-untyped-def]
    yield from chat_world(db_engine, firms)


def test_a_client_and_the_manager_talk_with_read_state_and_unread_counts(
    login: Any, firms: Any, world: ChatWorld
) -> None:
    a = firms["a"]
    client = login(a, world.chatter_x)
    manager = login(a, world.drive.manager_a)
    conv = conversation_id(client, world.drive.org_x)
    assert conversation_id(manager, world.drive.org_x) == conv
    before = manager.execute(UNREAD)["chatUnreadCount"]

    sent = post(client, conv, "Добрый день! Прикладываю выписку за октябрь.")
    assert sent["__typename"] == "ChatMessage", sent
    assert (sent["side"], sent["kind"], sent["readByOtherSide"]) == ("CLIENT", "TEXT", False)
    assert sent["author"]["id"] == gid("Person", world.chatter_x)

    assert manager.execute(UNREAD)["chatUnreadCount"] == before + 1
    seen = conversation(manager, world.drive.org_x)
    assert seen["unreadCount"] >= 1 and seen["awaitingSince"] is not None
    assert seen["awaitingBusinessHours"] is not None
    assert messages(manager, conv)[0]["body"] == sent["body"]

    read = manager.execute(MARK_READ, {"c": conv})["markChatRead"]
    assert (read["__typename"], read["unreadCount"]) == ("ChatConversation", 0)
    assert messages(client, conv)[0]["readByOtherSide"] is True

    answer = post(manager, conv, "Спасибо, получили.")
    assert answer["side"] == "STAFF"
    assert conversation(manager, world.drive.org_x)["awaitingSince"] is None
    assert conversation(client, world.drive.org_x)["unreadCount"] == 1
    newest = messages(client, conv, 2)
    assert [m["body"] for m in newest] == ["Спасибо, получили.", sent["body"]]


def test_who_sees_which_conversation(login: Any, firms: Any, world: ChatWorld) -> None:
    a = firms["a"]
    admin = login(a, world.drive.admin_a)
    conv_x = conversation_id(admin, world.drive.org_x)
    conversation_id(admin, world.drive.org_y)  # opened (these organizations were raw rows)
    post(login(a, world.chatter_x), conv_x, "Только для нашей организации")
    # A contact without the grant sees nothing, not even that the conversation exists.
    silent = login(a, world.silent_x)
    assert conversation(silent, world.drive.org_x)["code"] == "NOT_FOUND"
    assert messages(silent, conv_x) == []
    assert silent.execute(INBOX)["chatConversations"]["edges"] == []
    assert post(silent, conv_x, "Можно?")["code"] == "NOT_FOUND"
    # Another organization's contact: the same.
    other = login(a, world.chatter_y)
    assert conversation(other, world.drive.org_x)["code"] == "NOT_FOUND"
    assert messages(other, conv_x) == []
    assert post(other, conv_x, "Чужая переписка")["code"] == "NOT_FOUND"
    orgs = {e["node"]["organizationId"] for e in other.execute(INBOX)["chatConversations"]["edges"]}
    assert orgs == {gid("ClientOrganization", world.drive.org_y)}
    # Firm B's admin: nothing of firm A.
    outsider = login(firms["b"], world.drive.admin_b)
    assert messages(outsider, conv_x) == []
    assert post(outsider, conv_x, "Hello")["code"] in ("NOT_FOUND", "INVALID_ID")


def test_messages_are_append_only(
    login: Any, firms: Any, world: ChatWorld, db_engine: sa.Engine
) -> None:
    a = firms["a"]
    client = login(a, world.chatter_x)
    conv = conversation_id(client, world.drive.org_x)
    sent = post(client, conv, "Ошибся адресатом")
    schema = schema_of(a.slug)
    for statement in (
        f"UPDATE {schema}.chat_messages SET body = 'подмена' WHERE id = :id",
        f"UPDATE {schema}.chat_messages SET created_at = now() - interval '1 day' WHERE id = :id",
        f"DELETE FROM {schema}.chat_messages WHERE id = :id",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_engine.begin() as conn:
            conn.execute(sa.text(statement), {"id": pk(sent["id"])})
    # Someone else cannot withdraw it; the sender can, within 10 minutes.
    refused = login(a, world.drive.manager_a).execute(WITHDRAW, {"id": sent["id"]})
    assert refused["withdrawChatMessage"]["code"] == "NOT_SENDER"
    withdrawn = client.execute(WITHDRAW, {"id": sent["id"]})["withdrawChatMessage"]
    assert withdrawn["withdrawnAt"] is not None and withdrawn["body"] is None
    with db_engine.connect() as conn:
        kept = conn.execute(
            sa.text(f"SELECT body FROM {schema}.chat_messages WHERE id = :id"),
            {"id": pk(sent["id"])},
        ).scalar_one()
        audited = conn.execute(
            sa.text(
                f"SELECT data FROM {schema}.audit_log WHERE action = 'chat.message_withdrawn' "
                "AND object_id = :id"
            ),
            {"id": str(pk(sent["id"]))},
        ).scalar_one()
    assert kept == "Ошибся адресатом" and "Ошибся адресатом" in str(audited)
    # A withdrawn message cannot be withdrawn back: the trigger refuses clearing the stamp.
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_engine.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE {schema}.chat_messages SET withdrawn_at = NULL WHERE id = :id"),
            {"id": pk(sent["id"])},
        )
    # Eleven minutes old: too late.
    with db_engine.begin() as conn:
        old = conn.execute(
            sa.text(
                f"INSERT INTO {schema}.chat_messages (conversation_id, author_person_id, "
                "author_side, kind, body, created_at) VALUES (:c, :p, 'client', 'text', "
                "'Старое', now() - interval '11 minutes') RETURNING id"
            ),
            {"c": pk(conv), "p": world.chatter_x},
        ).scalar_one()
    late = client.execute(WITHDRAW, {"id": gid("ChatMessage", old)})["withdrawChatMessage"]
    assert late["code"] == "TOO_LATE" and "10" in late["message"]
    too_long = post(client, conv, "я" * 10_001)
    assert (too_long["__typename"], too_long["code"]) == ("ValidationError", "TOO_LONG")


def test_the_inbox_awaiting_filter_and_assignment(login: Any, firms: Any, world: ChatWorld) -> None:
    a = firms["a"]
    admin = login(a, world.drive.admin_a)
    conv_y = conversation_id(admin, world.drive.org_y)
    post(login(a, world.chatter_y), conv_y, "Когда будет готов баланс?")
    awaiting = admin.execute(INBOX, {"awaiting": True})["chatConversations"]["edges"]
    found = {e["node"]["id"]: e["node"] for e in awaiting}
    assert conv_y in found and found[conv_y]["awaitingBusinessHours"] is not None
    # Unread first: the conversation just written to leads the admin's inbox.
    inbox = admin.execute(INBOX)["chatConversations"]["edges"]
    assert inbox[0]["node"]["unreadCount"] >= 1
    by_manager = admin.execute(INBOX, {"manager": gid("Person", world.drive.manager_a)})
    assert conv_y in {e["node"]["id"] for e in by_manager["chatConversations"]["edges"]}
    assigned = admin.execute(ASSIGN, {"c": conv_y, "a": gid("Person", world.drive.moderator_a)})
    assert assigned["assignChatConversation"]["assignee"]["id"] == gid(
        "Person", world.drive.moderator_a
    )
    mine = admin.execute(INBOX, {"assignee": gid("Person", world.drive.moderator_a)})
    assert [e["node"]["id"] for e in mine["chatConversations"]["edges"]] == [conv_y]
    not_staff = admin.execute(ASSIGN, {"c": conv_y, "a": gid("Person", world.chatter_y)})
    assert not_staff["assignChatConversation"]["__typename"] != "ChatConversation"
    # A client cannot assign.
    by_client = login(a, world.chatter_y).execute(ASSIGN, {"c": conv_y, "a": None})
    assert by_client["assignChatConversation"]["__typename"] == "ForbiddenError"


def test_an_integrator_posts_a_system_entry_and_the_client_is_notified(
    client: Any, login: Any, firms: Any, world: ChatWorld, db_engine: sa.Engine
) -> None:
    a = firms["a"]
    integrator = client(a.host, token=api_token(db_engine, a.id))
    conv = conversation_id(login(a, world.drive.admin_a), world.drive.org_x)
    # An integrator names the organization (it reads no conversations: chat:write only).
    entry = integrator.execute(
        POST,
        {
            "input": {
                "organizationId": gid("ClientOrganization", world.drive.org_x),
                "body": "Документы приняты в обработку (1С)",
            }
        },
    )["postChatMessage"]
    assert (entry["side"], entry["kind"], entry["author"]) == ("SYSTEM", "SYSTEM", None)
    assert entry["conversationId"] == conv
    customer = login(a, world.chatter_x)
    assert messages(customer, conv)[0]["body"] == "Документы приняты в обработку (1С)"
    notes = customer.execute("{ notifications(first: 5) { edges { node { kind title } } } }")
    kinds = [e["node"]["kind"] for e in notes["notifications"]["edges"]]
    assert "CHAT_MESSAGE" in kinds
    # A token without chat:write (a read-only auditor token) is refused.
    auditor = client(a.host, token=api_token(db_engine, a.id, "auditor"))
    refused = auditor.raw(
        "mutation($i: PostChatMessageInput!) { postChatMessage(input: $i) { __typename } }",
        {"i": {"conversationId": conv, "body": "x"}},
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_message_is_mailed_in_the_batch_unless_the_person_switched_it_off(
    login: Any,
    firms: Any,
    world: ChatWorld,
    db_engine: sa.Engine,
    live_server: Any,
    settings: Any,
) -> None:
    a = firms["a"]
    talking = make_contact(db_engine, a, world.drive.org_y, ["chat"], name="Почта")
    muted = make_contact(db_engine, a, world.drive.org_y, ["chat"], name="Без почты")
    off = login(a, muted).execute(
        PREFERENCES_OFF, {"p": [{"kind": "CHAT_MESSAGE", "email": False}]}
    )
    assert off["updateNotificationPreferences"]["__typename"] == "NotificationPreferencesUpdated"
    manager = login(a, world.drive.manager_a)
    conv = conversation_id(manager, world.drive.org_y)
    post(manager, conv, "Напоминаем: выписку за ноябрь пришлите до 5 декабря")
    to_talking, to_muted = email_of(db_engine, talking), email_of(db_engine, muted)
    with live_worker(live_server):
        asyncio.run(enqueue(a.id, send_notification_mails))
        [mail] = eventually(
            lambda: messages_to(settings, to_talking), within=30, what="the chat's e-mail"
        )
        assert "Новое сообщение в чате" in text_of(mail) and "выписку за ноябрь" in text_of(mail)
        assert messages_to(settings, to_muted) == []
    kinds = [
        e["node"]["kind"] for e in login(a, muted).execute(NOTIFICATIONS)["notifications"]["edges"]
    ]
    assert "CHAT_MESSAGE" in kinds  # in-app all the same


def test_a_staff_members_chat_notification_opens_the_conversation(
    login: Any, firms: Any, world: ChatWorld
) -> None:
    """The bell's link of a chat notification leads staff to the conversation's page
    (`/chat/<organization>`) and a client to its cabinet's chat."""
    a = firms["a"]
    client, manager = login(a, world.chatter_y), login(a, world.drive.manager_a)
    sent = post(client, conversation_id(client, world.drive.org_y), "Вопрос по зарплате")
    assert sent["__typename"] == "ChatMessage", sent
    query = "{ notifications(first: 20) { edges { node { kind body link } } } }"
    told = [
        e["node"]
        for e in manager.execute(query)["notifications"]["edges"]
        if e["node"]["kind"] == "CHAT_MESSAGE" and "Вопрос по зарплате" in e["node"]["body"]
    ]
    assert told and told[0]["link"] == f"/chat/{world.drive.org_y}", told
    answer = post(manager, conversation_id(manager, world.drive.org_y), "Ответ по зарплате")
    assert answer["__typename"] == "ChatMessage", answer
    back = [
        e["node"]
        for e in client.execute(query)["notifications"]["edges"]
        if e["node"]["kind"] == "CHAT_MESSAGE" and "Ответ по зарплате" in e["node"]["body"]
    ]
    assert back and back[0]["link"] == f"/cabinet/{world.drive.org_y}/chat", back
