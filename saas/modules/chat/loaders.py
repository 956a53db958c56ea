"""DataLoaders of the chat: the viewer's unread count per conversation (one statement for
every conversation of a page)."""

from __future__ import annotations

from saas.core.actor import actor_of
from saas.core.loaders import ContextLoader
from saas.modules.chat.service.reads import unread_counts


class UnreadLoader(ContextLoader):
    """conversation id -> the viewer's unread messages there."""

    async def batch_load(self, keys: list[int]) -> list[int]:
        person = actor_of(self.ctx).person_id
        counts = await unread_counts(self.ctx.db, person, keys)
        return [counts.get(k, 0) for k in keys]
