"""One reminder for a notice still waiting for its recipients' action.

A notice needing action (must-read, must-open-file, must-approve) whose recipients have not
all acted by its due day gets one reminder: an in-app notification (`chat_notice_reminder`,
mailed by the batched e-mail, each person's preferences honored) to every recipient still
taking part in the chat who has not acted. The due day is the N-th business day after the
day it was posted (the firm's calendar: national holidays, moved days, the firm's own days
off, its time zone), N the firm's setting `chat_notice_reminder_days` (default 2): a notice
posted on Friday 20 February 2026, before the Monday 23 holiday, reminds on Wednesday 25.

The periodic job (`jobs.remind_chat_notices`) runs `send_due_reminders` for each firm; the
claim (`reminded_at`, set once, in the same transaction as the notifications) makes a
second run, or two at once, send nothing more.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.calendar.business import BusinessCalendar
from saas.modules.chat.models import ChatConversation, ChatMessage, ChatNotice
from saas.modules.chat.service.notices import (
    COMPLETING,
    NEEDING_ACTION,
    NoticeRow,
    actions_of,
    organization_name,
)
from saas.modules.chat.service.notify import chat_contacts_statement
from saas.modules.notifications.service import NotificationKind, notify_people

REMINDER_SETTING = "chat_notice_reminder_days"
DEFAULT_REMINDER_DAYS = 2
MAX_REMINDER_DAYS = 20
# Only notices this recent are looked at (keeps the run cheap): 20 business days are never
# longer than this, whatever the holidays.
WINDOW = timedelta(days=60)


def reminder_days(tenant: Any) -> int:
    """The firm's N (business days before the reminder), default 2, within 1..20."""
    value = (getattr(tenant, "settings", None) or {}).get(REMINDER_SETTING)
    try:
        days = int(value) if value is not None else DEFAULT_REMINDER_DAYS
    except (TypeError, ValueError):
        return DEFAULT_REMINDER_DAYS
    return min(max(days, 1), MAX_REMINDER_DAYS)


def due_on(calendar: BusinessCalendar, posted_at: datetime, days: int) -> date:
    """The day a notice posted at `posted_at` reminds, if still unanswered."""
    return calendar.add_business_days(calendar.local_date(posted_at), days)


def candidates_statement(now: datetime) -> Any:
    """Recent notices needing action, not reminded yet."""
    return (
        select(ChatNotice, ChatMessage, ChatConversation)
        .join(ChatMessage, ChatMessage.id == ChatNotice.message_id)
        .join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
        .where(
            ChatNotice.kind.in_(NEEDING_ACTION),
            ChatNotice.reminded_at.is_(None),
            ChatNotice.created_at > now - WINDOW,
            ChatNotice.created_at <= now,
        )
        .order_by(ChatNotice.id)
    )


async def pending_recipients(session: AsyncSession, row: NoticeRow) -> list[int]:
    """The notice's recipients, still taking part in the chat, who have not acted."""
    actions = (await actions_of(session, [row.notice.id]))[row.notice.id]
    completing = COMPLETING[row.notice.kind]
    done = {a.person_id for a in actions if a.action in completing}
    current = await session.execute(chat_contacts_statement(row.conversation.organization_id))
    people: list[Any] = list(current.scalars())
    taking_part = {int(p) for p in people}
    return [p for p in row.recipients if p not in done and p in taking_part]


async def remind(session: AsyncSession, row: NoticeRow, now: datetime) -> int:
    """Claim the notice's one reminder and notify its pending recipients; how many."""
    claimed = await session.scalar(
        update(ChatNotice)
        .where(ChatNotice.id == row.notice.id, ChatNotice.reminded_at.is_(None))
        .values(reminded_at=now)
        .returning(ChatNotice.id)
        .execution_options(synchronize_session=False)
    )
    if claimed is None:
        return 0
    pending = await pending_recipients(session, row)
    if not pending:
        return 0
    payload = {
        "organization_name": await organization_name(session, row.conversation.organization_id),
        "text": row.title,
        "conversation_id": row.conversation.id,
        "message_id": row.message.id,
        "notice_id": row.notice.id,
        "notice_kind": row.notice.kind,
    }
    return await notify_people(
        session,
        NotificationKind.CHAT_NOTICE_REMINDER,
        {p: "client" for p in pending},
        row.conversation.organization_id,
        payload,
    )


async def send_due_reminders(
    session: AsyncSession, calendar: BusinessCalendar, days: int, now: datetime
) -> dict[str, int]:
    """Remind every notice due by `now` (the firm's local date) and not answered by all its
    recipients. Returns the notices reminded and the people notified."""
    today = calendar.local_date(now)
    notices = people = 0
    rows: list[Any] = list((await session.execute(candidates_statement(now))).all())
    for notice, message, conversation in rows:
        row = NoticeRow(notice, message, conversation)
        if due_on(calendar, row.notice.created_at, days) > today:
            continue
        if not await pending_recipients(session, row):
            continue  # everyone acted (or left): nothing to remind, nothing claimed
        sent = await remind(session, row, now)
        notices += 1 if sent else 0
        people += sent
    return {"notices": notices, "people": people}
