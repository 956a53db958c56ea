"""The chat for tests: its personas (`chat_world`: the drive's world plus contacts holding
the 'chat' grant) and its GraphQL calls.

    @pytest.fixture(scope="module")
    def world(db_engine, firms) -> Iterator[ChatWorld]:
        yield from chat_world(db_engine, firms)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tests.support.client import GraphQLClient
from tests.support.documents import World, drive_world, make_contact
from tests.support.ids import gid


@dataclass(frozen=True)
class ChatWorld:
    drive: World
    chatter_x: int  # chat + documents + upload in X
    chatter_y: int  # chat + documents + upload in Y
    silent_x: int  # documents only in X: no chat


def chat_world(db_engine: sa.Engine, firms: dict[str, Any]) -> Iterator[ChatWorld]:
    a = firms["a"]
    for drive in drive_world(db_engine, firms):
        yield ChatWorld(
            drive=drive,
            chatter_x=make_contact(db_engine, a, drive.org_x, ["chat", "documents", "upload"]),
            chatter_y=make_contact(db_engine, a, drive.org_y, ["chat", "documents", "upload"]),
            silent_x=make_contact(db_engine, a, drive.org_x, ["documents", "upload"]),
        )


ERR = "... on Error { code message } ... on ValidationError { field }"
MESSAGE = """id side kind body data createdAt withdrawnAt readByOtherSide conversationId
  author { id } files { fileId name }"""
CONVERSATION = f"""query($org: ID!) {{ chatConversation(organizationId: $org) {{ __typename
  ... on ChatConversation {{ id organizationId organizationName unreadCount awaitingSince
    awaitingBusinessHours lastMessageAt assignee {{ id }} }} {ERR} }} }}"""
MESSAGES = f"""query($c: ID!, $first: Int, $after: String) {{
  chatMessages(conversationId: $c, first: $first, after: $after) {{
    edges {{ cursor node {{ {MESSAGE} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
POST = f"""mutation($input: PostChatMessageInput!) {{ postChatMessage(input: $input) {{
  __typename ... on ChatMessage {{ {MESSAGE} }} {ERR} }} }}"""
WITHDRAW = f"""mutation($id: ID!) {{ withdrawChatMessage(messageId: $id) {{
  __typename ... on ChatMessage {{ {MESSAGE} }} {ERR} }} }}"""
MARK_READ = f"""mutation($c: ID!, $upTo: ID) {{ markChatRead(conversationId: $c,
  upToMessageId: $upTo) {{ __typename ... on ChatConversation {{ id unreadCount }} {ERR} }} }}"""
ASSIGN = f"""mutation($c: ID!, $a: ID) {{ assignChatConversation(conversationId: $c,
  assigneeId: $a) {{ __typename ... on ChatConversation {{ id assignee {{ id }} }} {ERR} }} }}"""
INBOX = """query($awaiting: Boolean, $manager: ID, $assignee: ID, $org: ID) {
  chatConversations(first: 50, awaitingAnswer: $awaiting, responsibleManagerId: $manager,
    assigneeId: $assignee, organizationId: $org) {
    edges { node { id organizationId organizationName unreadCount awaitingSince
      awaitingBusinessHours } } } }"""
SEARCH = """query($text: String!, $org: ID) { chatSearch(text: $text, organizationId: $org,
  first: 20) { edges { node { organizationId organizationName message { id body }
    fragments { text match } } } } }"""
UNREAD = "{ chatUnreadCount }"


def conversation(c: GraphQLClient, org: int) -> dict[str, Any]:
    return c.execute(CONVERSATION, {"org": gid("ClientOrganization", org)})["chatConversation"]


def conversation_id(c: GraphQLClient, org: int) -> str:
    found = conversation(c, org)
    assert found["__typename"] == "ChatConversation", found
    return str(found["id"])


def post(c: GraphQLClient, conversation: str, body: str, **extra: Any) -> dict[str, Any]:
    return c.execute(POST, {"input": {"conversationId": conversation, "body": body, **extra}})[
        "postChatMessage"
    ]


def messages(c: GraphQLClient, conversation: str, first: int = 20) -> list[dict[str, Any]]:
    page = c.execute(MESSAGES, {"c": conversation, "first": first})["chatMessages"]
    return [e["node"] for e in page["edges"]]


# chatMessageAdded, over one conversation ($c) or every one the viewer may see.
LIVE = """subscription($c: ID, $since: Int) { chatMessageAdded(conversationId: $c, since: $since) {
  sequence conversationId organizationId messageId side withdrawn } }"""


async def next_event(
    ws: Any, within: float, field: str = "chatMessageAdded"
) -> dict[str, Any] | None:
    """The next event's payload on a subscribed socket, or None if none came within `within` s
    (a negative wait where None is the point)."""
    try:
        message = json.loads(await asyncio.wait_for(ws.recv(), within))
    except TimeoutError:
        return None
    assert message["type"] == "next", message
    assert not message["payload"].get("errors"), message
    return dict(message["payload"]["data"][field])
