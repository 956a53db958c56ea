"""The system service under which rejected reports open their requests (requests module's
ON_ANNOUNCE hook) is created once per organization even when two rejections of it are
announced at the same time: the second transaction waits for the first one's row and uses it.
(The soak bench found the plain INSERT failing there with a unique violation: the hook's
savepoint rolled back and the rejections of that announcement opened no request.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select, text

from saas.db.session import tenant_transaction
from saas.modules.clients.models import ClientOrganization
from saas.modules.requests.models import RequestService
from saas.modules.requests.service.report_fixes import REPORT_FIX, _fix_service
from saas.services import Services
from saas.settings import Settings
from tests.support.waiting import async_eventually


@pytest.fixture
async def services(settings: Settings, database_url: str) -> AsyncIterator[Services]:
    built = Services.build(settings, database_url)
    yield built
    await built.close()


async def test_two_rejections_at_once_share_one_fix_service(services: Services, firms: Any) -> None:
    tenant = await services.registry.by_id(firms["a"].id)
    assert tenant is not None
    digits = str(uuid4().int)[:10]
    async with tenant_transaction(services.engine, tenant) as session:
        organization = ClientOrganization(
            name=f"ООО «Гонка {digits}»", legal_form="ooo", inn=digits, kpp="773601001",
            ogrn=f"102{digits}", tax_regime="osno", enabled_modules=["reports"],
        )  # fmt: skip
        session.add(organization)
        await session.flush()
        org_id = organization.id

    async def second() -> int:
        async with tenant_transaction(services.engine, tenant) as session:
            return (await _fix_service(session, org_id, None)).id

    async with tenant_transaction(services.engine, tenant) as first:
        made = (await _fix_service(first, org_id, None)).id
        other = asyncio.create_task(second())

        async def waiting() -> bool:
            async with services.engine.connect() as conn:
                count = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE 'INSERT INTO %request_services%'"
                    )
                )
            return bool(count) or other.done()

        # The second one missed the uncommitted row and waits on its INSERT for this commit.
        await async_eventually(waiting, within=15, what="the second INSERT waiting")
        assert not other.done()
    assert await asyncio.wait_for(other, 15) == made

    async with tenant_transaction(services.engine, tenant) as session:
        count = await session.scalar(
            select(func.count()).where(
                RequestService.organization_id == org_id, RequestService.system_key == REPORT_FIX
            )
        )
    assert count == 1
