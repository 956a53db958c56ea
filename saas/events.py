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
  NotificationHub and hands every new outbox row to the tenant's in-process subscriptions in
  id order, each once: each notification (or "" after the hub reconnected) reads the outbox
  above the horizon, which moves only past *settled* ids (ids are taken before commit and
  commits come in any order; a row's id is the `sequence` clients resume from, so a row
  delivered past would be lost to them: issue 16). How a gap is proved dead: above `_Gap`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

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
# Modules register here to act on events out of band; a hook reads the rows with
# `claimed_events` (from the claim, no statement). Each runs under a savepoint: a failing one
# is logged and undone, never raised, and the announcement still commits.
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
            rows = (
                await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id.in_(ids), OutboxEvent.published_at.is_(None))
                    .values(published_at=func.now())
                    .returning(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload)
                )
            ).all()
            if not rows:
                return []
            claimed = sorted(row.id for row in rows)
            session.info[_CLAIMED] = {
                row.id: Claimed(row.id, row.topic, row.payload) for row in rows
            }
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


_CLAIMED = "events.claimed"


class Claimed(NamedTuple):
    id: int
    topic: str
    payload: Any


async def claimed_events(
    session: AsyncSession, ids: list[int], topic: str | None = None
) -> list[Claimed]:
    """The outbox rows `ids` (of `topic`) in id order: for an ON_ANNOUNCE hook, from the claim
    that returned them (no statement), else read."""
    claimed: dict[int, Claimed] | None = session.info.get(_CLAIMED)
    if claimed is None or any(i not in claimed for i in ids):
        query = select(OutboxEvent.id, OutboxEvent.topic, OutboxEvent.payload)
        found = await session.execute(query.where(OutboxEvent.id.in_(ids)))
        claimed = {row.id: Claimed(row.id, row.topic, row.payload) for row in found}
    rows = (claimed[i] for i in sorted(ids) if i in claimed)
    return [row for row in rows if topic is None or row.topic == topic]


async def sweep_outbox(
    services: Services, tenant: TenantRef, grace_seconds: float, max_age_seconds: float
) -> list[int]:
    """Announce the tenant's rows still unpublished `grace_seconds` after they were written
    (and younger than `max_age_seconds`), oldest first, 1,000 at most; returns those announced."""
    stale = (
        OutboxEvent.published_at.is_(None),
        OutboxEvent.created_at < func.now() - _seconds(grace_seconds),
        OutboxEvent.created_at > func.now() - _seconds(max_age_seconds),
    )
    async with tenant_transaction(services.engine, tenant) as session:
        query = select(OutboxEvent.id).where(*stale).order_by(OutboxEvent.id).limit(1000)
        ids = list((await session.execute(query)).scalars())
    return await notify_published(services, tenant, ids)


def _seconds(value: float) -> Any:
    return func.make_interval(0, 0, 0, 0, 0, 0, float(value))


# --------------------------------------------------------------------------------- fan-out
# Outbox ids come from a sequence when a transaction inserts its row, but transactions commit
# in any order: reading `id > last seen` and moving past the highest id read lost a row whose
# transaction took a lower id and committed later (issue 16). The fan-out therefore delivers
# in id order and only up to the first id that is not *settled*: an id is settled when its
# row is visible (committed) or when no transaction can still commit it. Rules:
#
# - A transaction inserting into the tenant's `outbox` holds a RowExclusiveLock on that table
#   from before it takes its id (the lock comes with the statement, before its defaults run)
#   until it ends; `pg_locks` shows those holders (the "writers") by virtual transaction.
# - An id missing below a visible one (a gap) was taken before that snapshot, so its
#   transaction was then either gone or still running and holding the lock. The writers read
#   right after the snapshot that first missed the gap are its witnesses; once a later read of
#   the writers shows none of them, every transaction that could commit the gap has ended, and
#   a snapshot taken after that which still misses it proves it never will (a rollback: the
#   sequence leaves a permanent hole). No gap, no extra statement: the normal case reads the
#   rows exactly as before.
# - A gap still unproven after GIVE_UP seconds (a writer left idle in its transaction) is given
#   up, with a warning: live events of the firm never stall for longer than that.


@dataclass
class _Gap:
    """Outbox ids [start, end] missing below a visible row, and what is known of who may
    still commit them."""

    start: int
    end: int
    seen: float  # first missed (monotonic clock)
    witnesses: frozenset[str] | None = None  # the writers read just after it was first missed
    cleared: bool = False  # every witness has ended: a snapshot from now on decides


class _Horizon:
    """One tenant's delivery point: every id at or below `low` is settled and its row was
    handed to the subscriptions; `gaps` are the ids missing just above it (bounded by the rows
    read: at most one range between two of them)."""

    def __init__(self, low: int):
        self.low = low
        self.gaps: list[_Gap] = []
        self.rechecks = 0
        self.timer: asyncio.TimerHandle | None = None
        self.lock = asyncio.Lock()  # one catch-up at a time; gone with the horizon

    def advance(self, ids: list[int], now: float, give_up: float) -> tuple[int, list[_Gap]]:
        """Take the ids above `low` seen in one snapshot (ascending): note the gaps between
        them, move `low` over the leading ids that no unsettled gap precedes. Returns how many
        leading ids to deliver, and the gaps given up on the way."""
        old, gaps, expected = self.gaps, [], self.low + 1
        for row_id in ids:
            if row_id > expected:
                gaps.append(_inherit(old, expected, row_id - 1, now))
            expected = row_id + 1
        ready, abandoned = 0, []
        for row_id in ids:
            if gaps and gaps[0].end < row_id:
                gap = gaps[0]
                if not gap.cleared:
                    if now - gap.seen < give_up:
                        break
                    abandoned.append(gap)
                gaps.pop(0)  # proven dead (or given up): step over it
            self.low = row_id
            ready += 1
        self.gaps = gaps
        return ready, abandoned

    def witness(self, writers: frozenset[str]) -> bool:
        """The outbox's writers, read after the last snapshot: gaps without witnesses take
        them; a gap none of whose witnesses is still writing is cleared. True if any was."""
        cleared = False
        for gap in self.gaps:
            if gap.cleared:
                continue
            if gap.witnesses is None:
                gap.witnesses = writers
            if not gap.witnesses & writers:
                gap.cleared = cleared = True
        return cleared


def _inherit(old: list[_Gap], start: int, end: int, now: float) -> _Gap:
    """The gap [start, end] with what an earlier read learnt of the range holding it (a gap
    only shrinks while rows commit into it); a range not missed before is new."""
    for gap in old:
        if gap.start <= start and end <= gap.end:
            return _Gap(start, end, gap.seen, gap.witnesses, gap.cleared)
    return _Gap(start, end, now)


_WRITERS = text(
    "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE locktype = 'relation' "
    "AND mode = 'RowExclusiveLock' AND relation = 'outbox'::regclass "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def _writers(session: AsyncSession) -> frozenset[str]:
    """The transactions now holding the right to insert into the tenant's outbox (the
    search_path names the tenant's table)."""
    return frozenset((await session.execute(_WRITERS)).scalars())


async def _rows_above(session: AsyncSession, low: int) -> list[Published]:
    rows = (
        await session.execute(
            select(OutboxEvent).where(OutboxEvent.id > low).order_by(OutboxEvent.id).limit(10_000)
        )
    ).scalars()
    return [Published(r.id, r.topic, r.payload, r.created_at) for r in rows]


class EventFanout:
    """Per process: tenant -> subscriber queues, fed from the outbox after each NOTIFY, in id
    order and only up to the settled horizon (above): each committed row once, none skipped."""

    GIVE_UP = 30.0  # seconds a gap may hold the firm's later events back (see above)
    RECHECK = (0.05, 0.5)  # first and longest delay of the re-reads while a gap is open

    def __init__(self, services: Services):
        self.services = services
        self._queues: dict[int, set[asyncio.Queue[Published]]] = defaultdict(set)
        self._tenants: dict[int, TenantRef] = {}
        self._horizons: dict[int, _Horizon] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self._callbacks: dict[int, Any] = {}

    async def _start_tenant(self, tenant: TenantRef) -> None:
        """LISTEN for the tenant (once) and find where its new events start."""
        if tenant.id in self._tenants:
            return
        low = await self._start_low(tenant)
        if tenant.id in self._tenants:  # another subscriber started it meanwhile
            return
        self._horizons[tenant.id] = _Horizon(low)
        self._tenants[tenant.id] = tenant

        async def on_notify(payload: str, tenant_id: int = tenant.id) -> None:
            # The payload (the ids announced, or "" after the hub reconnected) is not needed:
            # every notification reads on from the tenant's settled horizon.
            await self.catch_up(tenant_id)

        self._callbacks[tenant.id] = on_notify
        self.services.hub.subscribe(channel_for(tenant.id), on_notify)
        # The hub LISTENs on a new channel within its poll interval: a NOTIFY sent before
        # that is lost, so read the outbox once the LISTEN is surely in place.
        delay = 2 * self.services.hub.poll + 0.1
        asyncio.get_running_loop().call_later(delay, self._recheck, tenant.id)

    async def _start_low(self, tenant: TenantRef) -> int:
        """The newest outbox id `m`, once every id up to it is settled: an id taken after the
        snapshot that saw `m` is above it, and those taken before belong to transactions that
        were then gone or writing; wait (GIVE_UP at most) for those writers to end, so that a
        row committed after the subscription began is never below the horizon."""
        started = time.monotonic()
        async with tenant_transaction(self.services.engine, tenant) as session:
            low = int(await session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0))) or 0)
            writers = await _writers(session)
        delay = self.RECHECK[0]
        while writers and time.monotonic() - started < self.GIVE_UP:
            await asyncio.sleep(delay)  # a writer ends with no signal: look again
            delay = min(2 * delay, self.RECHECK[1])
            async with tenant_transaction(self.services.engine, tenant) as session:
                writers &= await _writers(session)
        if writers:
            log.warning(
                "outbox writers still open after the grace: events they commit below the "
                "start may not reach live subscribers",
                extra={"tenant": tenant.id, "low": low},
            )
        return low

    def _stop_tenant(self, tenant_id: int) -> None:
        """The last subscriber left: stop reading the tenant's outbox on its notifications."""
        callback = self._callbacks.pop(tenant_id, None)
        if callback is not None:
            self.services.hub.unsubscribe(channel_for(tenant_id), callback)
        self._tenants.pop(tenant_id, None)
        horizon = self._horizons.pop(tenant_id, None)
        if horizon is not None and horizon.timer is not None:
            horizon.timer.cancel()
        self._queues.pop(tenant_id, None)

    def follows(self, tenant_id: int) -> bool:
        """Whether anything of the tenant is kept: once its last subscriber left, nothing."""
        kept = (self._queues, self._tenants, self._horizons, self._callbacks)
        return any(tenant_id in held for held in kept)

    def _keep(self, task: asyncio.Future[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _recheck(self, tenant_id: int) -> None:
        self._keep(asyncio.ensure_future(self._safe_catch_up(tenant_id)))

    async def _safe_catch_up(self, tenant_id: int) -> None:
        try:
            await self.catch_up(tenant_id)
        except Exception:
            log.exception("outbox catch-up failed", extra={"tenant": tenant_id})

    async def horizon(self, tenant: TenantRef) -> int:
        """The id up to which every committed row has been (or, with no subscription yet,
        would be) handed to the subscriptions: a replay stops there, the queue goes on."""
        found = self._horizons.get(tenant.id)
        return found.low if found is not None else await self._start_low(tenant)

    async def catch_up(self, tenant_id: int) -> None:
        """Deliver the outbox rows above the horizon, in id order, up to the first gap that
        may still be filled; while one is open, look again shortly (a rollback sends nothing)."""
        tenant = self._tenants.get(tenant_id)
        state = self._horizons.get(tenant_id)
        if tenant is None or state is None:
            return
        async with state.lock:
            if self._horizons.get(tenant_id) is not state:  # the last subscriber left
                return
            events: list[Published] = []
            abandoned: list[_Gap] = []
            async with tenant_transaction(self.services.engine, tenant) as session:
                for _ in range(3):
                    rows = await _rows_above(session, state.low)
                    ready, given_up = state.advance(
                        [r.id for r in rows], time.monotonic(), self.GIVE_UP
                    )
                    events += rows[:ready]
                    abandoned += given_up
                    # Writers read after that snapshot; a gap they clear is decided by the
                    # next snapshot (this loop's next read, or the next catch-up's).
                    if not state.gaps or not state.witness(await _writers(session)):
                        break
            if self._horizons.get(tenant_id) is not state:  # the last subscriber left
                return
            for gap in abandoned:
                log.warning(
                    "outbox ids given up: their transactions stayed open too long",
                    extra={"tenant": tenant_id, "start": gap.start, "end": gap.end},
                )
            self._schedule(tenant_id, state)
            for queue in list(self._queues.get(tenant_id, ())):
                for published in events:
                    with contextlib.suppress(asyncio.QueueFull):
                        queue.put_nowait(published)  # a stalled subscriber loses, others don't

    def _schedule(self, tenant_id: int, state: _Horizon) -> None:
        """While a gap is open, read again after a short, growing delay (nothing announces
        a rolled-back id); a NOTIFY of the gap's row usually comes first."""
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        if not state.gaps:
            state.rechecks = 0
            return
        first, longest = self.RECHECK
        delay = min(first * 2**state.rechecks, longest)
        state.rechecks = min(state.rechecks + 1, 16)
        state.timer = asyncio.get_running_loop().call_later(delay, self._recheck, tenant_id)

    @contextlib.asynccontextmanager
    async def subscription(self, tenant: TenantRef) -> AsyncIterator[asyncio.Queue[Published]]:
        """A queue receiving every event of the tenant committed from now on, in id order,
        each once."""
        queue: asyncio.Queue[Published] = asyncio.Queue(QUEUE_SIZE)
        await self._start_tenant(tenant)
        self._queues[tenant.id].add(queue)
        try:
            yield queue
        finally:
            queues = self._queues.get(tenant.id)
            if queues is not None:
                queues.discard(queue)
            if not queues:
                self._stop_tenant(tenant.id)


def fanout(services: Services) -> EventFanout:
    found = services.extras.get("events")
    if found is None:
        found = services.extras["events"] = EventFanout(services)
    return found


async def events_since(
    services: Services, tenant: TenantRef, after_id: int, topic: str | None = None
) -> list[Published]:
    """Outbox rows above `after_id` (a reconnecting client's catch-up), oldest first, up to
    the fan-out's settled horizon only. Called inside `fanout(...).subscription()`: the queue
    carries, in id order, every row above the horizon it had when it was registered, so the
    replay and the queue together miss nothing and a row below `after_id` that committed late
    cannot exist (the client's `after_id` came from an in-order delivery). Rows above the
    horizon come through the queue; the subscriber drops those it already replayed."""
    upto = await fanout(services).horizon(tenant)
    async with tenant_transaction(services.engine, tenant) as session:
        stmt = (
            select(OutboxEvent)
            .where(OutboxEvent.id > after_id, OutboxEvent.id <= upto)
            .order_by(OutboxEvent.id)
        )
        if topic is not None:
            stmt = stmt.where(OutboxEvent.topic == topic)
        rows = (await session.execute(stmt.limit(1000))).scalars()
        return [Published(r.id, r.topic, r.payload, r.created_at) for r in rows]
