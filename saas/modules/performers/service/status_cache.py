"""Status checks cached for the day per firm + INN, retried with back-off when the service
is down or limits the rate. The cache key carries the tenant: one firm's answer is never
served to another firm."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

from saas.modules.performers.service.npd import NpdError, NpdGateway, TaxpayerStatus


@dataclass
class StatusChecker:
    gateway: NpdGateway
    retries: int = 3
    backoff_seconds: float = 1.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _cache: dict[tuple[str, str, date], TaxpayerStatus] = field(default_factory=dict)

    async def status(self, tenant: str, inn: str, on: date) -> TaxpayerStatus:
        key = (tenant, inn, on)
        if (hit := self._cache.get(key)) is not None:
            return hit
        attempt = 0
        while True:
            try:
                result = await self.gateway.taxpayer_status(inn, on)
                break
            except NpdError as exc:
                if not exc.retryable or attempt >= self.retries:
                    raise
                await self.sleep(self.backoff_seconds * (2**attempt))
                attempt += 1
        self._cache = {k: v for k, v in self._cache.items() if k[2] == on}
        self._cache[key] = result
        return result
