"""DataLoaders of in-app notifications: one query per kind of thing per request."""

from __future__ import annotations

from sqlalchemy import select

from saas.core.actor import actor_of
from saas.core.loaders import ContextLoader
from saas.modules.reports.models import Report
from saas.modules.reports.service.scope import scope_reports


class ReportsByIdLoader(ContextLoader):
    """report id -> Report the viewer may read (scoped like the feed), or None."""

    async def batch_load(self, keys: list[int]) -> list[Report | None]:
        stmt = scope_reports(
            select(Report).where(Report.id.in_(sorted(set(keys)))), actor_of(self.ctx)
        )
        found = {r.id: r for r in (await self.ctx.db.execute(stmt)).scalars()}
        return [found.get(k) for k in keys]
