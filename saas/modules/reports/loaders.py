"""DataLoaders of the reports module: one query per kind of thing per request."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from saas.core.loaders import ContextLoader
from saas.modules.reports.models import FollowUp, ReportDocument, ReportEvent


class EventsByReportLoader(ContextLoader):
    """report id -> its events, oldest first (by occurred_at, then recording order). Only
    called for reports the viewer could already load."""

    async def batch_load(self, keys: list[int]) -> list[list[ReportEvent]]:
        rows = await self.ctx.db.execute(
            select(ReportEvent)
            .where(ReportEvent.report_id.in_(sorted(set(keys))))
            .order_by(ReportEvent.report_id, ReportEvent.occurred_at, ReportEvent.id)
        )
        by_report: dict[int, list[ReportEvent]] = defaultdict(list)
        for event in rows.scalars():
            by_report[event.report_id].append(event)
        return [by_report.get(k, []) for k in keys]


class FollowUpsByReportLoader(ContextLoader):
    """report id -> its follow-ups, newest first."""

    async def batch_load(self, keys: list[int]) -> list[list[FollowUp]]:
        rows = await self.ctx.db.execute(
            select(FollowUp)
            .where(FollowUp.report_id.in_(sorted(set(keys))))
            .order_by(FollowUp.report_id, FollowUp.id.desc())
        )
        by_report: dict[int, list[FollowUp]] = defaultdict(list)
        for item in rows.scalars():
            by_report[item.report_id].append(item)
        return [by_report.get(k, []) for k in keys]


class DocumentsByReportLoader(ContextLoader):
    """report id -> its documents (of every event), oldest first. Only called for reports
    the viewer could already load. The feed primes it from its own statement (see
    graphql.ReportFeed), so a feed page costs no statement for documents."""

    async def batch_load(self, keys: list[int]) -> list[list[ReportDocument]]:
        rows = await self.ctx.db.execute(
            select(ReportDocument)
            .where(ReportDocument.report_id.in_(sorted(set(keys))))
            .order_by(ReportDocument.report_id, ReportDocument.id)
        )
        by_report: dict[int, list[ReportDocument]] = defaultdict(list)
        for document in rows.scalars():
            by_report[document.report_id].append(document)
        return [by_report.get(k, []) for k in keys]
