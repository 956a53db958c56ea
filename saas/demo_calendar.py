"""Demo data-exchange dates: every demo client gets three agreed dates in the next two weeks
(bank statements, primary documents, HR changes), written through the calendar's service like
the API's, so its 15-day calendar and feed show them beside the filings due (idempotent: an
organization that already has exchange dates is left alone)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from saas.core.actor import Actor
from saas.core.calendar.firm import calendar_of
from saas.db.session import tenant_transaction
from saas.demo_documents import DemoDrive
from saas.modules.calendar.models import ExchangeDate
from saas.modules.calendar.service.exchange import ExchangeInput, create_exchange_date
from saas.services import Services
from saas.settings import Settings

# (business days from today, what is exchanged, a note)
DATES = (
    (2, "Выписки банка за прошлый месяц", "Выгрузка из клиент-банка в формате 1С"),
    (6, "Первичные документы", "Акты, накладные и счета-фактуры поставщиков"),
    (9, "Кадровые изменения", "Приёмы, увольнения, отпуска и больничные"),
)


async def _seed(services: Services, drive: DemoDrive) -> None:
    tenant = await services.registry.by_id(drive.tenant_id)
    assert tenant is not None
    manager = Actor(
        drive.tenant_id,
        f"person:{drive.manager_id}",
        drive.manager_id,
        staff=True,
        firm_wide=True,
        permissions=frozenset({"clients:write"}),
        ip="127.0.0.1",
    )
    calendar = calendar_of(tenant)
    today = calendar.today()
    async with tenant_transaction(services.engine, tenant) as session:
        existing = await session.scalar(
            sa.select(sa.func.count())
            .select_from(ExchangeDate)
            .where(ExchangeDate.organization_id == drive.organization_id)
        )
        if existing:
            return
        for days, title, note in DATES:
            day = calendar.add_business_days(today, days)
            await create_exchange_date(
                session, manager, drive.organization_id, ExchangeInput(day, title, note)
            )


def seed_demo_calendar(settings: Settings, database_url: str, drives: list[DemoDrive]) -> None:
    async def run() -> None:
        services = Services.build(settings, database_url)
        try:
            for drive in drives:
                await _seed(services, drive)
        finally:
            await services.engine.dispose()

    asyncio.run(run())
