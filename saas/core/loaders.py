"""`ContextLoader`: the base of every module's DataLoaders.

A loader is created once per request by `ctx.loader(MyLoader)` and batches the keys asked for
in one tick into one call of its `batch_load(keys)`, which returns one value per key, in order.
Read through `self.ctx.db` (tenant-bound) or `self.ctx.shared`; apply the actor's scope
(`saas.core.actor.actor_of(self.ctx)`) in the statement, so a nested field cannot reach what
the top-level query could not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader


class ContextLoader(DataLoader[Any, Any]):
    """A per-request DataLoader holding the GraphQL context: subclasses implement `batch_load`."""

    def __init__(self, ctx: Any):
        super().__init__(load_fn=self.batch_load)
        self.ctx = ctx

    async def batch_load(self, keys: list[Any]) -> Sequence[Any]:
        raise NotImplementedError
