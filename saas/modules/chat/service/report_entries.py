"""Report status changes as system entries of the organization's conversation: the client
reads "Отчёт «Декларация по НДС» за 3 кв. 2026: принят" among the messages.

An `ON_ANNOUNCE` hook of `saas.events`: it runs inside the transaction that claims the
reports module's `report.status_changed` outbox rows, so each change writes its entry exactly
once whatever path announces it (the API, an import job, the sweeper); reports never imports
the chat.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from saas.events import claimed_events
from saas.modules.chat.models import SYSTEM, SYSTEM_ENTRY, ChatConversation
from saas.modules.chat.service.conversations import (
    ensure_conversation,
    ensure_report_conversation,
)
from saas.modules.chat.service.messages import write_message
from saas.modules.notifications.service.inbox import period_label
from saas.modules.reports.catalog import form_of
from saas.modules.reports.models import Report
from saas.modules.reports.service.flow import STATUS_TOPIC
from saas.services import Services

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "prepared": ("подготовлен", "prepared"),
    "sent": ("отправлен", "sent"),
    "delivered": ("доставлен", "delivered"),
    "accepted": ("принят", "accepted"),
    "rejected": ("отклонён", "rejected"),
    "clarification_requested": ("запрошены пояснения", "clarification requested"),
    "processing_error": ("ошибка обработки", "processing error"),
}


# The statuses that open a follow-up (the report is "being fixed"): their entry also opens the
# report's own conversation, links to it, and is written there too.
BEING_FIXED = ("rejected", "clarification_requested")


def entry_texts(report: Report, status: str) -> tuple[str, str]:
    """(Russian, English) text of the entry."""
    form = form_of(report.form_code)
    ru_status, en_status = STATUS_WORDS.get(status, (status, status))
    ru = (
        f"Отчёт «{form.name('ru') if form else report.form_code}» за "
        f"{period_label(report.period_year, report.period_code, 'ru')}: {ru_status}"
    )
    en = (
        f"Report “{form.name('en') if form else report.form_code}” for "
        f"{period_label(report.period_year, report.period_code, 'en')}: {en_status}"
    )
    return ru, en


async def post_report_statuses(
    session: AsyncSession, services: Services, tenant: Any, ids: list[int]
) -> None:
    for _, _, payload in await claimed_events(session, ids, STATUS_TOPIC):
        report = await session.get(Report, int(payload["report_id"]))
        status = str(payload.get("status") or "")
        if report is None or status not in STATUS_WORDS:
            continue
        ru, en = entry_texts(report, status)
        data: dict[str, Any] = {
            "source": "report_status",
            "reportId": report.id,
            "status": status,
            "textEn": en,
        }
        targets = [await ensure_conversation(session, report.organization_id)]
        if status in BEING_FIXED:
            linked = await ensure_report_conversation(session, report.organization_id, report.id)
            data["reportConversationId"] = linked
            targets.append(linked)
        for conversation_id in targets:
            conversation = await session.get(ChatConversation, conversation_id)
            assert conversation is not None
            await write_message(
                session,
                services,
                conversation,
                body=ru,
                side=SYSTEM,
                kind=SYSTEM_ENTRY,
                # The reports module notifies of what needs the client (a rejection, a request
                # for clarifications): the entry itself notifies nobody twice.
                notify=False,
                announced_now=True,
                data=data,
            )
