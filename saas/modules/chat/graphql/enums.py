"""Enums of the chat's schema and the ids it names (registered before any type uses them)."""

from __future__ import annotations

from enum import Enum

import strawberry

from saas.core.ids import tenant_rows

tenant_rows("ChatConversation", "ChatMessage")


@strawberry.enum(name="ChatSide", description="Who wrote a message.")
class ChatSide(Enum):
    CLIENT = strawberry.enum_value("client", description="A contact of the client organization.")
    STAFF = strawberry.enum_value("staff", description="A staff member of the firm.")
    PERFORMER = strawberry.enum_value(
        "performer", description="The performer of a performer order's conversation."
    )
    SYSTEM = strawberry.enum_value(
        "system", description="The platform or an integration (an API token): system entries."
    )


@strawberry.enum(name="ChatMessageKind", description="What a message is.")
class ChatMessageKind(Enum):
    TEXT = strawberry.enum_value("text", description="Plain text written by a person.")
    SYSTEM = strawberry.enum_value(
        "system",
        description="A system entry: a report's status, an integration's note (e.g. documents "
        "accepted for processing).",
    )
    MARK = strawberry.enum_value(
        "mark", description="The accountant's mark of a call, letter, visit or paid service."
    )
    NOTICE = strawberry.enum_value(
        "notice", description="A notice that may need the client's confirmation."
    )
