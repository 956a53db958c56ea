"""A report's own conversation (issue 13): opened with `chatReportConversation(reportId)`,
linked to the report and to its organization; a rejection (the report "being fixed" by a
follow-up) writes its entry in the organization's conversation with a link to the report's
conversation, and in the report's conversation too; who may not see the organization's chat
does not find the report's, across organizations and firms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.chat import ChatWorld, chat_world, conversation_id, messages, post
from tests.support.ids import gid, pk
from tests.support.reports import new_report, record
from tests.support.waiting import eventually

REPORT_CONVERSATION = """query($r: ID!) { chatReportConversation(reportId: $r) { __typename
  ... on ChatConversation { id organizationId reportId }
  ... on Error { code } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[ChatWorld]:  # type: ignore[no-untyped-def]
    yield from chat_world(db_engine, firms)


def report_conversation(c: Any, report: str) -> dict[str, Any]:
    return c.execute(REPORT_CONVERSATION, {"r": report})["chatReportConversation"]


def test_a_report_has_its_own_conversation_linked_to_it(
    login: Any, firms: Any, world: ChatWorld
) -> None:
    a = firms["a"]
    admin = login(a, world.drive.admin_a)
    org = gid("ClientOrganization", world.drive.org_x)
    report = new_report(admin, org, formCode="vat", periodCode="Q2", periodYear=2026)["id"]

    opened = report_conversation(admin, report)
    assert opened["__typename"] == "ChatConversation", opened
    assert opened["reportId"] == report and opened["organizationId"] == org
    # Opened once: asked again, the same conversation; not the organization's own.
    assert report_conversation(admin, report)["id"] == opened["id"]
    assert opened["id"] != conversation_id(admin, world.drive.org_x)

    # The organization's chat participants talk in it: a contact with the chat grant...
    client = login(a, world.chatter_x)
    seen = report_conversation(client, report)
    assert seen["id"] == opened["id"], seen
    sent = post(client, opened["id"], "По этой декларации вопрос")
    assert sent["__typename"] == "ChatMessage", sent
    assert [m["body"] for m in messages(admin, opened["id"])][0] == "По этой декларации вопрос"
    # Search finds it as the report's conversation's (the cabinet opens that one).
    hits = admin.execute(
        """query($t: String!) { chatSearch(text: $t, first: 20) { edges { node {
          reportId message { id } } } } }""",
        {"t": "декларации вопрос"},
    )["chatSearch"]["edges"]
    hit = next(e["node"] for e in hits if e["node"]["message"]["id"] == sent["id"])
    assert hit["reportId"] == report, hit
    # The client too, who now sees two conversations (the organization's and this one): a
    # search narrowed to a viewer's one conversation (`only_conversation`) must not be.
    posted = post(client, conversation_id(client, world.drive.org_x), "Вопрос по декларации")
    mine = client.execute(
        """query($t: String!) { chatSearch(text: $t, first: 20) { edges { node {
          message { id } } } } }""",
        {"t": "декларации вопрос"},
    )["chatSearch"]["edges"]
    assert {sent["id"], posted["id"]} <= {e["node"]["message"]["id"] for e in mine}, mine

    # The firm's answer there notifies the client with a link to the report's conversation,
    # which the cabinet opens by the report's number.
    answer = post(admin, opened["id"], "Ответ по декларации")
    assert answer["__typename"] == "ChatMessage", answer
    query = "{ notifications(first: 20) { edges { node { kind body link } } } }"
    told = [
        e["node"]
        for e in client.execute(query)["notifications"]["edges"]
        if e["node"]["kind"] == "CHAT_MESSAGE" and "Ответ по декларации" in e["node"]["body"]
    ]
    path = f"/cabinet/{world.drive.org_x}/chat/report/{pk(report)}"
    assert told and told[0]["link"] == path, told
    assert report_conversation(client, str(pk(report)))["id"] == opened["id"]

    # ...but not a contact of the organization without it, one of another organization, or
    # another firm (the same refusal as a missing report).
    for person, firm in (
        (world.silent_x, a),
        (world.chatter_y, a),
        (world.drive.admin_b, firms["b"]),
    ):
        refused = report_conversation(login(firm, person), report)
        assert refused["__typename"] == "NotFoundError", (person, refused)


def test_being_fixed_links_the_organizations_entry_to_the_reports_conversation(
    login: Any, firms: Any, world: ChatWorld
) -> None:
    a = firms["a"]
    admin = login(a, world.drive.admin_a)
    org = gid("ClientOrganization", world.drive.org_x)
    report = new_report(admin, org, formCode="vat", periodCode="Q1", periodYear=2026)["id"]
    recorded = record(admin, report, "REJECTED", datetime(2026, 4, 27, 10, tzinfo=UTC))
    assert recorded["__typename"] == "ReportEventRecorded", recorded
    client = login(a, world.chatter_x)
    org_conversation = conversation_id(client, world.drive.org_x)

    def entry() -> dict[str, Any]:
        found = [
            m
            for m in messages(client, org_conversation, 20)
            if m["kind"] == "SYSTEM" and m["data"].get("reportId") == pk(report)
        ]
        assert found and "отклонён" in found[0]["body"], found
        return found[0]

    shown = eventually(entry, within=10, what="the rejection's entry")
    linked = report_conversation(client, report)
    assert linked["__typename"] == "ChatConversation", linked
    assert shown["data"]["reportConversationId"] == pk(linked["id"])
    in_report = [m for m in messages(client, linked["id"]) if m["kind"] == "SYSTEM"]
    assert in_report and in_report[0]["body"] == shown["body"], in_report

    # An acceptance opens no conversation of its own.
    other = new_report(admin, org, formCode="vat", periodCode="Q4", periodYear=2025)["id"]
    record(admin, other, "ACCEPTED", datetime(2026, 1, 23, 10, tzinfo=UTC))

    def acceptance() -> dict[str, Any]:
        found = [
            m
            for m in messages(client, org_conversation, 20)
            if m["kind"] == "SYSTEM" and m["data"].get("reportId") == pk(other)
        ]
        assert found, found
        return found[0]

    accepted = eventually(acceptance, within=10, what="the acceptance's entry")
    assert "reportConversationId" not in accepted["data"], accepted
