"""DataLoaders of the performers module: one statement each for every order, response or
performer of a page."""

from __future__ import annotations

from sqlalchemy import select

from saas.core.actor import actor_of
from saas.core.loaders import ContextLoader
from saas.modules.performers.models import (
    PerformerOrder,
    PerformerProfile,
    PerformerResponse,
    PortfolioItem,
)
from saas.modules.performers.service import orders, profiles


class ResponsesLoader(ContextLoader):
    """order id -> its responses as the viewer may see them (a performer: their own)."""

    async def batch_load(self, keys: list[int]) -> list[list[PerformerResponse]]:
        found = await orders.responses_of(self.ctx.db, actor_of(self.ctx), keys)
        return [found.get(k, []) for k in keys]


class OrderFilesLoader(ContextLoader):
    """order id -> the drive file ids attached to it."""

    async def batch_load(self, keys: list[int]) -> list[list[int]]:
        found = await orders.files_of(self.ctx.db, keys)
        return [found.get(k, []) for k in keys]


class ProfileLoader(ContextLoader):
    """person id -> their performer profile at this firm (None without one)."""

    async def batch_load(self, keys: list[int]) -> list[PerformerProfile | None]:

        rows = (
            await self.ctx.db.scalars(
                select(PerformerProfile).where(PerformerProfile.person_id.in_(keys))
            )
        ).all()
        found = {r.person_id: r for r in rows}
        return [found.get(k) for k in keys]


class PortfolioLoader(ContextLoader):
    """person id -> their portfolio, newest first."""

    async def batch_load(self, keys: list[int]) -> list[list[PortfolioItem]]:
        found = await profiles.portfolio_of(self.ctx.db, keys)
        return [found.get(k, []) for k in keys]


class RatingLoader(ContextLoader):
    """person id -> (orders done, orders given) at this firm."""

    async def batch_load(self, keys: list[int]) -> list[tuple[int, int]]:
        found = await orders.ratings(self.ctx.db, keys)
        return [found.get(k, (0, 0)) for k in keys]


class OrderLoader(ContextLoader):
    """order id -> the order (a contract's; the contract's scope was already applied)."""

    async def batch_load(self, keys: list[int]) -> list[PerformerOrder | None]:
        rows = (
            await self.ctx.db.scalars(select(PerformerOrder).where(PerformerOrder.id.in_(keys)))
        ).all()
        found = {r.id: r for r in rows}
        return [found.get(k) for k in keys]
