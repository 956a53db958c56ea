"""What the chat's operations answer, and their unions with the errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from saas.modules.chat.graphql.enums import ChatSide
from saas.modules.chat.graphql.types import ChatConversationType, ChatMessageType
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    StorageUnavailableError,
    ValidationError,
)


@strawberry.type(name="ChatTextPart", description="A piece of a highlighted fragment.")
class ChatTextPart:
    text: str
    match: bool = strawberry.field(description="This piece matched the query.")


@strawberry.type(name="ChatSearchHit", description="A message found by `chatSearch`.")
class ChatSearchHit:
    message: ChatMessageType
    organization_id: strawberry.ID
    organization_name: str
    fragments: list[ChatTextPart] = strawberry.field(
        description="The text around the matches (`ts_headline`), matches marked: plain text "
        "pieces, never markup."
    )
    report_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The report whose own conversation holds the message (type `Report`); "
        "null in the organization's conversation.",
    )


@strawberry.type(
    name="ChatMessageEvent",
    description="A message was added (or withdrawn) in a conversation the viewer sees.",
)
class ChatMessageEvent:
    sequence: int = strawberry.field(
        description="Position in the firm's event stream; pass it as `since` to catch up "
        "after a reconnect."
    )
    conversation_id: strawberry.ID
    organization_id: strawberry.ID
    message_id: strawberry.ID
    side: ChatSide
    withdrawn: bool
    created_at: datetime


@strawberry.type(
    name="ChatReadEvent",
    description="Someone read a conversation up to a message (the sender's side sees its "
    "messages read).",
)
class ChatReadEvent:
    sequence: int
    conversation_id: strawberry.ID
    organization_id: strawberry.ID
    person_id: strawberry.ID
    side: ChatSide
    last_read_message_id: strawberry.ID


ChatConversationLookup = Annotated[
    ChatConversationType | NotFoundError | ValidationError,
    strawberry.union("ChatConversationLookup"),
]
PostChatMessageResult = Annotated[
    ChatMessageType
    | ValidationError
    | NotFoundError
    | ForbiddenError
    | ConflictError
    | StorageUnavailableError,
    strawberry.union("PostChatMessageResult"),
]
WithdrawChatMessageResult = Annotated[
    ChatMessageType | NotFoundError | ForbiddenError | ConflictError | ValidationError,
    strawberry.union("WithdrawChatMessageResult"),
]
ChatConversationResult = Annotated[
    ChatConversationType | NotFoundError | ForbiddenError | ValidationError,
    strawberry.union("ChatConversationResult"),
]
