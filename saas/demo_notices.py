"""Demo marks and notices: every demo client's chat gets its manager's marks of a call and a
visit, a paid service connected after them, an answered must-read notice and one pending
must-approve notice, written through the chat's services like the API's (idempotent: an
organization whose chat already has marks is left alone)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import sqlalchemy as sa

from saas.core.actor import Actor
from saas.core.calendar.firm import calendar_of
from saas.db.session import tenant_transaction
from saas.demo_documents import DemoDrive
from saas.modules.chat.models import MARK, ChatConversation, ChatMessage
from saas.modules.chat.service.marks import MarkInput, post_mark
from saas.modules.chat.service.notice_actions import act_on_notice
from saas.modules.chat.service.notices import NoticeInput, post_notice
from saas.services import Services
from saas.settings import Settings


def _actors(drive: DemoDrive) -> tuple[Actor, Actor]:
    manager = Actor(
        drive.tenant_id,
        f"person:{drive.manager_id}",
        drive.manager_id,
        staff=True,
        firm_wide=True,
        permissions=frozenset({"chat:read", "chat:write", "documents:read"}),
        ip="127.0.0.1",
    )
    contact = Actor(
        drive.tenant_id,
        f"person:{drive.contact_id}",
        drive.contact_id,
        client_org_ids=frozenset({drive.organization_id}),
        permissions=frozenset({"client_cabinet:read"}),
        ip="127.0.0.1",
        user_agent="Kabinet demo",
    )
    return manager, contact


async def _seed(services: Services, drive: DemoDrive) -> None:
    tenant = await services.registry.by_id(drive.tenant_id)
    assert tenant is not None
    manager, contact = _actors(drive)
    today = calendar_of(tenant).today()
    async with tenant_transaction(services.engine, tenant) as session:
        marked = await session.scalar(
            sa.select(sa.func.count())
            .select_from(ChatMessage)
            .join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
            .where(
                ChatConversation.organization_id == drive.organization_id,
                ChatMessage.kind == MARK,
            )
        )
        if marked:
            return
        org = drive.organization_id
        marks = (
            MarkInput("call", today - timedelta(days=9), "Спросили о переходе на УСН с 2027 года"),
            MarkInput("visit", today - timedelta(days=6), "Передали оригиналы договоров"),
            MarkInput(
                "service_connected",
                date(today.year + 1, 1, 1),
                "По итогам встречи",
                service="Кадровый учёт",
                price="3000",
            ),
        )
        for mark in marks:
            await post_mark(session, services, manager, org, mark)
        read = await post_notice(
            session,
            services,
            manager,
            org,
            NoticeInput(
                "must_read",
                "График сдачи отчётности на 1 квартал",
                "Просим подтвердить, что вы ознакомились со сроками.",
            ),
        )
        await act_on_notice(session, services, contact, read.notice.id, "read")
        await post_notice(
            session,
            services,
            manager,
            org,
            NoticeInput(
                "must_approve",
                "Согласуйте акт сверки за 3 квартал",
                "Акт приложен в разделе «Данные для клиента». Если суммы не сходятся, "
                "отклоните и напишите, с чем не согласны.",
            ),
        )


def seed_demo_notices(settings: Settings, database_url: str, drives: list[DemoDrive]) -> None:
    async def run() -> None:
        services = Services.build(settings, database_url)
        try:
            for drive in drives:
                await _seed(services, drive)
        finally:
            await services.engine.dispose()

    asyncio.run(run())
