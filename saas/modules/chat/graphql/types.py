"""The chat's node types: a conversation and its messages (with their files and read
state, read with the page), and a search hit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from saas.core.calendar.firm import calendar_of
from saas.core.ids import gid, node_pks
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.chat.graphql.enums import ChatMessageKind, ChatSide
from saas.modules.chat.loaders import UnreadLoader
from saas.modules.chat.policy import ChatReadable, viewer_of
from saas.modules.chat.service.conversations import conversation_rows_by_id
from saas.modules.chat.service.page import messages_by_id
from saas.schema.context import Info


@strawberry.type(
    name="ChatFile",
    description="A drive file carried by a message. Get its bytes with the drive's "
    "`downloadLink(fileId)` (the download is logged).",
)
class ChatFileType:
    file_id: strawberry.ID = strawberry.field(description="The drive file (type `DriveFile`).")
    name: str

    @classmethod
    def of(cls, entry: dict[str, Any]) -> ChatFileType:
        return cls(file_id=gid("DriveFile", int(entry["file_id"])), name=str(entry["name"]))


def shown_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """A message's `data` as the API shows it: without a notice's recipients (person ids: a
    client must not learn other people's ids; the firm reads who was asked, by name, in the
    notice's proof)."""
    data = data or {}
    notice = data.get("notice")
    if not isinstance(notice, dict) or "recipients" not in notice:
        return data
    return {**data, "notice": {k: v for k, v in notice.items() if k != "recipients"}}


@strawberry.type(name="ChatMessage", description="One entry of a conversation (append-only).")
class ChatMessageType(relay.Node):
    id: relay.NodeID[int]
    conversation_pk: strawberry.Private[int]
    author_pk: strawberry.Private[int | None]
    side: ChatSide
    kind: ChatMessageKind
    body_text: strawberry.Private[str]
    data: JSON = strawberry.field(
        description="What the kind needs beyond the text: a mark's fields, a system entry's "
        "source (`reportId`, `status`), a notice's summary."
    )
    created_at: datetime
    withdrawn_at: datetime | None = strawberry.field(
        description="When the sender withdrew it (within 10 minutes of sending): it stays as a "
        "withdrawn entry without its text."
    )
    files: list[ChatFileType]
    read_by_other_side: bool = strawberry.field(
        description="Someone of the other side (the firm for a client's message, the client "
        "for the firm's) has read it."
    )

    @classmethod
    def of(cls, row: Any, files: list[dict[str, Any]] | None = None) -> ChatMessageType:
        """A page row (COLUMNS + files + seen) or a ChatMessage instance (with its files)."""
        files = files if files is not None else (getattr(row, "files", None) or [])
        return cls(
            id=row.id,
            conversation_pk=row.conversation_id,
            author_pk=row.author_person_id,
            side=ChatSide(row.author_side),
            kind=ChatMessageKind(row.kind),
            body_text=row.body,
            data=shown_data(row.data),  # type: ignore[arg-type]
            created_at=row.created_at,
            withdrawn_at=row.withdrawn_at,
            files=[ChatFileType.of(f) for f in files],
            read_by_other_side=bool(getattr(row, "seen", False)),
        )

    @strawberry.field(description="The text; null once withdrawn (the firm's audit keeps it).")
    def body(self) -> str | None:
        return None if self.withdrawn_at is not None else self.body_text

    @strawberry.field(description="The conversation (type `ChatConversation`).")
    def conversation_id(self) -> strawberry.ID:
        return gid("ChatConversation", self.conversation_pk)

    @strawberry.field(description="Who wrote it; null for a system entry.")
    async def author(self, info: Info) -> PersonCardType | None:
        if self.author_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.author_pk)
        return PersonCardType.of(card) if card else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ChatMessageType | None]:
        ids = [pk or -1 for pk in node_pks(list(node_ids))]
        actor = await viewer_of(info.context)
        if not await ChatReadable().has_permission(None, info):
            return [None for _ in ids]
        # As the page reads them: with their files and whether the other side has read them
        # (a live update fetches the new message by its id).
        found = {r.id: r for r in await messages_by_id(info.context.db, actor, ids)}
        return [cls.of(found[i]) if i in found else None for i in ids]


@strawberry.type(
    name="ChatConversation",
    description="The conversation of a client organization with the firm.",
)
class ChatConversationType(relay.Node):
    id: relay.NodeID[int]
    organization_pk: strawberry.Private[int]
    organization_name: str
    assignee_pk: strawberry.Private[int | None]
    responsible_manager_pk: strawberry.Private[int | None]
    created_at: datetime
    last_message_at: datetime | None
    awaiting_since: datetime | None = strawberry.field(
        description="The client's oldest message no staff member has answered yet; null when "
        "the firm answered (or the client has not written)."
    )
    last_message_pk: strawberry.Private[int | None]
    report_pk: strawberry.Private[int | None] = None
    request_pk: strawberry.Private[int | None] = None
    performer_order_pk: strawberry.Private[int | None] = None
    performer_pk: strawberry.Private[int | None] = None

    @classmethod
    def of(cls, row: Any) -> ChatConversationType:
        """A row with the conversation's columns plus `organization_name` and
        `responsible_manager_person_id`."""
        return cls(
            id=row.id,
            organization_pk=row.organization_id,
            organization_name=row.organization_name,
            assignee_pk=row.assignee_person_id,
            responsible_manager_pk=row.responsible_manager_person_id,
            created_at=row.created_at,
            last_message_at=row.last_message_at,
            awaiting_since=row.awaiting_since,
            last_message_pk=row.last_message_id,
            report_pk=row.report_id,
            request_pk=getattr(row, "request_id", None),
            performer_order_pk=getattr(row, "performer_order_id", None),
            performer_pk=getattr(row, "performer_person_id", None),
        )

    @strawberry.field(description="The client organization (type `ClientOrganization`).")
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.organization_pk)

    @strawberry.field(
        description="The report this conversation is about (type `Report`); null for the "
        "organization's own conversation (`chatReportConversation` opens a report's)."
    )
    def report_id(self) -> strawberry.ID | None:
        return None if self.report_pk is None else gid("Report", self.report_pk)

    @strawberry.field(
        description="The service request this conversation is the thread of (type "
        "`ServiceRequest`, whose `comments` it holds); null otherwise."
    )
    def request_id(self) -> strawberry.ID | None:
        return None if self.request_pk is None else gid("ServiceRequest", self.request_pk)

    @strawberry.field(
        description="The performer order this conversation discusses (type `PerformerOrder`), "
        "with one performer (`performer`); null otherwise."
    )
    def performer_order_id(self) -> strawberry.ID | None:
        pk = self.performer_order_pk
        return None if pk is None else gid("PerformerOrder", pk)

    @strawberry.field(
        description="The performer of a performer order's conversation (their messages are "
        "of side `PERFORMER`); null otherwise."
    )
    async def performer(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.performer_pk)

    @strawberry.field(
        description="Business hours (the firm's calendar: 09:00-18:00 on its working days) "
        "the client has been awaiting an answer; null when nothing awaits."
    )
    def awaiting_business_hours(self, info: Info) -> float | None:
        if self.awaiting_since is None:
            return None
        calendar = calendar_of(info.context.tenant)
        return round(calendar.business_hours_between(self.awaiting_since, calendar.now()), 2)

    @strawberry.field(description="Messages the viewer has not read (written by others).")
    async def unread_count(self, info: Info) -> int:
        return await info.context.loader(UnreadLoader).load(self.id)

    @strawberry.field(description="The staff member answering this conversation, if assigned.")
    async def assignee(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.assignee_pk)

    @strawberry.field(description="The organization's responsible manager.")
    async def responsible_manager(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.responsible_manager_pk)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ChatConversationType | None]:
        ids = [pk or -1 for pk in node_pks(list(node_ids))]
        actor = await viewer_of(info.context)
        if not await ChatReadable().has_permission(None, info):
            return [None for _ in ids]
        found = {r.id: r for r in await conversation_rows_by_id(info.context.db, actor, ids)}
        return [cls.of(found[i]) if i in found else None for i in ids]


async def _card(info: Info, pk: int | None) -> PersonCardType | None:
    if pk is None:
        return None
    card = await info.context.loader(PeopleByIdLoader).load(pk)
    return PersonCardType.of(card) if card else None
