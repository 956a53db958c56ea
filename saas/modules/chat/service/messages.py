"""Posting and withdrawing messages. Append-only: nothing here changes what was said (the
database refuses it too); a withdrawal stamps `withdrawn_at` and keeps the text for the
firm's audit.

A person writes text (a client contact with the 'chat' grant, staff with `chat:write`, the
performer of a performer order's conversation);
a token with `chat:write` (an integrator) and the platform itself post system entries.
Files: ids of drive files of the same organization the writer may read, or new files filed
through the drive (`attach_document`: a client's land in "From client", staff's in
"For client", with the drive's checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.commit import announcing, services_of
from saas.db.core_models import OutboxEvent
from saas.events import channel_for, publish_in, write_outbox
from saas.modules.chat.models import (
    CLIENT,
    PERFORMER,
    STAFF,
    SYSTEM,
    SYSTEM_ENTRY,
    TEXT,
    ChatConversation,
    ChatMessage,
    ChatMessageFile,
    ChatRead,
)
from saas.modules.chat.service.conversations import (
    CHAT,
    access_conversation,
    grant_of,
    side_of,
)
from saas.modules.chat.service.errors import ChatError, invalid, message_not_found, no_write
from saas.modules.chat.service.notify import notify_message
from saas.modules.documents.service.checks import decode_base64
from saas.modules.documents.service.files import access_file
from saas.modules.documents.service.uploads import attach_document
from saas.services import Services
from saas.storage import TenantStorage
from saas.storage.stored import StoredObjects

MAX_BODY = 10_000
MAX_FILES = 10
WITHDRAW_MINUTES = 10
MESSAGE_TOPIC = "chat.message"


@dataclass
class NewFile:
    """A file sent with the message (base64), filed through the drive."""

    filename: str
    content_base64: str


@dataclass
class Draft:
    body: str
    file_ids: Sequence[int] = ()
    uploads: Sequence[NewFile] = ()
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Storage:
    """Where new files go (the caller's `removed_on_failure` list) and their size limit."""

    files: TenantStorage
    stored: StoredObjects
    limit: int


def check_body(body: str, *, has_files: bool) -> str:
    text = (body or "").strip()
    if len(text) > MAX_BODY:
        raise invalid(
            "TOO_LONG",
            f"Сообщение длиннее {MAX_BODY} символов.",
            f"The message is longer than {MAX_BODY:,} characters.",
            "body",
        )
    if not text and not has_files:
        raise invalid(
            "EMPTY", "Напишите текст или приложите файл.", "Write a text or attach a file.", "body"
        )
    return text


def may_write(actor: Actor) -> bool:
    if actor.staff:
        return actor.may("chat", "write")
    return actor.may("client_cabinet", "read") or actor.may("performer_cabinet", "read")


async def _attachments(
    session: AsyncSession,
    actor: Actor,
    conversation: ChatConversation,
    draft: Draft,
    storage: Storage | None,
) -> list[tuple[int, int | None, str]]:
    """(file id, version id, name) of every file the message carries, checked."""
    if len(draft.file_ids) + len(draft.uploads) > MAX_FILES:
        raise invalid(
            "TOO_MANY_FILES",
            f"Не больше {MAX_FILES} файлов в сообщении.",
            f"At most {MAX_FILES} files in a message.",
            "files",
        )
    out: list[tuple[int, int | None, str]] = []
    for file_id in dict.fromkeys(draft.file_ids):
        file, _ = await access_file(session, actor, file_id)
        if file.organization_id != conversation.organization_id:
            raise invalid(
                "OTHER_ORGANIZATION",
                "Файл из документов другой организации.",
                "The file belongs to another organization's documents.",
                "fileIds",
            )
        out.append((file.id, None, file.name))
    for new in draft.uploads:
        if storage is None:
            raise invalid(
                "NO_STORAGE", "Файлы не принимаются.", "Files are not accepted here.", "files"
            )
        data = decode_base64(new.content_base64, storage.limit)
        file, version = await attach_document(
            session,
            actor,
            storage.files,
            storage.stored,
            conversation.organization_id,
            new.filename,
            data,
            storage.limit,
            upload_grant=CHAT,  # a participant attaches files without the drive's grants
        )
        out.append((file.id, version.id, file.name))
    return out


async def post_message(
    session: AsyncSession,
    services: Services,
    actor: Actor,
    conversation_id: int,
    draft: Draft,
    storage: Storage | None = None,
) -> tuple[ChatMessage, list[dict[str, Any]]]:
    """A new message in a conversation the actor sees: text by a person, a system entry by
    a token. Files first (the drive's checks), then the message, the conversation's inbox
    state, the author's read state, the outbox event and the notifications. Returns the
    message and its files (as the page shows them)."""
    if not may_write(actor):
        raise no_write()
    conversation = await access_conversation(session, actor, conversation_id)
    files = await _attachments(session, actor, conversation, draft, storage)
    body = check_body(draft.body, has_files=bool(files))
    side = side_of(actor, conversation)
    message = await write_message(
        session,
        services,
        conversation,
        body=body,
        side=side,
        kind=TEXT if side != SYSTEM else SYSTEM_ENTRY,
        person_id=actor.person_id,
        token_id=actor.token_id,
        data=draft.data,
        files=files,
    )
    if side == SYSTEM:
        await audit(
            session,
            actor,
            "chat.system_entry",
            "chat_message",
            message.id,
            conversation_id=conversation.id,
        )
    return message, file_entries(files)


def file_entries(files: Sequence[tuple[int, int | None, str]]) -> list[dict[str, Any]]:
    return [{"file_id": f, "version_id": v, "name": n} for f, v, n in files]


async def write_message(
    session: AsyncSession,
    services: Services | None,
    conversation: ChatConversation,
    *,
    body: str,
    side: str,
    kind: str,
    person_id: int | None = None,
    token_id: int | None = None,
    data: dict[str, Any] | None = None,
    files: Sequence[tuple[int, int | None, str]] = (),
    notify: bool = True,
    announced_now: bool = False,
) -> ChatMessage:
    """The rows of a message already checked (posting, system entries, marks and notices of
    the notices part): the message, its files, the conversation's state, the author's read
    state, the outbox event, the notifications. The event is announced after the commit through
    `services` or those bound to the session (`saas.core.commit.services_of`: API requests and
    announce hooks); without either (a job's session) the sweeper announces it."""
    message = ChatMessage(
        conversation_id=conversation.id,
        author_person_id=person_id,
        author_token_id=token_id,
        author_side=side,
        kind=kind,
        body=body,
        data=data or {},
    )
    session.add(message)
    await session.flush()
    for position, (file_id, version_id, name) in enumerate(files):
        session.add(
            ChatMessageFile(
                message_id=message.id,
                file_id=file_id,
                version_id=version_id,
                name=name,
                position=position,
            )
        )
    awaiting = ChatConversation.awaiting_since
    if conversation.performer_order_id is not None:
        # Between a customer and a performer: nothing awaits the firm's answer.
        awaiting_value: Any = awaiting
    elif side == CLIENT:
        awaiting_value = func.coalesce(awaiting, func.now())
    elif side == STAFF and kind == TEXT:
        awaiting_value = None
    else:
        awaiting_value = awaiting
    await session.execute(
        update(ChatConversation)
        .where(ChatConversation.id == conversation.id)
        .values(
            last_message_id=message.id,
            last_message_at=func.now(),
            awaiting_since=awaiting_value,
        )
        .execution_options(synchronize_session=False)
    )
    if person_id is not None and side in (CLIENT, STAFF, PERFORMER):
        await advance_read(session, conversation.id, person_id, side, message.id)
    await session.refresh(message, ["created_at"])
    payload = {
        "conversation_id": conversation.id,
        "organization_id": conversation.organization_id,
        "grant": grant_of(conversation),
        "performer_person_id": conversation.performer_person_id,
        "message_id": message.id,
        "side": side,
        "author_person_id": person_id,
        "created_at": message.created_at.isoformat(),
    }
    services = services or services_of(session)
    if announced_now or announcing(session):
        await announce_now(session, payload)
    elif services is None:
        await write_outbox(session, MESSAGE_TOPIC, payload)
    else:
        await publish_in(session, services, MESSAGE_TOPIC, payload)
    if notify:
        await notify_message(session, conversation, message)
    return message


async def announce_now(session: AsyncSession, payload: dict[str, Any]) -> None:
    """The event of a message written while another event is being announced (an
    ON_ANNOUNCE hook): its outbox row is announced with the claim that caused it, in the same
    transaction (stamped and NOTIFYed at its commit), not by an announcement of its own that
    could be lost apart from it."""
    tenant = session.sync_session.info["tenant"]
    # Stamped as it is written: one INSERT, no ORM row (issue 15: was an INSERT and an UPDATE).
    row_id = await session.scalar(
        pg_insert(OutboxEvent)
        .values(topic=MESSAGE_TOPIC, payload=payload, published_at=func.now())
        .returning(OutboxEvent.id)
    )
    await session.execute(
        text("SELECT pg_notify(:channel, :payload)"),
        {"channel": channel_for(tenant.id), "payload": str(row_id)},
    )


async def advance_read(
    session: AsyncSession, conversation_id: int, person_id: int, side: str, message_id: int
) -> None:
    """Move a person's read mark forward to `message_id` (never back)."""
    statement = pg_insert(ChatRead).values(
        conversation_id=conversation_id,
        person_id=person_id,
        side=side,
        last_read_message_id=message_id,
    )
    current = ChatRead.last_read_message_id
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ChatRead.conversation_id, ChatRead.person_id],
            set_={
                "last_read_message_id": case(
                    (
                        statement.excluded.last_read_message_id > current,
                        statement.excluded.last_read_message_id,
                    ),
                    else_=current,
                ),
                "read_at": func.now(),
            },
        )
    )


async def withdraw_message(
    session: AsyncSession, services: Services, actor: Actor, message_id: int | None
) -> tuple[ChatMessage, list[dict[str, Any]]]:
    """The sender withdraws its message within 10 minutes: it stays as a "withdrawn" entry,
    its text kept for the firm's audit (never shown again to the other side)."""
    if not may_write(actor):
        raise no_write()
    message = await session.get(ChatMessage, message_id) if message_id else None
    if message is None:
        raise message_not_found()
    conversation = await access_conversation(session, actor, message.conversation_id)
    own = actor.person_id is not None and message.author_person_id == actor.person_id
    if not own or message.kind != TEXT:
        raise ChatError(
            "forbidden",
            "NOT_SENDER",
            "Отозвать сообщение может только его автор.",
            "Only the sender may withdraw a message.",
        )
    files = file_entries(
        [
            (r.file_id, r.version_id, r.name)
            for r in await session.scalars(
                select(ChatMessageFile)
                .where(ChatMessageFile.message_id == message.id)
                .order_by(ChatMessageFile.position)
            )
        ]
    )
    if message.withdrawn_at is not None:
        return message, files
    withdrawn = await session.scalar(
        update(ChatMessage)
        .where(
            ChatMessage.id == message.id,
            ChatMessage.withdrawn_at.is_(None),
            ChatMessage.created_at
            > func.now() - func.make_interval(0, 0, 0, 0, 0, WITHDRAW_MINUTES),
        )
        .values(withdrawn_at=func.now())
        .returning(ChatMessage.withdrawn_at)
        .execution_options(synchronize_session=False)
    )
    if withdrawn is None:
        raise ChatError(
            "conflict",
            "TOO_LATE",
            f"Сообщение можно отозвать только в течение {WITHDRAW_MINUTES} минут после отправки.",
            f"A message can be withdrawn only within {WITHDRAW_MINUTES} minutes of sending.",
        )
    await session.refresh(message)
    await audit(
        session,
        actor,
        "chat.message_withdrawn",
        "chat_message",
        message.id,
        conversation_id=conversation.id,
        text=message.body,
    )
    await publish_in(
        session,
        services,
        MESSAGE_TOPIC,
        {
            "conversation_id": conversation.id,
            "organization_id": conversation.organization_id,
            "grant": grant_of(conversation),
            "performer_person_id": conversation.performer_person_id,
            "message_id": message.id,
            "side": message.author_side,
            "author_person_id": message.author_person_id,
            "withdrawn": True,
            "created_at": message.created_at.isoformat(),
        },
    )
    return message, files
