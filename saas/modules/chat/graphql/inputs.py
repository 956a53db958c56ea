"""Inputs of the chat's mutations."""

from __future__ import annotations

import strawberry


@strawberry.input(
    name="ChatFileInput",
    description="A file sent with a message (base64, at most the firm's upload limit): filed "
    "in the organization's documents, a client's in «Данные от клиента» / \"From client\", "
    'the firm\'s in «Данные для клиента» / "For client".',
)
class ChatFileInput:
    filename: str
    content_base64: str


@strawberry.input(name="PostChatMessageInput", description="A new message.")
class PostChatMessageInput:
    conversation_id: strawberry.ID | None = strawberry.field(
        default=None, description="The conversation; or name the organization instead."
    )
    organization_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The organization whose conversation it is (an integrator knows "
        "organizations, not conversations); one of the two is required.",
    )
    body: str = strawberry.field(
        default="",
        description="Plain text, at most 10,000 characters (links are made clickable on "
        "display; nothing is rendered as markup). May be empty when files are attached.",
    )
    file_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Files already in the organization's documents (type `DriveFile`).",
    )
    files: list[ChatFileInput] | None = strawberry.field(
        default=None, description="New files, filed in the organization's documents."
    )
