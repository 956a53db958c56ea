"""The live `chatMessageAdded` and `chatReadChanged` subscriptions, fed by saas.events after
commit (outbox -> NOTIFY -> the process's fan-out), with catch-up by `since`."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry

from saas.core.ids import gid, optional_pk_of
from saas.events import Published, events_since, fanout
from saas.modules.chat.graphql.enums import ChatSide
from saas.modules.chat.graphql.results import ChatMessageEvent, ChatReadEvent
from saas.modules.chat.policy import READ_NOTE, reads_chat, viewer_of
from saas.modules.chat.service.conversations import access_conversation
from saas.modules.chat.service.errors import ChatError
from saas.modules.chat.service.live import Audience
from saas.modules.chat.service.messages import MESSAGE_TOPIC
from saas.modules.chat.service.reads import READ_TOPIC
from saas.schema.context import Info
from saas.schema.errors import PublicError
from saas.schema.shared_events import shared_event


def _shared(published: Published, topic: str, build: Any) -> Any:
    """The event as the subscription's type, built once per event for every subscriber of
    the process and marked `shared_event`: subscribers selecting the same plain fields get
    one result computed for all of them (saas.schema.execution), as the reports' status
    events do. Who receives it is still decided per subscriber first."""
    event = published.shared.get(topic)
    if event is None:
        event = published.shared[topic] = shared_event(build(published))
    return event


def _message_event(published: Published) -> ChatMessageEvent:
    return _shared(published, MESSAGE_TOPIC, _build_message_event)  # type: ignore[no-any-return]


def _read_event(published: Published) -> ChatReadEvent:
    return _shared(published, READ_TOPIC, _build_read_event)  # type: ignore[no-any-return]


def _build_message_event(published: Published) -> ChatMessageEvent:
    p = published.payload
    return ChatMessageEvent(
        sequence=published.id,
        conversation_id=gid("ChatConversation", int(p["conversation_id"])),
        organization_id=gid("ClientOrganization", int(p["organization_id"])),
        message_id=gid("ChatMessage", int(p["message_id"])),
        side=ChatSide(p["side"]),
        withdrawn=bool(p.get("withdrawn", False)),
        created_at=datetime.fromisoformat(p["created_at"]),
    )


def _build_read_event(published: Published) -> ChatReadEvent:
    p = published.payload
    return ChatReadEvent(
        sequence=published.id,
        conversation_id=gid("ChatConversation", int(p["conversation_id"])),
        organization_id=gid("ClientOrganization", int(p["organization_id"])),
        person_id=gid("Person", int(p["person_id"])),
        side=ChatSide(p["side"]),
        last_read_message_id=gid("ChatMessage", int(p["last_read_message_id"])),
    )


async def _stream(
    info: Info, conversation_id: strawberry.ID | None, since: int | None, topic: str
) -> AsyncGenerator[Published, None]:
    ctx = info.context
    conversation = await optional_pk_of(
        ctx, "ChatConversation", conversation_id, field="conversationId"
    )
    actor = await viewer_of(ctx)
    if conversation is not None:
        try:
            async with ctx.unit_of_work() as session:
                await access_conversation(session, actor, conversation)
        except ChatError:
            raise PublicError(
                "Conversation not found or not visible to you.", "NOT_FOUND"
            ) from None
    audience = Audience(ctx, conversation)
    with audience.joined():
        await audience.warm()
        async with fanout(ctx.services).subscription(ctx.tenant) as queue:
            # Registered before the replay: an event committed meanwhile comes both ways, and
            # `delivered` drops the second copy.
            delivered = since if since is not None else 0
            if since is not None:
                for published in await events_since(ctx.services, ctx.tenant, since, topic):
                    delivered = max(delivered, published.id)
                    if await audience.receives(published.payload):
                        yield published
            while True:
                published = await queue.get()
                if published.topic != topic or published.id <= delivered:
                    continue
                delivered = published.id
                if await audience.receives(published.payload):
                    yield published


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Messages added (or withdrawn) live: in one conversation, or in every one "
        "the viewer sees. `since` (a `sequence` received before) first replays what was "
        f"missed. Fetch the message with `node(id)` or the conversation's page. {READ_NOTE}",
        extensions=reads_chat(),
    )
    async def chat_message_added(
        self, info: Info, conversation_id: strawberry.ID | None = None, since: int | None = None
    ) -> AsyncGenerator[ChatMessageEvent, None]:
        async for published in _stream(info, conversation_id, since, MESSAGE_TOPIC):
            yield _message_event(published)

    @strawberry.subscription(
        description="Read marks moving live (someone read a conversation up to a message), in "
        "one conversation or every one the viewer sees; `since` replays what was missed. "
        f"{READ_NOTE}",
        extensions=reads_chat(),
    )
    async def chat_read_changed(
        self, info: Info, conversation_id: strawberry.ID | None = None, since: int | None = None
    ) -> AsyncGenerator[ChatReadEvent, None]:
        async for published in _stream(info, conversation_id, since, READ_TOPIC):
            yield _read_event(published)
