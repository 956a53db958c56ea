"""A service request's own conversation in the chat (issues 13, 14): the thread of a request
is a chat conversation linked to it (`ServiceRequest.conversationId`,
`ChatConversation.requestId`), `comments` answer from it, and its participants follow the
request's visibility (client contacts granted 'requests' in the organization, staff who see
it), not the chat's grant. The migration t_requests_5 moves existing comments into it."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from saas.settings import PROJECT_ROOT
from tests.support.chat import LIVE, messages, next_event, post
from tests.support.documents import make_contact, schema_of
from tests.support.firms import firm_today
from tests.support.ids import gid, pk
from tests.support.live import cookie, hub_listening, open_socket, subscribe
from tests.support.notifications import nodes
from tests.support.requests import (
    RequestsWorld,
    act,
    build_catalogs,
    comment,
    launch,
    requests_world,
)

LATER = (firm_today() + timedelta(days=90)).isoformat()
THREAD = """query($id: ID!) { serviceRequest(id: $id) { __typename
  ... on ServiceRequest { conversationId comments { id side body author { id } } } } }"""
INBOX = """{ chatConversations(first: 50) { edges { node { id requestId organizationId } } } }"""
MIGRATION = (
    PROJECT_ROOT
    / "saas"
    / "db"
    / "migrations"
    / "versions"
    / "tenant"
    / "0018_tenant_request_conversations.py"
)


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[RequestsWorld]:  # type: ignore[no-untyped-def]
    yield from requests_world(db_engine, firms)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {}


@pytest.fixture
def catalogs(login: Any, firms: Any, world: RequestsWorld, built: dict[str, Any]) -> dict[str, Any]:
    if not built:
        built.update(build_catalogs(login, firms, world))
    return built


def test_the_thread_is_the_requests_own_conversation_seen_by_its_participants(
    db_engine: sa.Engine, login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a, b = firms["a"], firms["b"]
    client = login(a, world.requester_x)
    manager = login(a, world.drive.manager_a)
    rid = launch(client, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"]
    assert client.execute(THREAD, {"id": rid})["serviceRequest"]["conversationId"] is None
    assert comment(client, rid, "Нужна за прошлый год")["side"] == "CLIENT"
    act(manager, "review", rid)
    act(manager, "reject", rid, comment="Уже выдана")
    thread = client.execute(THREAD, {"id": rid})["serviceRequest"]
    conversation = thread["conversationId"]
    assert conversation is not None
    assert [(c["side"], c["body"]) for c in thread["comments"]] == [
        ("CLIENT", "Нужна за прошлый год"),
        ("STAFF", "Уже выдана"),
        ("SYSTEM", "Задача отклонена исполнителем"),
    ]
    # The comments are the conversation's messages (the same ids, the same words).
    for viewer in (client, manager):
        seen = messages(viewer, conversation)
        assert [pk(m["id"]) for m in reversed(seen)] == [pk(c["id"]) for c in thread["comments"]]
        assert [m["body"] for m in reversed(seen)][:2] == ["Нужна за прошлый год", "Уже выдана"]
    linked = [
        e["node"]
        for e in manager.execute(INBOX)["chatConversations"]["edges"]
        if e["node"]["id"] == conversation
    ]
    assert linked == [
        {
            "id": conversation,
            "requestId": rid,
            "organizationId": gid("ClientOrganization", world.drive.org_x),
        }
    ]
    # Outside the request's visibility the conversation is not there: a contact of X without
    # the 'requests' grant (even holding 'chat'), a contact of Y, another firm's admin.
    chat_only = make_contact(db_engine, a, world.drive.org_x, ["chat"])
    for outsider in (
        login(a, world.silent_x),
        login(a, chat_only),
        login(a, world.requester_y),
        login(b, world.drive.admin_b),
    ):
        assert messages(outsider, conversation) == []
        edges = outsider.execute(INBOX).get("chatConversations") or {"edges": []}
        assert conversation not in [e["node"]["id"] for e in edges["edges"]]


def _migration(path: Path = MIGRATION) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_t_requests_5_moves_the_existing_comments_into_the_conversations(
    db_engine: sa.Engine, login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a = firms["a"]
    client = login(a, world.requester_x)
    rid = pk(launch(client, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"])
    migration = _migration()
    # A later revision changed the same index (t_performers_3): it goes down first and back up
    # last, as `saas migrate` would step through them.
    later = _migration(MIGRATION.parent / "0022_tenant_performer_conversations.py")
    with db_engine.connect() as conn:
        transaction = conn.begin()
        try:
            conn.execute(sa.text(f"SET LOCAL search_path TO {schema_of(a.slug)}, public"))
            operations = Operations(MigrationContext.configure(conn))
            original, later_original = migration.op, later.op
            migration.op = later.op = operations
            try:
                later.downgrade()
                migration.downgrade()  # the firm before the release: comments in their table
                conn.execute(sa.text("DELETE FROM service_request_comments"))
                conn.execute(
                    sa.text(
                        "INSERT INTO service_request_comments "
                        "(request_id, author_person_id, side, body, created_at) VALUES "
                        "(:r, :p, 'client', 'Старый вопрос', now() - interval '2 days'), "
                        "(:r, NULL, 'system', 'started', now() - interval '1 day')"
                    ),
                    {"r": rid, "p": world.requester_x},
                )
                migration.upgrade()
                later.upgrade()
            finally:
                migration.op, later.op = original, later_original
            rows = conn.execute(
                sa.text(
                    "SELECT m.author_side, m.kind, m.body, m.author_person_id, "
                    "v.last_message_id = m.id FROM chat_messages m "
                    "JOIN chat_conversations v ON v.id = m.conversation_id "
                    "WHERE v.request_id = :r ORDER BY m.id"
                ),
                {"r": rid},
            ).all()
            assert [tuple(r) for r in rows] == [
                ("client", "text", "Старый вопрос", world.requester_x, False),
                ("system", "system", "started", None, True),
            ]
            left = conn.execute(sa.text("SELECT count(*) FROM service_request_comments"))
            assert left.scalar_one() == 0
        finally:
            transaction.rollback()


async def test_live_events_of_a_requests_conversation_follow_the_requests_grant(
    db_engine: sa.Engine,
    login: Any,
    firms: Any,
    world: RequestsWorld,
    catalogs: dict[str, Any],
    live_server: Any,
) -> None:
    """chatMessageAdded over every conversation a contact may see: a message posted in a
    request's conversation reaches a contact granted 'requests' in the organization (without
    'chat'), never one granted only 'chat' there."""
    a = firms["a"]
    requester = await asyncio.to_thread(login, a, world.requester_x)
    manager = await asyncio.to_thread(login, a, world.drive.manager_a)
    chat_only = make_contact(db_engine, a, world.drive.org_x, ["chat"], "Только чат")
    chatter = await asyncio.to_thread(login, a, chat_only)
    rid = (
        await asyncio.to_thread(launch, requester, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)
    )["id"]
    await asyncio.to_thread(comment, requester, rid, "Открываю переписку")
    sockets = [
        await open_socket(live_server.port, a.host, cookie(who)) for who in (requester, chatter)
    ]
    try:
        for ws in sockets:
            await subscribe(ws, {}, LIVE)
        await hub_listening()
        thread = await asyncio.to_thread(requester.execute, THREAD, {"id": rid})
        conversation = thread["serviceRequest"]["conversationId"]
        sent = await asyncio.to_thread(post, manager, conversation, "Принято в работу")
        event = await next_event(sockets[0], 5)
        assert event is not None and event["messageId"] == sent["id"]
        assert await next_event(sockets[1], 1) is None  # 'chat' in X, no 'requests'
        # A comment through the requests API is a message of the conversation, live too.
        answer = await asyncio.to_thread(comment, manager, rid, "Готово к проверке")
        event = await next_event(sockets[0], 5)
        assert event is not None and pk(event["messageId"]) == pk(answer["id"])
    finally:
        for ws in sockets:
            await ws.close()


def test_a_reply_in_a_requests_conversation_notifies_its_participants_only(
    db_engine: sa.Engine,
    login: Any,
    firms: Any,
    world: RequestsWorld,
    catalogs: dict[str, Any],
) -> None:
    """The firm's answer in a request's conversation notifies the organization's contacts
    granted 'requests' (with its words), never a contact granted only 'chat' there, who cannot
    open the conversation and must not read its text in a notification."""
    a = firms["a"]
    requester = login(a, world.requester_x)
    manager = login(a, world.drive.manager_a)
    # Notifications show a contact those of organizations granting it 'reports' as well.
    chatter = login(a, make_contact(db_engine, a, world.drive.org_x, ["chat", "reports"], "Чат"))
    colleague = login(
        a, make_contact(db_engine, a, world.drive.org_x, ["requests", "reports"], "Заявки")
    )
    rid = launch(requester, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"]
    comment(requester, rid, "Когда будет готово?")  # opens the conversation
    conversation = requester.execute(THREAD, {"id": rid})["serviceRequest"]["conversationId"]
    words = f"Справка готова {rid[-6:]}"
    sent = post(manager, conversation, words)
    assert sent["__typename"] == "ChatMessage", sent

    def chat_messages(c: Any) -> list[dict[str, Any]]:
        return [n for n in nodes(c) if n["kind"] == "CHAT_MESSAGE" and words in n["text"]]

    # Its link opens the request in the client's cabinet.
    assert [n["link"] for n in chat_messages(colleague)] == [
        f"/cabinet/{world.drive.org_x}/requests/{quote(rid, safe='')}"
    ]
    assert chat_messages(chatter) == []
