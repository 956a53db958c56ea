"""The types of notices and marks: enums (registered before any type uses them), the
`ChatNotice` node with its recorded actions, the `ChatMark` node."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from saas.core.actor import actor_of
from saas.core.ids import gid, node_pks, tenant_rows
from saas.core.loaders import ContextLoader
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.chat.models import ChatNoticeAction
from saas.modules.chat.policy import ChatReadable
from saas.modules.chat.service.marks import body_of, marks_by_id
from saas.modules.chat.service.notices import (
    COMPLETING,
    NoticeRow,
    actions_of,
    notice_files,
    notices_by_id,
)
from saas.schema.context import Info, viewer_language

tenant_rows("ChatNotice", "ChatMark", "ChatNoticeProofExport")


@strawberry.enum(name="ChatNoticeKind", description="What a notice asks of the client.")
class ChatNoticeKind(Enum):
    INFO = strawberry.enum_value("info", description="Informational: no action needed.")
    MUST_READ = strawberry.enum_value(
        "must_read", description="The client confirms reading (`actOnChatNotice(READ)`)."
    )
    MUST_OPEN_FILE = strawberry.enum_value(
        "must_open_file",
        description="The client opens the attached file: recorded when its bytes are fetched "
        "through the drive's audited link (`downloadLink`).",
    )
    MUST_APPROVE = strawberry.enum_value(
        "must_approve",
        description="The client approves or declines (declining needs a comment).",
    )


@strawberry.enum(name="ChatNoticeAnswer", description="A client's answer to a notice.")
class ChatNoticeAnswer(Enum):
    READ = strawberry.enum_value("read", description="Confirm reading (must-read).")
    APPROVE = strawberry.enum_value("approved", description="Approve (must-approve).")
    DECLINE = strawberry.enum_value(
        "declined", description="Decline with a comment (must-approve)."
    )


@strawberry.enum(name="ChatNoticeActionKind", description="A recorded action of a recipient.")
class ChatNoticeActionKind(Enum):
    READ = "read"
    OPENED = strawberry.enum_value("opened", description="The file's bytes were fetched.")
    APPROVED = "approved"
    DECLINED = "declined"


@strawberry.enum(name="ChatMarkKind", description="What the accountant marks.")
class ChatMarkKind(Enum):
    CALL = strawberry.enum_value("call", description="An incoming call.")
    LETTER = strawberry.enum_value("letter", description="An incoming letter.")
    VISIT = strawberry.enum_value("visit", description="The client's visit.")
    SERVICE_CONNECTED = strawberry.enum_value(
        "service_connected", description="A paid service connected from a date."
    )
    SERVICE_DISCONNECTED = strawberry.enum_value(
        "service_disconnected", description="A paid service disconnected from a date."
    )


@strawberry.enum(name="ChatExportFormat", description="The file of an export.")
class ChatExportFormat(Enum):
    CSV = "csv"
    PDF = "pdf"


def value_of(member: Enum) -> str:
    """An enum member's stored value (a str; mypy reads `enum_value(...)` members as their
    definition)."""
    return str(member.value)


class NoticeActionsLoader(ContextLoader):
    """notice id -> its recorded actions, oldest first."""

    async def batch_load(self, keys: list[int]) -> list[list[ChatNoticeAction]]:
        found = await actions_of(self.ctx.db, keys)
        return [found.get(k, []) for k in keys]


@strawberry.type(name="ChatNoticeFile", description="The file a notice carries.")
class ChatNoticeFile:
    file_id: strawberry.ID = strawberry.field(description="The drive file (`DriveFile`).")
    name: str
    sha256: str = strawberry.field(description="The SHA-256 of the version sent.")


class NoticeFilesLoader(ContextLoader):
    """notice id -> its file (name, the version's SHA-256)."""

    async def batch_load(self, keys: list[int]) -> list[ChatNoticeFile | None]:
        found = {
            n: ChatNoticeFile(file_id=gid("DriveFile", f), name=name, sha256=sha)
            for n, (f, name, sha) in (await notice_files(self.ctx.db, keys)).items()
        }
        return [found.get(k) for k in keys]


@strawberry.type(
    name="ChatNoticeAction",
    description="One recipient's recorded action: when, who, from which address and browser, "
    "and for a file the SHA-256 of the version opened.",
)
class ChatNoticeActionType:
    action: ChatNoticeActionKind
    at: datetime
    comment: str | None
    ip: str | None
    user_agent: str | None
    version_sha256: str | None
    person_pk: strawberry.Private[int]

    @strawberry.field(description="Who acted.")
    async def person(self, info: Info) -> PersonCardType | None:
        card = await info.context.loader(PeopleByIdLoader).load(self.person_pk)
        return PersonCardType.of(card) if card is not None else None

    @classmethod
    def of(cls, row: ChatNoticeAction) -> ChatNoticeActionType:
        return cls(
            action=ChatNoticeActionKind(row.action),
            at=row.at,
            comment=row.comment,
            ip=row.ip,
            user_agent=row.user_agent,
            version_sha256=row.version_sha256,
            person_pk=row.person_id,
        )


@strawberry.type(
    name="ChatNotice",
    description="A notice in a client's conversation (its message has kind NOTICE) and what "
    "its recipients did. A client sees its own actions; the firm's staff every recipient's.",
)
class ChatNoticeType(relay.Node):
    id: relay.NodeID[int]
    kind: ChatNoticeKind
    title: str
    text: str
    created_at: datetime
    reminded_at: datetime | None = strawberry.field(
        description="When the one reminder went to the recipients still to act."
    )
    organization_id: strawberry.ID
    conversation_id: strawberry.ID
    message_id: strawberry.ID = strawberry.field(description="Its message (`ChatMessage`).")
    file_pk: strawberry.Private[int | None]
    recipients_total: int = strawberry.field(
        description="The contacts asked: those taking part in the chat when it was posted."
    )
    recipient_pks: strawberry.Private[list[int]]
    author_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: NoticeRow) -> ChatNoticeType:
        notice = row.notice
        return cls(
            id=notice.id,
            kind=ChatNoticeKind(notice.kind),
            title=row.title,
            text=row.text,
            created_at=notice.created_at,
            reminded_at=notice.reminded_at,
            organization_id=gid("ClientOrganization", row.conversation.organization_id),
            conversation_id=gid("ChatConversation", row.conversation.id),
            message_id=gid("ChatMessage", row.message.id),
            file_pk=notice.file_id if notice.version_id else None,
            recipients_total=len(row.recipients),
            recipient_pks=row.recipients,
            author_pk=row.message.author_person_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ChatNoticeType | None]:
        ids = [pk or -1 for pk in node_pks(list(node_ids))]
        actor = actor_of(info.context)
        if not await ChatReadable().has_permission(None, info):
            return [None for _ in ids]
        found = {
            row.notice.id: cls.of(row) for row in await notices_by_id(info.context.db, actor, ids)
        }
        return [found.get(i) for i in ids]

    @strawberry.field(description="The recorded actions, oldest first (a client: its own).")
    async def actions(self, info: Info) -> list[ChatNoticeActionType]:
        rows = await info.context.loader(NoticeActionsLoader).load(self.id)
        actor = actor_of(info.context)
        if not actor.staff:
            rows = [r for r in rows if r.person_id == actor.person_id]
        return [ChatNoticeActionType.of(r) for r in rows]

    @strawberry.field(description="Recipients whose action completes the notice.")
    async def recipients_done(self, info: Info) -> int:
        rows = await info.context.loader(NoticeActionsLoader).load(self.id)
        completing = COMPLETING[value_of(self.kind)]
        return len({r.person_id for r in rows if r.action in completing} & set(self.recipient_pks))

    @strawberry.field(description="The viewer (a client) still has to act on it.")
    async def awaits_viewer(self, info: Info) -> bool:
        actor = actor_of(info.context)
        completing = COMPLETING[value_of(self.kind)]
        if actor.staff or not completing:
            return False
        rows = await info.context.loader(NoticeActionsLoader).load(self.id)
        return not any(r.person_id == actor.person_id and r.action in completing for r in rows)

    @strawberry.field(
        description="The attached file (the version sent): open it with `openChatNoticeFile`."
    )
    async def file(self, info: Info) -> ChatNoticeFile | None:
        if self.file_pk is None:
            return None
        return await info.context.loader(NoticeFilesLoader).load(self.id)

    @strawberry.field(description="Who posted it.")
    async def posted_by(self, info: Info) -> PersonCardType | None:
        if self.author_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.author_pk)
        return PersonCardType.of(card) if card is not None else None


@strawberry.type(
    name="ChatMark",
    description="The accountant's mark in a conversation (its message has kind MARK): a "
    "call, letter or visit, or a paid service connected or disconnected.",
)
class ChatMarkType(relay.Node):
    id: relay.NodeID[int]
    kind: ChatMarkKind
    date: date = strawberry.field(
        description="The contact's date, or the date the service starts or stops from."
    )
    note: str | None
    service_name: str | None
    price: Decimal | None = strawberry.field(description="The service's price in rubles.")
    created_at: datetime
    organization_id: strawberry.ID
    message_id: strawberry.ID = strawberry.field(description="Its message (`ChatMessage`).")
    author_pk: strawberry.Private[int | None]
    data: strawberry.Private[dict[str, Any]]

    @classmethod
    def of(cls, row: Any) -> ChatMarkType:
        """A (message, organization id) row of `mark_statement`."""
        message, organization_id = row
        data = dict(message.data or {})
        return cls(
            id=message.id,
            kind=ChatMarkKind(data["mark"]),
            date=date.fromisoformat(data["date"]),
            note=data.get("note"),
            service_name=data.get("service"),
            price=Decimal(data["price"]) if data.get("price") is not None else None,
            created_at=message.created_at,
            organization_id=gid("ClientOrganization", organization_id),
            message_id=gid("ChatMessage", message.id),
            author_pk=message.author_person_id,
            data=data,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ChatMarkType | None]:
        ids = [pk or -1 for pk in node_pks(list(node_ids))]
        if not await ChatReadable().has_permission(None, info):
            return [None for _ in ids]
        rows = await marks_by_id(info.context.db, actor_of(info.context), ids)
        found = {m.id: cls.of((m, o)) for m, o in rows}
        return [found.get(i) for i in ids]

    @strawberry.field(description="The mark as one sentence, in the viewer's language.")
    def text(self, info: Info) -> str:
        return body_of(self.data, viewer_language(info))

    @strawberry.field(description="Who marked it.")
    async def marked_by(self, info: Info) -> PersonCardType | None:
        if self.author_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.author_pk)
        return PersonCardType.of(card) if card is not None else None
