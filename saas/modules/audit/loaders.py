"""DataLoaders of the audit log: the names of the API tokens that acted (people are the
clients module's `PeopleByIdLoader`). One query per page, whatever its size."""

from __future__ import annotations

from sqlalchemy import select

from saas.auth.models import ApiToken
from saas.core.loaders import ContextLoader


class TokenNamesLoader(ContextLoader):
    """API token id -> its name, for the caller's firm's tokens only (None for another firm's
    or a deleted one), read through the shared session."""

    async def batch_load(self, keys: list[int]) -> list[str | None]:
        rows = await self.ctx.shared.execute(
            select(ApiToken.id, ApiToken.name).where(
                ApiToken.tenant_id == self.ctx.tenant.id, ApiToken.id.in_(sorted(set(keys)))
            )
        )
        found = {pk: name for pk, name in rows}
        return [found.get(k) for k in keys]
