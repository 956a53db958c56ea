"""DataLoaders of the requests: a page's comments, files, time entries and billing (price,
quantity, minutes), one statement each for every request of the page."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from saas.core.loaders import ContextLoader
from saas.modules.chat.service.request_entries import (
    RequestEntry,
    request_conversation_ids,
    request_entries,
)
from saas.modules.requests.models import (
    ServiceRequestFile,
    ServiceRequestTime,
)
from saas.modules.requests.service.time import Billing, billing_of, time_entries


class CommentsLoader(ContextLoader):
    """request id -> its comments (the messages of its conversation), oldest first."""

    async def batch_load(self, keys: list[int]) -> list[list[RequestEntry]]:
        found = await request_entries(self.ctx.db, keys)
        return [found.get(k, []) for k in keys]


class ConversationLoader(ContextLoader):
    """request id -> its conversation's id (None until its first entry)."""

    async def batch_load(self, keys: list[int]) -> list[int | None]:
        found = await request_conversation_ids(self.ctx.db, keys)
        return [found.get(k) for k in keys]


class FilesLoader(ContextLoader):
    """request id -> the drive file ids attached to it."""

    async def batch_load(self, keys: list[int]) -> list[list[int]]:
        rows = await self.ctx.db.execute(
            select(ServiceRequestFile.request_id, ServiceRequestFile.file_id)
            .where(ServiceRequestFile.request_id.in_(sorted(set(keys))))
            .order_by(ServiceRequestFile.created_at, ServiceRequestFile.file_id)
        )
        found: dict[int, list[int]] = defaultdict(list)
        for request_id, file_id in rows:
            found[request_id].append(file_id)
        return [found.get(k, []) for k in keys]


class TimeEntriesLoader(ContextLoader):
    """request id -> its time entries, oldest first."""

    async def batch_load(self, keys: list[int]) -> list[list[ServiceRequestTime]]:
        found: dict[int, list[ServiceRequestTime]] = defaultdict(list)
        for row in await time_entries(self.ctx.db, keys):
            found[row.request_id].append(row)
        return [found.get(k, []) for k in keys]


class BillingLoader(ContextLoader):
    """request id -> its price, quantity and minutes recorded."""

    async def batch_load(self, keys: list[int]) -> list[Billing | None]:
        found = await billing_of(self.ctx.db, keys)
        return [found.get(k) for k in keys]
