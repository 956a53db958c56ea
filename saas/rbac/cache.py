"""The per-process cache of tenant policies, one TenantPolicy (enforcer) per tenant.

- Lazy: a tenant's policy is read on its first check (only its rows), then kept; the least
  recently used ones are dropped beyond `max_tenants`, so memory follows active tenants.
- Single flight: concurrent first checks of a tenant share one load.
- Off the event loop: rows are read with the async engine; the enforcer (pycasbin, sync)
  is built in a worker thread.
- Invalidation: every change of a tenant's policy is followed by
  `NOTIFY kabinet_policy, '<tenant id>'`; each process LISTENs through services.hub and drops
  that tenant's policy (an empty payload, sent when the listener reconnects, drops all).
  A load that started before an invalidation is not kept.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from saas.rbac.policy import TenantPolicy
from saas.rbac.store import POLICY_CHANGED, load_rules

if TYPE_CHECKING:
    from saas.services import Services

log = logging.getLogger(__name__)

EXTRAS_KEY = "rbac.enforcers"


class EnforcerCache:
    def __init__(self, engine: AsyncEngine, *, max_tenants: int = 2000):
        self.engine = engine
        self.max_tenants = max_tenants
        self._policies: OrderedDict[int, TenantPolicy] = OrderedDict()
        self._loading: dict[int, asyncio.Task[TenantPolicy]] = {}
        self._epoch = 0
        self._versions: dict[int, int] = {}
        self.loads = 0

    def __len__(self) -> int:
        return len(self._policies)

    def cached(self, tenant_id: int) -> TenantPolicy | None:
        return self._policies.get(tenant_id)

    async def get(self, tenant_id: int) -> TenantPolicy:
        policy = self._policies.get(tenant_id)
        if policy is not None:
            self._policies.move_to_end(tenant_id)
            return policy
        task = self._loading.get(tenant_id)
        if task is None:
            task = asyncio.ensure_future(self._load(tenant_id))
            self._loading[tenant_id] = task
            task.add_done_callback(functools.partial(self._loaded, tenant_id))
        # One request giving up must not cancel the load the others wait for.
        return await asyncio.shield(task)

    def _version(self, tenant_id: int) -> tuple[int, int]:
        return self._epoch, self._versions.get(tenant_id, 0)

    async def _load(self, tenant_id: int) -> TenantPolicy:
        version = self._version(tenant_id)
        rules = await load_rules(self.engine, tenant_id)
        policy = await asyncio.to_thread(TenantPolicy, tenant_id, rules)
        self.loads += 1
        if self._version(tenant_id) == version:
            self._policies[tenant_id] = policy
            self._policies.move_to_end(tenant_id)
            while len(self._policies) > self.max_tenants:
                self._policies.popitem(last=False)
        return policy

    def _loaded(self, tenant_id: int, task: asyncio.Task[TenantPolicy]) -> None:
        if self._loading.get(tenant_id) is task:
            del self._loading[tenant_id]
        if not task.cancelled() and task.exception() is not None:
            log.warning(
                "loading the policy of tenant %s failed", tenant_id, exc_info=task.exception()
            )

    def invalidate(self, payload: str = "") -> None:
        """Drop one tenant's policy (payload: its id) or all of them (empty payload)."""
        payload = payload.strip()
        if not payload:
            self._epoch += 1
            self._policies.clear()
            self._loading.clear()
            return
        try:
            tenant_id = int(payload)
        except ValueError:
            log.warning("ignoring a malformed policy notification %r", payload)
            return
        self._versions[tenant_id] = self._versions.get(tenant_id, 0) + 1
        self._policies.pop(tenant_id, None)
        # Later checks start a fresh load instead of joining one that may have read old rows.
        self._loading.pop(tenant_id, None)


def install_enforcer_cache(services: Services) -> EnforcerCache:
    """Create the process's cache and subscribe it to policy notifications. Called while the
    services are built, before the notification hub starts listening."""
    cache = services.extras.get(EXTRAS_KEY)
    if cache is None:
        cache = EnforcerCache(services.engine)
        services.extras[EXTRAS_KEY] = cache
        services.hub.subscribe(POLICY_CHANGED, cache.invalidate)
    return cache


def enforcer_cache(services: Services) -> EnforcerCache:
    cache = services.extras.get(EXTRAS_KEY)
    if cache is None:
        log.warning(
            "enforcer cache installed late: policy notifications may be missed until reconnect"
        )
        cache = install_enforcer_cache(services)
    return cache
