"""Changes others must see, published through the outbox (DESIGN.md, step 6).

- `publish(ctx, topic, payload)` (or `publish_in(session, services, ...)` without a GraphQL
  context) writes an OutboxEvent in the caller's unit of work and, only after that commits
  (`saas.core.commit.after_commit`), sends `NOTIFY kabinet_events_<tenant id>` with the
  outbox id(s). The NOTIFY runs in its own short transaction (with the published_at stamp),
  never inside the hot write transaction: NOTIFY serializes commits.
- Announcing claims: `notify_published` stamps `published_at` only on rows still unstamped
  and announces just those (NOTIFY, the ON_ANNOUNCE hooks), in one transaction. A row whose
  transaction's COMMIT answer was lost (its after-commit announcement never ran) is found by
  the outbox sweeper (`sweep_outbox`, a periodic job of `saas worker`) after a grace period;
  the sweeper and a late normal path racing for a row announce it once.
- `EventFanout` (one per process, `fanout(services)`) LISTENs once per tenant through the
  NotificationHub and hands every new outbox row to the in-process subscriptions of that
  tenant. It reads the outbox by id (`id > last seen`), so a lost or empty notification
  (the hub sends "" after a reconnect) still delivers everything: subscribers catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.commit import after_commit, bind_services, pending
from saas.db.core_models import OutboxEvent
from saas.db.session import tenant_transaction
from saas.services import Services
from saas.tenants.registry import TenantRef

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000

# Called with (session, services, tenant, outbox ids) inside the transaction that claims those
# ids for announcement, by every path (the API's `publish`, jobs' `notify_published`, the
# sweeper): what a hook writes commits with the claim, so each event is acted on exactly once.
# Modules register here to act on events out of band (webhooks write their deliveries and
# enqueue them with `saas.core.commit.after_commit`). Each hook runs under a savepoint: a
# failing one is logged and undone, never raised, and the announcement still commits.
OnAnnounce = Callable[[AsyncSession, Services, TenantRef, list[int]], Awaitable[None]]
ON_ANNOUNCE: list[OnAnnounce] = []


def channel_for(tenant_id: int) -> str:
    return f"kabinet_events_{tenant_id}"


@dataclass(frozen=True)
class Published:
    id: int
    topic: str
    payload: dict[str, Any]
    created_at: datetime | None
    # What subscribers derive from the event, built once for all of them in this process
    # (every subscription queue of the firm receives this same object).
    shared: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


async def publish(ctx: Any, topic: str, payload: dict[str, Any]) -> int:
    """Write an outbox row in the current unit of work (ctx.db); NOTIFY after commit."""
    return await publish_in(ctx.db, ctx.services, topic, payload)


_OUTBOX_IDS = "events.outbox_ids"


async def publish_in(session: Any, services: Services, topic: str, payload: dict[str, Any]) -> int:
    """Write an outbox row in `session`'s transaction (tenant-bound: API, job or demo alike)
    and NOTIFY its id once that transaction commits (`saas.core.commit.after_commit`).

    Several publishes in one transaction send one NOTIFY carrying all their ids."""
    tenant: TenantRef = session.sync_session.info["tenant"]
    row_id = await write_outbox(session, topic, payload)
    info = session.sync_session.info
    if not pending(session, _OUTBOX_IDS):
        ids: list[int] = []
        info[_OUTBOX_IDS] = ids

        async def announce() -> None:
            await notify_published(services, tenant, list(ids))

        # In the background (issue 15): the API's unit of work answers without waiting for
        # the announcement and its hooks (~20 round trips); lost, the sweeper announces it.
        after_commit(session, announce, key=_OUTBOX_IDS, background=True)
    info[_OUTBOX_IDS].append(row_id)
    return row_id


async def write_outbox(session: Any, topic: str, payload: dict[str, Any]) -> int:
    """The outbox row alone, in the caller's transaction; the caller calls
    `notify_published` after its commit (jobs batch many rows into one NOTIFY)."""
    row = OutboxEvent(topic=topic, payload=payload)
    session.add(row)
    await session.flush()
    return int(row.id)


async def notify_published(services: Services, tenant: TenantRef, ids: list[int]) -> list[int]:
    """Announce outbox rows once: in one small transaction, claim those of `ids` still
    unpublished (stamp `published_at`), NOTIFY them and run the ON_ANNOUNCE hooks with them.
    Returns the ids this call announced (none when another path already did). If it fails,
    the rows stay unpublished and the sweeper announces them after its grace period."""
    if not ids:
        return []
    try:
        async with tenant_transaction(services.engine, tenant) as session:
            bind_services(session, services, announcing=True)  # the hooks' events too
            claimed = sorted(
                (
                    await session.execute(
                        update(OutboxEvent)
                        .where(OutboxEvent.id.in_(ids), OutboxEvent.published_at.is_(None))
                        .values(published_at=func.now())
                        .returning(OutboxEvent.id)
                    )
                ).scalars()
            )
            if not claimed:
                return []
            # Sent at this small transaction's commit; payload: ids, never rows.
            await session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": channel_for(tenant.id), "payload": ",".join(map(str, claimed))},
            )
            for hook in list(ON_ANNOUNCE):
                try:
                    async with session.begin_nested():
                        await hook(session, services, tenant, claimed)
                except Exception:
                    log.exception("an announce hook failed", extra={"tenant": tenant.id})
    except Exception:
        # The change is committed; the sweeper announces it (listeners also catch up from the
        # outbox on the tenant's next event).
        log.exception("could not announce outbox events", extra={"tenant": tenant.id})
        return []
    return claimed


async def sweep_outbox(
    services: Services, tenant: TenantRef, grace_seconds: float, max_age_seconds: float
) -> list[int]:
    """Announce the tenant's rows still unpublished `grace_seconds` after they were written
    (and younger than `max_age_seconds`), oldest first, 1,000 at most; returns those announced."""
    async with tenant_transaction(services.engine, tenant) as session:
        ids = list(
            (
                await session.execute(
                    select(OutboxEvent.id)
                    .where(
                        OutboxEvent.published_at.is_(None),
                        OutboxEvent.created_at < func.now() - _seconds(grace_seconds),
                        OutboxEvent.created_at > func.now() - _seconds(max_age_seconds),
                    )
                    .order_by(OutboxEvent.id)
                    .limit(1000)
                )
            ).scalars()
        )
    return await notify_published(services, tenant, ids)


def _seconds(value: float) -> Any:
    return func.make_interval(0, 0, 0, 0, 0, 0, float(value))


class EventFanout:
    """Per process: tenant -> subscriber queues, fed from the outbox after each NOTIFY."""

    def __init__(self, services: Services):
        self.services = services
        self._queues: dict[int, set[asyncio.Queue[Published]]] = defaultdict(set)
        self._tenants: dict[int, TenantRef] = {}
        self._last_seen: dict[int, int] = {}
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Future[None]] = set()
        self._callbacks: dict[int, Any] = {}

    async def _start_tenant(self, tenant: TenantRef) -> None:
        """LISTEN for the tenant (once) and note the newest outbox id: deliver what follows."""
        if tenant.id in self._tenants:
            return
        async with tenant_transaction(self.services.engine, tenant) as session:
            last = int(
                await session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0))) or 0
            )
        if tenant.id in self._tenants:  # another subscriber started it meanwhile
            return
        self._last_seen[tenant.id] = last
        self._tenants[tenant.id] = tenant

        async def on_notify(payload: str, tenant_id: int = tenant.id) -> None:
            await self.catch_up(tenant_id)

        self._callbacks[tenant.id] = on_notify
        self.services.hub.subscribe(channel_for(tenant.id), on_notify)
        # The hub LISTENs on a new channel within its poll interval: a NOTIFY sent before
        # that is lost, so read the outbox once the LISTEN is surely in place.
        delay = 2 * self.services.hub.poll + 0.1
        asyncio.get_running_loop().call_later(
            delay, lambda: self._keep(asyncio.ensure_future(self._safe_catch_up(tenant.id)))
        )

    def _stop_tenant(self, tenant_id: int) -> None:
        """The last subscriber left: stop reading the tenant's outbox on its notifications."""
        callback = self._callbacks.pop(tenant_id, None)
        if callback is not None:
            self.services.hub.unsubscribe(channel_for(tenant_id), callback)
        self._tenants.pop(tenant_id, None)
        self._last_seen.pop(tenant_id, None)

    def _keep(self, task: asyncio.Future[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _safe_catch_up(self, tenant_id: int) -> None:
        try:
            await self.catch_up(tenant_id)
        except Exception:
            log.exception("outbox catch-up failed", extra={"tenant": tenant_id})

    async def catch_up(self, tenant_id: int) -> None:
        """Deliver every outbox row above the last one seen to the tenant's subscribers."""
        tenant = self._tenants.get(tenant_id)
        if tenant is None:
            return
        async with self._locks[tenant_id]:
            if tenant_id not in self._last_seen:
                return
            async with tenant_transaction(self.services.engine, tenant) as session:
                rows = (
                    await session.execute(
                        select(OutboxEvent)
                        .where(OutboxEvent.id > self._last_seen[tenant_id])
                        .order_by(OutboxEvent.id)
                        .limit(10_000)
                    )
                ).scalars()
                events = [Published(r.id, r.topic, r.payload, r.created_at) for r in rows]
            if not events or tenant_id not in self._last_seen:
                return
            self._last_seen[tenant_id] = events[-1].id
            for queue in list(self._queues.get(tenant_id, ())):
                for published in events:
                    with contextlib.suppress(asyncio.QueueFull):
                        queue.put_nowait(published)  # a stalled subscriber loses, others don't

    @contextlib.asynccontextmanager
    async def subscription(self, tenant: TenantRef) -> AsyncIterator[asyncio.Queue[Published]]:
        """A queue receiving every event of the tenant published from now on."""
        queue: asyncio.Queue[Published] = asyncio.Queue(QUEUE_SIZE)
        await self._start_tenant(tenant)
        self._queues[tenant.id].add(queue)
        try:
            yield queue
        finally:
            self._queues[tenant.id].discard(queue)
            if not self._queues[tenant.id]:
                self._stop_tenant(tenant.id)


def fanout(services: Services) -> EventFanout:
    found = services.extras.get("events")
    if found is None:
        found = services.extras["events"] = EventFanout(services)
    return found


async def events_since(
    services: Services, tenant: TenantRef, after_id: int, topic: str | None = None
) -> list[Published]:
    """Outbox rows above `after_id` (a reconnecting client's catch-up), oldest first."""
    async with tenant_transaction(services.engine, tenant) as session:
        stmt = select(OutboxEvent).where(OutboxEvent.id > after_id).order_by(OutboxEvent.id)
        if topic is not None:
            stmt = stmt.where(OutboxEvent.topic == topic)
        rows = (await session.execute(stmt.limit(1000))).scalars()
        return [Published(r.id, r.topic, r.payload, r.created_at) for r in rows]
