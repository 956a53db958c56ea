"""The chat's files, search, page cost, live delivery and report entries (issue 13): a
client's attachment lands in "From client" and staff's in "For client" with logged downloads;
the Russian full-text search finds word forms; a page costs the same statements whatever its
size; `chatMessageAdded` arrives over a WebSocket and `since` replays what was missed; a
report's status change appears as a system entry."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.announcements import announced
from tests.support.chat import (
    LIVE,
    MARK_READ,
    MESSAGES,
    SEARCH,
    ChatWorld,
    chat_world,
    conversation_id,
    messages,
    next_event,
    post,
)
from tests.support.documents import (
    PDF,
    b64,
    fetch,
    folders,
    link,
    make_contact,
    schema_of,
    upload,
)
from tests.support.ids import gid, pk
from tests.support.live import cookie, hub_listening, open_socket, subscribe
from tests.support.reports import new_report, record
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[ChatWorld]:  # type: ignore[no-untyped-def]
    yield from chat_world(db_engine, firms)


def folder_of(db_engine: sa.Engine, slug: str, file_id: str) -> str:
    with db_engine.connect() as conn:
        return str(
            conn.execute(
                sa.text(
                    f"SELECT d.system_kind FROM {schema_of(slug)}.drive_files f "
                    f"JOIN {schema_of(slug)}.drive_folders d ON d.id = f.folder_id "
                    "WHERE f.id = :f"
                ),
                {"f": pk(file_id)},
            ).scalar_one()
        )


def test_attachments_land_in_the_direction_folders_and_downloads_are_logged(
    login: Any, firms: Any, world: ChatWorld, db_engine: sa.Engine
) -> None:
    a = firms["a"]
    client, manager = login(a, world.chatter_x), login(a, world.drive.manager_a)
    conv = conversation_id(client, world.drive.org_x)
    sent = post(
        client,
        conv,
        "Выписка во вложении",
        files=[{"filename": "выписка.pdf", "contentBase64": b64(PDF)}],
    )
    assert sent["__typename"] == "ChatMessage", sent
    [attached] = sent["files"]
    assert attached["name"] == "выписка.pdf"
    assert folder_of(db_engine, a.slug, attached["fileId"]) == "from_client"
    answer = post(
        manager, conv, "Акт сверки", files=[{"filename": "акт.pdf", "contentBase64": b64(PDF)}]
    )
    assert folder_of(db_engine, a.slug, answer["files"][0]["fileId"]) == "for_client"
    # Executables are refused by the drive's checks; nothing is posted.
    refused = post(
        client, conv, "x", files=[{"filename": "a.exe", "contentBase64": b64(b"MZ" + b"\0" * 64)}]
    )
    assert refused["__typename"] == "ValidationError", refused
    # An existing file of the organization, by id; a file of another organization is refused.
    again = post(manager, conv, "Ещё раз", fileIds=[attached["fileId"]])
    assert [f["fileId"] for f in again["files"]] == [attached["fileId"]]
    # The page shows the files; the manager downloads the client's file: the fetch is logged.
    assert messages(manager, conv)[0]["files"] == again["files"]
    got = link(manager, attached["fileId"])
    assert got["__typename"] == "DownloadLink", got
    assert fetch(manager, got["url"]).content == PDF
    with db_engine.connect() as conn:
        actions = (
            conn.execute(
                sa.text(
                    f"SELECT action FROM {schema_of(a.slug)}.drive_access_log WHERE file_id = :f"
                ),
                {"f": pk(attached["fileId"])},
            )
            .scalars()
            .all()
        )
    assert "download" in actions
    # The client without the chat grant cannot attach to the conversation either.
    silent = login(a, world.silent_x)
    assert post(silent, conv, "", fileIds=[attached["fileId"]])["code"] == "NOT_FOUND"


ORIGIN = """query($id: ID!) { node(id: $id) { ... on DriveFile { name
  origin { module description at } } } }"""


def test_the_drive_shows_a_chat_attachment_came_from_the_chat(
    login: Any, firms: Any, world: ChatWorld
) -> None:
    a = firms["a"]
    client, manager = login(a, world.chatter_x), login(a, world.drive.manager_a)
    conv = conversation_id(client, world.drive.org_x)
    sent = post(client, conv, "Счёт", files=[{"filename": "счёт.pdf", "contentBase64": b64(PDF)}])
    answer = post(
        manager, conv, "Ответ", files=[{"filename": "ответ.pdf", "contentBase64": b64(PDF)}]
    )
    plain = upload(manager, folders(manager, world.drive.org_x)["FOR_CLIENT"], "план.pdf", PDF)

    def origin(file_id: str, **kw: Any) -> Any:
        return manager.execute(ORIGIN, {"id": file_id}, **kw)["node"]["origin"]

    from_client = origin(sent["files"][0]["fileId"])
    assert from_client["module"] == "chat", from_client
    assert from_client["description"] == "Прислан клиентом в чате"
    assert from_client["at"] == sent["createdAt"]
    to_client = origin(answer["files"][0]["fileId"], headers={"Accept-Language": "en"})
    assert to_client["description"] == "Sent to the client in the chat", to_client
    # A file uploaded to the drive itself has no origin.
    assert origin(plain["id"]) is None


def test_search_finds_word_forms_and_file_names_in_visible_conversations(
    login: Any, firms: Any, world: ChatWorld
) -> None:
    a = firms["a"]
    client = login(a, world.chatter_x)
    conv = conversation_id(client, world.drive.org_x)
    said = post(client, conv, "Когда будет готова декларация по НДС за третий квартал?")
    found = client.execute(SEARCH, {"text": "декларации"})["chatSearch"]["edges"]
    hit = next(e["node"] for e in found if e["node"]["message"]["id"] == said["id"])
    assert any(p["match"] and p["text"].lower() == "декларация" for p in hit["fragments"])
    assert "".join(p["text"] for p in hit["fragments"]).startswith("Когда")
    # English words too, in their forms: "declaration" finds "declarations".
    english = post(client, conv, "The VAT declarations for Q3 are attached")
    found = client.execute(SEARCH, {"text": "declaration"})["chatSearch"]["edges"]
    hit = next(e["node"] for e in found if e["node"]["message"]["id"] == english["id"])
    assert any(p["match"] and p["text"] == "declarations" for p in hit["fragments"]), hit
    by_file = client.execute(SEARCH, {"text": "выписка"})["chatSearch"]["edges"]
    assert by_file, "a file name matches"
    # The other organization's contact finds nothing of it.
    other = login(a, world.chatter_y)
    edges = other.execute(SEARCH, {"text": "декларации"})["chatSearch"]["edges"]
    assert said["id"] not in {e["node"]["message"]["id"] for e in edges}
    too_short = client.raw(SEARCH, {"text": "  "})
    assert too_short["errors"][0]["extensions"]["code"] == "EMPTY"


def test_a_page_costs_the_same_statements_whatever_its_size(
    login: Any, firms: Any, world: ChatWorld, live_server: Any
) -> None:
    a = firms["a"]
    manager = login(a, world.drive.manager_a)
    conv = conversation_id(manager, world.drive.org_y)
    for n in range(55):
        files = [{"filename": f"файл-{n}.pdf", "contentBase64": b64(PDF)}] if n % 10 == 0 else []
        post(manager, conv, f"Сообщение {n}", files=files)
    manager.execute(MESSAGES, {"c": conv, "first": 5})  # warm: the session, the policy
    engine = live_server.app.state.services.engine.sync_engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    announced()  # earlier writes' announcements run after their answers
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        sizes = {}
        for first in (5, 50):
            statements.clear()
            page = manager.execute(MESSAGES, {"c": conv, "first": first})["chatMessages"]
            assert len(page["edges"]) == first
            assert any(e["node"]["files"] for e in page["edges"])
            sizes[first] = [s for s in statements if "chat_" in s]
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(sizes[5]) == len(sizes[50]) <= 2, sizes


async def test_messages_arrive_live_and_since_replays_what_was_missed(
    login: Any, firms: Any, world: ChatWorld, live_server: Any
) -> None:
    a = firms["a"]
    client = await asyncio.to_thread(login, a, world.chatter_x)
    manager = await asyncio.to_thread(login, a, world.drive.manager_a)
    outsider = await asyncio.to_thread(login, a, world.chatter_y)
    conv = await asyncio.to_thread(conversation_id, client, world.drive.org_x)
    watching = await open_socket(live_server.port, a.host, cookie(manager))
    other = await open_socket(live_server.port, a.host, cookie(outsider))
    try:
        await subscribe(watching, {"c": conv}, LIVE)
        await subscribe(other, {}, LIVE)
        await hub_listening()
        sent = await asyncio.to_thread(post, client, conv, "Вы здесь?")
        event = await next_event(watching, 5)
        assert event is not None and event["messageId"] == sent["id"]
        assert (event["side"], event["conversationId"]) == ("CLIENT", conv)
        assert await next_event(other, 0.7) is None  # another organization's contact
    finally:
        await watching.close()
        await other.close()
    # Missed while away: a new socket with `since` replays it first.
    missed = await asyncio.to_thread(post, client, conv, "Пока вас не было")
    back = await open_socket(live_server.port, a.host, cookie(manager))
    try:
        await subscribe(back, {"c": conv, "since": event["sequence"]}, LIVE)
        replayed = await next_event(back, 5)
        assert replayed is not None and replayed["messageId"] == missed["id"]
    finally:
        await back.close()


async def test_a_shared_audience_still_decides_per_subscriber(
    login: Any, firms: Any, world: ChatWorld, live_server: Any
) -> None:
    """The process shares one grants entry per (person, organizations) among its subscribers
    (LiveGrants of 'chat'): a contact of the same organization without the 'chat' grant and a
    contact of another organization, subscribed to every conversation they may see beside one
    who may, get nothing of it, on the first message and on the next (served from the
    shared entry)."""
    a = firms["a"]
    chatter = await asyncio.to_thread(login, a, world.chatter_x)
    silent = await asyncio.to_thread(login, a, world.silent_x)
    outsider = await asyncio.to_thread(login, a, world.chatter_y)
    conv = await asyncio.to_thread(conversation_id, chatter, world.drive.org_x)
    sockets = [
        await open_socket(live_server.port, a.host, cookie(who))
        for who in (chatter, silent, outsider)
    ]
    try:
        for ws in sockets:
            await subscribe(ws, {}, LIVE)
        await hub_listening()
        for text in ("Первое", "Второе"):
            sent = await asyncio.to_thread(post, chatter, conv, text)
            event = await next_event(sockets[0], 5)
            assert event is not None and event["messageId"] == sent["id"]
            assert await next_event(sockets[1], 0.5) is None  # no 'chat' grant in X
            assert await next_event(sockets[2], 0.5) is None  # another organization's
    finally:
        for ws in sockets:
            await ws.close()


async def test_a_lost_chat_grant_stops_the_shared_audiences_events(
    login: Any, firms: Any, world: ChatWorld, live_server: Any, db_engine: sa.Engine
) -> None:
    """The shared grants entry is dropped when grants change (NOTIFY, saas.auth.live): a
    contact whose 'chat' grant is taken away while subscribed gets the next message no more."""
    a = firms["a"]
    person = make_contact(db_engine, a, world.drive.org_x, ["chat", "documents"], "Временный")
    client = await asyncio.to_thread(login, a, person)
    admin = await asyncio.to_thread(login, a, world.drive.admin_a)
    conv = await asyncio.to_thread(conversation_id, admin, world.drive.org_x)
    ws = await open_socket(live_server.port, a.host, cookie(client))
    try:
        await subscribe(ws, {}, LIVE)
        await hub_listening()
        sent = await asyncio.to_thread(post, admin, conv, "Пока видно")
        event = await next_event(ws, 5)
        assert event is not None and event["messageId"] == sent["id"]
        with db_engine.connect() as conn:
            contact = conn.execute(
                sa.text(
                    f"SELECT id FROM {schema_of(a.slug)}.client_contacts "
                    "WHERE person_id = :p AND organization_id = :o"
                ),
                {"p": person, "o": world.drive.org_x},
            ).scalar_one()
        revoked = await asyncio.to_thread(
            admin.execute,
            "mutation($c: ID!) { setContactGrants(contactId: $c, grants: [DOCUMENTS]) "
            "{ __typename } }",
            {"c": gid("ClientContact", contact)},
        )
        assert revoked["setContactGrants"]["__typename"] == "ClientContact", revoked
        await asyncio.sleep(0.3)  # the notification's way
        await asyncio.to_thread(post, admin, conv, "Уже не видно")
        assert await next_event(ws, 1.0) is None
    finally:
        await ws.close()


READS = """subscription($c: ID) { chatReadChanged(conversationId: $c) {
  sequence conversationId personId side lastReadMessageId } }"""


async def test_the_sender_sees_its_message_read_live(
    login: Any, firms: Any, world: ChatWorld, live_server: Any
) -> None:
    a = firms["a"]
    client = await asyncio.to_thread(login, a, world.chatter_x)
    manager = await asyncio.to_thread(login, a, world.drive.manager_a)
    conv = await asyncio.to_thread(conversation_id, manager, world.drive.org_x)
    said = await asyncio.to_thread(post, manager, conv, "Посмотрите, пожалуйста, акт")
    ws = await open_socket(live_server.port, a.host, cookie(manager))
    try:
        await subscribe(ws, {"c": conv}, READS)
        await hub_listening()
        read = await asyncio.to_thread(client.execute, MARK_READ, {"c": conv})
        assert read["markChatRead"]["unreadCount"] == 0, read
        event = await next_event(ws, 5, "chatReadChanged")
        assert event is not None
        assert (event["side"], event["personId"]) == ("CLIENT", gid("Person", world.chatter_x))
        assert pk(event["lastReadMessageId"]) >= pk(said["id"])
    finally:
        await ws.close()


def test_a_report_status_change_is_a_system_entry(login: Any, firms: Any, world: ChatWorld) -> None:
    a = firms["a"]
    admin = login(a, world.drive.admin_a)
    org = gid("ClientOrganization", world.drive.org_x)
    report = new_report(admin, org, formCode="vat", periodCode="Q3", periodYear=2026)
    assert report.get("id"), report
    recorded = record(admin, report["id"], "ACCEPTED", datetime(2026, 10, 21, 10, tzinfo=UTC))
    assert recorded["__typename"] == "ReportEventRecorded", recorded
    client = login(a, world.chatter_x)
    conv = conversation_id(client, world.drive.org_x)

    def entry() -> dict[str, Any]:
        found = [m for m in messages(client, conv, 10) if m["kind"] == "SYSTEM"]
        assert found and "принят" in found[0]["body"], found
        return found[0]

    shown = eventually(entry, within=10, what="the report's system entry")
    assert shown["side"] == "SYSTEM" and "НДС" in shown["body"] and "3 кв. 2026" in shown["body"]
    assert shown["data"]["status"] == "accepted"


def test_a_contact_with_only_the_chat_grant_attaches_files_to_from_client(
    login: Any, firms: Any, world: ChatWorld, db_engine: sa.Engine
) -> None:
    a = firms["a"]
    only_chat = login(a, make_contact(db_engine, a, world.drive.org_x, ["chat"]))
    conv = conversation_id(only_chat, world.drive.org_x)
    sent = post(
        only_chat,
        conv,
        "Счёт от поставщика",
        files=[{"filename": "счёт.pdf", "contentBase64": b64(PDF)}],
    )
    assert sent["__typename"] == "ChatMessage", sent
    assert folder_of(db_engine, a.slug, sent["files"][0]["fileId"]) == "from_client"
    # The chat grant does not open the drive itself: its folders stay closed to this contact.
    drive = only_chat.execute(
        "query($o: ID!) { drive(organizationId: $o) { __typename ... on Error { code } } }",
        {"o": gid("ClientOrganization", world.drive.org_x)},
    )["drive"]
    assert drive["__typename"] != "Drive" and drive["code"] in ("FORBIDDEN", "NOT_FOUND"), drive
