"""Demo chat history: every demo client's conversation with its manager over the last few
months (primary documents sent, questions about taxes, answers), written in one statement per
organization before the report statuses and the notices add their entries (a page is newest
first by id, so the history must come first). Idempotent: a conversation holding text
messages is left alone."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from saas.core.calendar.firm import calendar_of
from saas.db.session import tenant_transaction
from saas.demo_documents import DemoDrive
from saas.modules.chat.models import CLIENT, STAFF, TEXT, ChatConversation, ChatMessage, ChatRead
from saas.modules.chat.service.conversations import ensure_conversation
from saas.services import Services
from saas.settings import Settings

# (days ago, hour, side, text): the oldest first.
HISTORY: tuple[tuple[int, int, str, str], ...] = (
    (118, 10, CLIENT, "Добрый день! Пришлите, пожалуйста, реквизиты для оплаты ваших услуг."),
    (118, 12, STAFF, "Здравствуйте! Счёт выставлен, он в разделе «Данные для клиента»."),
    (104, 9, CLIENT, "Направляю банковскую выписку за июль и договоры с новыми поставщиками."),
    (104, 11, STAFF, "Спасибо, получили. Проведём до конца недели."),
    (90, 15, CLIENT, "Нужна ли нам декларация по налогу на имущество в этом году?"),
    (
        89,
        10,
        STAFF,
        "Декларация по налогу на имущество организаций с 2023 года не сдаётся: налог считает "
        "инспекция, мы только проверим сообщение из ИФНС.",
    ),
    (75, 14, CLIENT, "Сотрудник уходит в отпуск с 1 сентября, что от нас нужно?"),
    (75, 16, STAFF, "Пришлите заявление и приказ; отпускные рассчитаем и пришлём ведомость."),
    (61, 10, CLIENT, "Отправил акты за август в «Данные от клиента»."),
    (
        60,
        9,
        STAFF,
        "Приняли в обработку. Один акт без подписи контрагента — запросите, пожалуйста.",
    ),
    (46, 13, CLIENT, "Подписанный акт загрузили. Когда будет готова декларация по НДС?"),
    (45, 11, STAFF, "Декларацию по НДС за 3 квартал отправим до 20 октября, пришлём квитанцию."),
    (31, 10, CLIENT, "Получили требование из налоговой о пояснениях. Что делать?"),
    (
        30,
        12,
        STAFF,
        "Пояснения подготовим сами и отправим в срок: ответить нужно в течение 5 рабочих дней.",
    ),
    (16, 9, CLIENT, "Спасибо за помощь с требованием! Направляю выписку за октябрь."),
    (15, 10, STAFF, "Выписку получили. Напоминаем: аванс по налогу до 28 числа."),
    (2, 11, CLIENT, "Подскажите, можно ли перейти на УСН со следующего года?"),
)


async def _seed(services: Services, drive: DemoDrive) -> None:
    tenant = await services.registry.by_id(drive.tenant_id)
    assert tenant is not None
    calendar = calendar_of(tenant)
    today = calendar.today()
    async with tenant_transaction(services.engine, tenant) as session:
        conversation_id = await ensure_conversation(session, drive.organization_id)
        written = await session.scalar(
            sa.select(sa.func.count())
            .select_from(ChatMessage)
            .where(ChatMessage.conversation_id == conversation_id, ChatMessage.kind == TEXT)
        )
        if written:
            return
        rows = []
        for days, hour, side, text in HISTORY:
            at = datetime.combine(today - timedelta(days=days), time(hour), calendar.zone)
            person = drive.contact_id if side == CLIENT else drive.manager_id
            rows.append(
                {
                    "conversation_id": conversation_id,
                    "author_person_id": person,
                    "author_side": side,
                    "kind": TEXT,
                    "body": text,
                    "created_at": at,
                }
            )
        ids = (
            await session.execute(
                sa.insert(ChatMessage)
                .values(rows)
                .returning(ChatMessage.id, ChatMessage.created_at)
            )
        ).all()
        last_id, last_at = max(ids)
        # The client read everything; the manager has not read the last question yet.
        await session.execute(
            sa.insert(ChatRead).values(
                [
                    {
                        "conversation_id": conversation_id,
                        "person_id": drive.contact_id,
                        "side": CLIENT,
                        "last_read_message_id": last_id,
                    },
                    {
                        "conversation_id": conversation_id,
                        "person_id": drive.manager_id,
                        "side": STAFF,
                        "last_read_message_id": sorted(ids)[-2][0],
                    },
                ]
            )
        )
        await session.execute(
            sa.update(ChatConversation)
            .where(ChatConversation.id == conversation_id)
            .values(last_message_id=last_id, last_message_at=last_at, awaiting_since=last_at)
        )


def seed_demo_chat(settings: Settings, database_url: str, drives: list[DemoDrive]) -> None:
    async def run() -> None:
        services = Services.build(settings, database_url)
        try:
            for drive in drives:
                await _seed(services, drive)
        finally:
            await services.engine.dispose()

    asyncio.run(run())
