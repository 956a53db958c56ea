"""Chat marks over GraphQL/HTTP: a call, letter or visit (date, note) and a paid service
connected or disconnected (service, price, from date) posted by staff with `chat:write`,
shown in the conversation as MARK messages, listed and filtered for settlements; the checks
and refusals; the firm's notice setting."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.client import GraphQLClient
from tests.support.people import open_session, session_client
from tests.support.reports import World, build_world

ERR = "... on Error { code message } ... on ValidationError { field }"
MARK = "id kind date note serviceName price text organizationId messageId markedBy { email }"
POST = f"""mutation($org: ID!, $input: ChatMarkInput!) {{
  postChatMark(organizationId: $org, input: $input) {{
    __typename ... on ChatMark {{ {MARK} }} {ERR} }} }}"""
LIST = f"""query($org: ID, $kinds: [ChatMarkKind!], $from: Date, $to: Date) {{
  chatMarks(organizationId: $org, kinds: $kinds, from: $from, to: $to) {{
    edges {{ node {{ {MARK} }} }} }} }}"""
CONVERSATION = """query($org: ID!) { chatConversation(organizationId: $org) {
  __typename ... on ChatConversation { id } } }"""
MESSAGES = """query($c: ID!) { chatMessages(conversationId: $c, first: 50) {
  edges { node { id kind side data } } } }"""
SETTINGS = "{ chatNoticeSettings { reminderBusinessDays } }"
UPDATE = f"""mutation($d: Int!) {{ updateChatNoticeSettings(reminderBusinessDays: $d) {{
  __typename ... on ChatNoticeSettings {{ reminderBusinessDays }} {ERR} }} }}"""


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


@pytest.fixture(scope="module")
def manager(db_engine, firms, live_server, world) -> GraphQLClient:  # type: ignore[no-untyped-def]
    a = firms["a"]
    return session_client(
        live_server.url, a.host, *open_session(db_engine, world.manager_a_id, a.id)
    )


def data_of(message: dict[str, Any]) -> dict[str, Any]:
    """A message's `data` (JSON: an object, or its text)."""
    data = message["data"]
    return json.loads(data) if isinstance(data, str) else dict(data)


def post(c: GraphQLClient, org: str, **mark: Any) -> dict[str, Any]:
    return c.execute(POST, {"org": org, "input": mark})["postChatMark"]


def test_marks_appear_in_the_conversation_and_list_for_settlements(
    world: World, manager: GraphQLClient
) -> None:
    call = post(manager, world.org1, kind="CALL", date="2026-11-30", note="Спросили про УСН")
    assert call["__typename"] == "ChatMark", call
    assert (call["kind"], call["date"], call["note"]) == ("CALL", "2026-11-30", "Спросили про УСН")
    assert call["text"] == "Входящий звонок 30.11.2026: Спросили про УСН"
    service = post(
        manager,
        world.org1,
        kind="SERVICE_CONNECTED",
        date="2027-01-01",
        serviceName="Кадровый учёт",
        price="3 000,50",
    )
    assert service["__typename"] == "ChatMark", service
    assert (service["serviceName"], service["price"]) == ("Кадровый учёт", "3000.50")
    assert (
        service["text"]
        == "Подключена платная услуга «Кадровый учёт» с 01.01.2027, 3\u00a0000,50\u00a0₽"
    )
    english = manager.execute(
        LIST,
        {"org": world.org1, "kinds": ["SERVICE_CONNECTED"]},
        headers={"accept-language": "en"},
    )["chatMarks"]["edges"]
    assert [e["node"]["id"] for e in english] == [service["id"]]
    assert english[0]["node"]["text"] == (
        'Paid service connected "Кадровый учёт" from 2027-01-01, RUB 3000.50'
    )

    # The client sees them in the conversation, as MARK messages with their fields.
    conversation = world.client1.execute(CONVERSATION, {"org": world.org1})["chatConversation"]
    messages = world.client1.execute(MESSAGES, {"c": conversation["id"]})["chatMessages"]
    marks = {
        e["node"]["id"]: data_of(e["node"])
        for e in messages["edges"]
        if e["node"]["kind"] == "MARK"
    }
    assert {
        marks[call["messageId"]]["mark"],
        marks[service["messageId"]]["mark"],
    } == {
        "call",
        "service_connected",
    }
    assert marks[service["messageId"]]["price"] == "3000.50"

    # The list: by period of the marks' own dates, and only what the viewer sees.
    december = manager.execute(LIST, {"org": world.org1, "from": "2026-11-01", "to": "2026-11-30"})
    assert [e["node"]["id"] for e in december["chatMarks"]["edges"]] == [call["id"]]
    every = manager.execute(LIST, {})["chatMarks"]["edges"]
    assert {call["id"], service["id"]} <= {e["node"]["id"] for e in every}
    assert world.admin_b.execute(LIST, {})["chatMarks"]["edges"] == []
    refused = world.client1.raw(LIST, {"org": world.org1})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_mark_checks_and_refusals(world: World, manager: GraphQLClient) -> None:
    future = post(manager, world.org2, kind="VISIT", date="2099-01-01")
    assert (future["__typename"], future["code"], future["field"]) == (
        "ValidationError",
        "INVALID_DATE",
        "date",
    )
    no_price = post(
        manager, world.org2, kind="SERVICE_DISCONNECTED", date="2027-02-01", serviceName="Аудит"
    )
    assert (no_price["code"], no_price["field"]) == ("INVALID_PRICE", "price")
    no_name = post(manager, world.org2, kind="SERVICE_CONNECTED", date="2027-02-01", price="100")
    assert (no_name["code"], no_name["field"]) == ("REQUIRED", "service")
    long_note = post(manager, world.org2, kind="LETTER", date="2026-11-02", note="я" * 501)
    assert (long_note["code"], long_note["field"]) == ("TOO_LONG", "note")
    # A client cannot mark; another firm's organization names nothing.
    client = world.client2.raw(
        POST, {"org": world.org2, "input": {"kind": "CALL", "date": "2026-11-02"}}
    )
    assert client["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    foreign = post(world.admin_b, world.org2, kind="CALL", date="2026-11-02")
    assert foreign["__typename"] == "NotFoundError"


def test_the_firm_sets_the_reminder_delay(world: World, manager: GraphQLClient) -> None:
    # The world's firm A is shared: set the value back at the end.
    assert world.admin_a.execute(SETTINGS)["chatNoticeSettings"] == {"reminderBusinessDays": 2}
    try:
        bad = world.admin_a.execute(UPDATE, {"d": 0})["updateChatNoticeSettings"]
        assert (bad["__typename"], bad["code"]) == ("ValidationError", "INVALID_DAYS")
        done = world.admin_a.execute(UPDATE, {"d": 3})["updateChatNoticeSettings"]
        assert done == {"__typename": "ChatNoticeSettings", "reminderBusinessDays": 3}
        refused = manager.raw(UPDATE, {"d": 5})
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    finally:
        world.admin_a.execute(UPDATE, {"d": 2})
