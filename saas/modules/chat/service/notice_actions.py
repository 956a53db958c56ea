"""A recipient's answer to a notice: confirming reading, approving or declining (with a
comment) over the API, and opening a must-open-file notice's file, recorded when the
drive's audited link is fetched (`on_drive_fetch`). Each is a `chat_notice_actions` row (the
proof) plus an entry of the client in the conversation, so the firm is notified and sees it
live; audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.chat.models import (
    CLIENT,
    SYSTEM_ENTRY,
    ChatConversation,
    ChatMessage,
    ChatNotice,
    ChatNoticeAction,
)
from saas.modules.chat.service.errors import ChatError, forbidden, invalid
from saas.modules.chat.service.messages import write_message
from saas.modules.chat.service.notices import (
    COMPLETING,
    DECLINED,
    INFO,
    MUST_OPEN_FILE,
    OPENED,
    NoticeRow,
    access_notice,
)
from saas.modules.chat.service.notify import chat_contacts_statement
from saas.modules.documents.models import DriveFile, DriveFileVersion
from saas.modules.documents.service.downloads import Link, issue_link, on_drive_fetch
from saas.services import Services
from saas.storage import TenantStorage
from saas.storage.audit import Fetch

MAX_COMMENT = 2000

# What the client's entry after an action says.
ACTION_ENTRIES: dict[str, str] = {
    "read": "прочтение подтверждено",
    OPENED: "файл открыт",
    "approved": "согласовано",
    DECLINED: "отклонено",
}


def _allowed(kind: str, action: str) -> None:
    if kind == INFO:
        raise ChatError(
            "conflict",
            "NO_ACTION_NEEDED",
            "Это уведомление не требует действий.",
            "This notice needs no action.",
        )
    if kind == MUST_OPEN_FILE:
        raise ChatError(
            "conflict",
            "OPEN_THE_FILE",
            "Откройте приложенный файл: это и будет подтверждением.",
            "Open the attached file: opening it is the confirmation.",
        )
    if action not in COMPLETING[kind]:
        raise invalid(
            "WRONG_ACTION",
            "Это действие не подходит для уведомления.",
            "This action does not fit the notice.",
            "action",
        )


def _comment(action: str, raw: str | None) -> str | None:
    comment = (raw or "").strip()
    if action == DECLINED and not comment:
        raise invalid(
            "COMMENT_REQUIRED",
            "Оставьте комментарий: почему вы отклоняете.",
            "Leave a comment: why you decline.",
            "comment",
        )
    if len(comment) > MAX_COMMENT:
        raise invalid(
            "TOO_LONG",
            f"Комментарий длиннее {MAX_COMMENT} символов.",
            f"The comment is longer than {MAX_COMMENT} characters.",
            "comment",
        )
    return comment or None


async def act_on_notice(
    session: AsyncSession,
    services: Services,
    actor: Actor,
    notice_id: int | None,
    action: str,
    comment: str | None = None,
) -> NoticeRow:
    """A client contact taking part in the chat confirms reading, approves or declines (with
    a comment); once per person (a second action is refused). Recorded with the request's
    address and user agent, audited, and announced by an entry of the client in the conversation."""
    row = await access_notice(session, actor, notice_id, lock=True)
    if actor.staff or actor.person_id is None:
        raise forbidden(
            "CLIENTS_ONLY",
            "Отвечать на уведомление может только клиент.",
            "Only the client's contacts answer a notice.",
        )
    _allowed(row.notice.kind, action)
    text = _comment(action, comment)
    done = await session.scalar(
        select(
            exists().where(
                ChatNoticeAction.notice_id == row.notice.id,
                ChatNoticeAction.person_id == actor.person_id,
                ChatNoticeAction.action.in_(sorted(COMPLETING[row.notice.kind])),
            )
        )
    )
    if done:
        raise ChatError(
            "conflict",
            "ALREADY_DONE",
            "Вы уже ответили на это уведомление.",
            "You have already answered this notice.",
        )
    await record_action(
        session, services, row, actor.person_id, action, text, actor.ip, actor.user_agent
    )
    await audit(
        session,
        actor,
        "chat.notice_action",
        "chat_notice",
        row.notice.id,
        answer=action,
        organization_id=row.conversation.organization_id,
    )
    return row


async def record_action(
    session: AsyncSession,
    services: Services,
    row: NoticeRow,
    person_id: int,
    action: str,
    comment: str | None,
    ip: str | None,
    user_agent: str | None,
    sha256: str | None = None,
) -> ChatNoticeAction:
    """The action's proof row and its system entry in the conversation."""
    recorded = ChatNoticeAction(
        notice_id=row.notice.id,
        person_id=person_id,
        action=action,
        comment=comment,
        ip=ip,
        user_agent=(user_agent or "")[:1000] or None,
        version_sha256=sha256,
    )
    session.add(recorded)
    await session.flush()
    body = f"Уведомление «{row.title}»: {ACTION_ENTRIES[action]}" + (
        f". Комментарий: {comment}" if comment else ""
    )
    # The client's own entry (the staff are notified, and see it live).
    await write_message(
        session,
        services,
        row.conversation,
        body=body[:10_000],
        side=CLIENT,
        kind=SYSTEM_ENTRY,
        person_id=person_id,
        data={
            "notice_action": {
                "notice_id": row.notice.id,
                "action": action,
                "person_id": person_id,
                "comment": comment,
            }
        },
    )
    return recorded


@on_drive_fetch
async def record_file_opened(session: AsyncSession, fetch: Fetch, downloaded: Any) -> None:
    """A drive file's bytes were fetched (the audited download): for each must-open-file
    notice naming that version, a recipient taking part in the chat who has not opened it yet
    gets its `opened` action (the fetch's address and user agent, the version's SHA-256)."""
    if fetch.person_id is None or fetch.services is None or downloaded.version_id is None:
        return
    opened = exists().where(
        ChatNoticeAction.notice_id == ChatNotice.id,
        ChatNoticeAction.person_id == fetch.person_id,
        ChatNoticeAction.action == OPENED,
    )
    found = (
        await session.execute(
            select(ChatNotice, ChatMessage, ChatConversation)
            .join(ChatMessage, ChatMessage.id == ChatNotice.message_id)
            .join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
            .where(
                ChatNotice.kind == MUST_OPEN_FILE,
                ChatNotice.version_id == downloaded.version_id,
                ChatConversation.organization_id == downloaded.organization_id,
                ~opened,
            )
        )
    ).all()
    if not found:
        return
    contacts = await session.execute(chat_contacts_statement(downloaded.organization_id))
    people: list[Any] = list(contacts.scalars())
    if fetch.person_id not in {int(p) for p in people}:
        return  # staff, or a contact without the chat: not a recipient's confirmation
    sha256 = await session.scalar(
        select(DriveFileVersion.sha256).where(DriveFileVersion.id == downloaded.version_id)
    )
    for notice, message, conversation in found:
        row = NoticeRow(notice, message, conversation)
        await record_action(
            session,
            fetch.services,
            row,
            fetch.person_id,
            OPENED,
            None,
            fetch.ip,
            fetch.user_agent,
            sha256,
        )
        await audit(
            session,
            f"person:{fetch.person_id}",
            "chat.notice_action",
            "chat_notice",
            notice.id,
            ip=fetch.ip,
            answer=OPENED,
            organization_id=conversation.organization_id,
        )


async def notice_file_link(
    session: AsyncSession, actor: Actor, files: TenantStorage, notice_id: int | None
) -> Link:
    """A short-lived audited link to the version a notice carries, for whoever sees the
    notice (a contact taking part in the chat needs no 'documents' grant for it). Fetching
    its bytes is what confirms a must-open-file notice (`record_file_opened`)."""
    row = await access_notice(session, actor, notice_id)
    file = await session.get(DriveFile, row.notice.file_id) if row.notice.file_id else None
    version = (
        await session.get(DriveFileVersion, row.notice.version_id)
        if row.notice.version_id
        else None
    )
    if file is None or version is None or file.deleted_at is not None:
        raise ChatError(
            "not_found",
            "NO_FILE",
            "У уведомления нет файла (или он удалён).",
            "The notice has no file (or it was deleted).",
        )
    return await issue_link(
        session,
        actor,
        files,
        file,
        version,
        action="download",
        ip=actor.ip,
        user_agent=actor.user_agent,
        token_id=actor.token_id,
    )
