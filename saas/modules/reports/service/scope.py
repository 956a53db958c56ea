"""Which reports an actor sees: staff those of the organizations the core's
`organization_filter` lets them see (the whole firm with `clients:read_all`, else the assigned
ones), a client user those of organizations granting it 'reports'.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service import granted_scope
from saas.modules.reports.models import (
    Report,
    ReportDocument,
)
from saas.modules.reports.service.flow import report_not_found


def reports_scope(actor: Actor) -> ColumnElement[bool] | None:
    """Reports the actor may see: staff those of its organizations (`organization_filter`);
    a client user only those of organizations where it holds the 'reports' grant (active
    contact, module enabled)."""
    return granted_scope(actor, Report.organization_id, ClientModule.REPORTS.value)


def scope_reports(stmt: Select, actor: Actor) -> Select:
    clause = reports_scope(actor)
    return stmt if clause is None else stmt.where(clause)


async def access_report(session: AsyncSession, actor: Actor, report_id: int | None) -> Report:
    if report_id is None:
        raise report_not_found()
    row = (
        await session.execute(scope_reports(select(Report).where(Report.id == report_id), actor))
    ).scalar_one_or_none()
    if row is None:
        raise report_not_found()
    return row


async def reports_by_id(session: AsyncSession, actor: Actor, ids: list[int]) -> list[Report]:
    """The reports among these ids the actor sees (others are left out)."""
    stmt = scope_reports(select(Report).where(Report.id.in_(ids)), actor)
    return list((await session.execute(stmt)).scalars())


async def documents_by_id(
    session: AsyncSession, actor: Actor, ids: list[int]
) -> list[tuple[ReportDocument, str]]:
    """The documents among these ids of reports the actor sees, each with its report's status
    (which decides whether a client user may download it)."""
    stmt = scope_reports(
        select(ReportDocument, Report.status)
        .join(Report, Report.id == ReportDocument.report_id)
        .where(ReportDocument.id.in_(ids)),
        actor,
    )
    rows: Any = await session.execute(stmt)
    return [(document, status) for document, status in rows]
