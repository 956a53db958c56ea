"""Notices: what the firm tells a client in its conversation, each of a kind (1C:BO's
«уведомления»): informational; must-read (the client confirms reading); must-open-file (the
client opens the attached file: recorded when its bytes are fetched through the audited
link); must-approve (approve, or decline with a comment).

A notice is a message of kind `notice` (its title and text the body; `data.notice` holds the
kind, the title and the recipients asked: the organization's contacts taking part in its chat
when it was posted) plus its `chat_notices` row. Every recipient's action is a
`chat_notice_actions` row: time, person, address, user agent and, for a file, the opened
version's SHA-256: the proof (`service.proof`). The answers are `notice_actions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.chat.models import (
    NOTICE,
    STAFF,
    ChatConversation,
    ChatMessage,
    ChatNotice,
    ChatNoticeAction,
)
from saas.modules.chat.service.conversations import (
    conversation_of_organization,
    scope_conversations,
)
from saas.modules.chat.service.errors import ChatError, invalid, no_write
from saas.modules.chat.service.messages import Draft, NewFile, Storage, _attachments, write_message
from saas.modules.chat.service.notify import chat_contacts_statement
from saas.modules.clients.models import ClientOrganization
from saas.modules.documents.models import DriveFile, DriveFileVersion
from saas.modules.notifications.service import NotificationKind, notify_people
from saas.services import Services

INFO, MUST_READ, MUST_OPEN_FILE, MUST_APPROVE = (
    "info",
    "must_read",
    "must_open_file",
    "must_approve",
)
NOTICE_KINDS = (INFO, MUST_READ, MUST_OPEN_FILE, MUST_APPROVE)
NEEDING_ACTION = (MUST_READ, MUST_OPEN_FILE, MUST_APPROVE)
READ, OPENED, APPROVED, DECLINED = "read", "opened", "approved", "declined"
# The actions that complete a notice of each kind for its recipient.
COMPLETING: dict[str, frozenset[str]] = {
    INFO: frozenset(),
    MUST_READ: frozenset({READ}),
    MUST_OPEN_FILE: frozenset({OPENED}),
    MUST_APPROVE: frozenset({APPROVED, DECLINED}),
}
MAX_TITLE = 200
MAX_TEXT = 5000


def notice_not_found() -> ChatError:
    return ChatError(
        "not_found",
        "NOT_FOUND",
        "Уведомление не найдено или недоступно.",
        "Notice not found or not visible to you.",
    )


@dataclass(frozen=True)
class NoticeInput:
    kind: str
    title: str
    text: str = ""
    file_id: int | None = None  # a file of the organization's drive
    upload: NewFile | None = None  # or a new one, filed in "For client"


@dataclass(frozen=True)
class NoticeRow:
    """A notice with its message and conversation, as one statement reads them."""

    notice: ChatNotice
    message: ChatMessage
    conversation: ChatConversation

    @property
    def recipients(self) -> list[int]:
        return [int(p) for p in (self.message.data or {}).get("notice", {}).get("recipients", [])]

    @property
    def title(self) -> str:
        return str((self.message.data or {}).get("notice", {}).get("title") or "")

    @property
    def text(self) -> str:
        body = self.message.body
        return body[len(self.title) :].lstrip("\n") if body.startswith(self.title) else body


def _checked(notice: NoticeInput) -> tuple[str, str]:
    if notice.kind not in NOTICE_KINDS:
        raise invalid(
            "UNKNOWN_KIND", "Неизвестный вид уведомления.", "Unknown kind of notice.", "kind"
        )
    title = " ".join((notice.title or "").split())
    text = (notice.text or "").strip()
    if not title:
        raise invalid("REQUIRED", "Укажите заголовок.", "Give the notice a title.", "title")
    if len(title) > MAX_TITLE:
        raise invalid(
            "TOO_LONG",
            f"Заголовок длиннее {MAX_TITLE} символов.",
            f"The title is longer than {MAX_TITLE} characters.",
            "title",
        )
    if len(text) > MAX_TEXT:
        raise invalid(
            "TOO_LONG",
            f"Текст длиннее {MAX_TEXT} символов.",
            f"The text is longer than {MAX_TEXT} characters.",
            "text",
        )
    has_file = notice.file_id is not None or notice.upload is not None
    if notice.kind == MUST_OPEN_FILE and not has_file:
        raise invalid(
            "FILE_REQUIRED",
            "Приложите файл, который клиент должен открыть.",
            "Attach the file the client must open.",
            "fileId",
        )
    if notice.file_id is not None and notice.upload is not None:
        raise invalid(
            "ONE_FILE", "Укажите один файл.", "Give one file: fileId or a new one.", "fileId"
        )
    return title, text


async def _current_version(
    session: AsyncSession, file_id: int, version_id: int | None
) -> DriveFileVersion:
    stmt = select(DriveFileVersion).where(DriveFileVersion.file_id == file_id)
    if version_id is not None:
        stmt = stmt.where(DriveFileVersion.id == version_id)
    else:
        stmt = stmt.where(
            DriveFileVersion.version_no
            == select(DriveFile.current_version_no).where(DriveFile.id == file_id).scalar_subquery()
        )
    version = (await session.execute(stmt)).scalar_one_or_none()
    if version is None:
        raise invalid("NO_VERSION", "У файла нет версий.", "The file has no version.", "fileId")
    return version


async def post_notice(
    session: AsyncSession,
    services: Services,
    actor: Actor,
    organization_id: int | None,
    notice: NoticeInput,
    storage: Storage | None = None,
) -> NoticeRow:
    """A notice in the organization's conversation, by staff with `chat:write`: the message
    (with its file), the notice row, the recipients' notifications; audited."""
    if not (actor.staff and actor.person_id is not None and actor.may("chat", "write")):
        raise no_write()
    conversation = await conversation_of_organization(session, actor, organization_id)
    title, text = _checked(notice)
    draft = Draft(
        body="",
        file_ids=[notice.file_id] if notice.file_id is not None else [],
        uploads=[notice.upload] if notice.upload is not None else [],
    )
    files = await _attachments(session, actor, conversation, draft, storage)
    version = await _current_version(session, files[0][0], files[0][1]) if files else None
    files = [(f, version.id if version else v, name) for f, v, name in files]
    contacts = await session.execute(chat_contacts_statement(conversation.organization_id))
    people: list[Any] = list(contacts.scalars())
    recipients = sorted({int(p) for p in people})
    message = await write_message(
        session,
        services,
        conversation,
        body=f"{title}\n\n{text}" if text else title,
        side=STAFF,
        kind=NOTICE,
        person_id=actor.person_id,
        data={"notice": {"kind": notice.kind, "title": title, "recipients": recipients}},
        files=files,
    )
    row = ChatNotice(
        message_id=message.id,
        kind=notice.kind,
        file_id=files[0][0] if files else None,
        version_id=version.id if version else None,
        created_by=actor.person_id,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row, ["created_at"])
    await notify_people(
        session,
        NotificationKind.CHAT_NOTICE,
        {p: "client" for p in recipients},
        conversation.organization_id,
        {
            "organization_name": await organization_name(session, conversation.organization_id),
            "text": title,
            "conversation_id": conversation.id,
            "message_id": message.id,
            "notice_id": row.id,
            "notice_kind": notice.kind,
        },
    )
    await audit(
        session,
        actor,
        "chat.notice",
        "chat_notice",
        row.id,
        organization_id=conversation.organization_id,
        kind=notice.kind,
        title=title,
        recipients=len(recipients),
    )
    return NoticeRow(row, message, conversation)


async def organization_name(session: AsyncSession, organization_id: int) -> str:
    name = await session.scalar(
        select(ClientOrganization.name).where(ClientOrganization.id == organization_id)
    )
    return name or ""


def notice_statement(actor: Actor) -> Select[Any]:
    """(notice, message, conversation) of the notices the actor sees."""
    stmt: Any = (
        select(ChatNotice, ChatMessage, ChatConversation)
        .join(ChatMessage, ChatMessage.id == ChatNotice.message_id)
        .join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
    )
    return scope_conversations(stmt, actor)


def organization_notices_statement(
    actor: Actor, organization_id: int | None, *, awaiting_me: bool = False
) -> Select[Any]:
    """(notice, message, conversation) of an organization's notices the actor sees;
    `awaiting_me`: only those needing an action the actor (a client) has not taken yet."""
    stmt = notice_statement(actor).where(ChatConversation.organization_id == organization_id)
    if not awaiting_me:
        return stmt
    acted = (
        ChatNoticeAction.notice_id == ChatNotice.id,
        ChatNoticeAction.person_id == (actor.person_id or -1),
        ChatNoticeAction.action.in_(sorted({a for v in COMPLETING.values() for a in v})),
    )
    return stmt.where(
        ChatNotice.kind.in_(NEEDING_ACTION),
        ~ChatNotice.id.in_(select(ChatNoticeAction.notice_id).where(*acted)),
    )


async def notices_by_id(session: AsyncSession, actor: Actor, ids: list[int]) -> list[NoticeRow]:
    """The notices among these ids the actor sees."""
    stmt = notice_statement(actor).where(ChatNotice.id.in_(ids))
    return [NoticeRow(n, m, c) for n, m, c in await session.execute(stmt)]


async def notice_files(
    session: AsyncSession, notice_ids: Sequence[int]
) -> dict[int, tuple[int, str, str]]:
    """notice id -> its file's (drive file id, name, the sent version's SHA-256)."""
    rows = await session.execute(
        select(ChatNotice.id, DriveFile.id, DriveFile.name, DriveFileVersion.sha256)
        .join(DriveFile, DriveFile.id == ChatNotice.file_id)
        .join(DriveFileVersion, DriveFileVersion.id == ChatNotice.version_id)
        .where(ChatNotice.id.in_(sorted(set(notice_ids))))
    )
    return {n: (f, name, sha) for n, f, name, sha in rows}


async def access_notice(
    session: AsyncSession, actor: Actor, notice_id: int | None, *, lock: bool = False
) -> NoticeRow:
    """The only way to load one notice by id for an actor."""
    if notice_id is None:
        raise notice_not_found()
    stmt = notice_statement(actor).where(ChatNotice.id == notice_id)
    if lock:
        stmt = stmt.with_for_update(of=ChatNotice)
    found = (await session.execute(stmt)).one_or_none()
    if found is None:
        raise notice_not_found()
    notice, message, conversation = found
    return NoticeRow(notice, message, conversation)


async def actions_of(
    session: AsyncSession, notice_ids: Sequence[int]
) -> dict[int, list[ChatNoticeAction]]:
    """The recorded actions of each notice, oldest first."""
    out: dict[int, list[ChatNoticeAction]] = {i: [] for i in notice_ids}
    if not notice_ids:
        return out
    rows = await session.scalars(
        select(ChatNoticeAction)
        .where(ChatNoticeAction.notice_id.in_(sorted(set(notice_ids))))
        .order_by(ChatNoticeAction.at, ChatNoticeAction.id)
    )
    for action in rows:
        out[action.notice_id].append(action)
    return out
