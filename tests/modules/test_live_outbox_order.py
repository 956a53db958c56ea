"""Issue 16: outbox ids are taken before commit and transactions commit in any order. A row
whose transaction took a lower id and committed after a higher one had been delivered was
never delivered to live subscribers (1 of 17,240 status changes in the soak). Each test
holds a transaction "A" with its outbox row (the lower id) open while a status change "B" is
recorded over GraphQL, then ends A: the subscriber, on a real WebSocket, gets each committed
row once, in id order (its `sequence` is the cursor a client resumes from), and a rolled-back
A holds B back only until its transaction is seen gone."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from saas.events import channel_for, fanout
from saas.modules.reports.service.flow import STATUS_TOPIC
from saas.tenants.provisioning import schema_for
from tests.support.ids import pk
from tests.support.live import bearer, cookie, hub_listening, next_change, open_socket, subscribe
from tests.support.reports import World, at, build_world, new_report, record
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


class HeldRow:
    """Transaction A: an outbox row of firm A written and left uncommitted (its id is taken),
    as a slow request's would be; `commit()` then announces it as `notify_published` does."""

    def __init__(self, db_engine: sa.Engine, firm: Any, report: dict[str, Any], status: str):
        self.firm = firm
        self.schema = schema_for(firm.slug)
        self.conn = db_engine.connect()
        self.tx = self.conn.begin()
        payload = {
            "report_id": pk(report["id"]),
            "organization_id": pk(report["organizationId"]),
            "status": status.lower(),
            "status_at": at(1).isoformat(),
            "being_fixed": False,
        }
        self.id = int(
            self.conn.execute(
                sa.text(
                    f'INSERT INTO "{self.schema}".outbox (topic, payload) '
                    "VALUES (:topic, CAST(:payload AS jsonb)) RETURNING id"
                ),
                {"topic": STATUS_TOPIC, "payload": json.dumps(payload)},
            ).scalar_one()
        )

    def commit(self) -> None:
        self.tx.commit()
        with self.conn.begin():
            self.conn.execute(
                sa.text(
                    f'UPDATE "{self.schema}".outbox SET published_at = now() '
                    "WHERE id = :id AND published_at IS NULL"
                ),
                {"id": self.id},
            )
            self.conn.execute(
                sa.text("SELECT pg_notify(:channel, :payload)"),
                {"channel": channel_for(self.firm.id), "payload": str(self.id)},
            )

    def rollback(self) -> None:
        self.tx.rollback()

    def close(self) -> None:
        if self.tx.is_active:
            self.tx.rollback()
        self.conn.close()


@contextlib.contextmanager
def held_row(
    db_engine: sa.Engine, firm: Any, report: dict[str, Any], status: str
) -> Iterator[HeldRow]:
    row = HeldRow(db_engine, firm, report, status)
    try:
        yield row
    finally:
        row.close()


async def changes(ws: Any, count: int, within: float) -> list[dict[str, Any]]:
    got = []
    for _ in range(count):
        change = await next_change(ws, within)
        assert change is not None, f"only {got} arrived"
        got.append(change)
    return got


@contextlib.asynccontextmanager
async def subscribed_new_report(world: World, live_server: Any) -> AsyncIterator[tuple[dict, Any]]:
    """A new report of the firm, and the admin's socket subscribed to its organization."""
    report = await asyncio.to_thread(new_report, world.admin_a, world.org1)
    ws = await open_socket(live_server.port, world.host_a, cookie(world.admin_a))
    try:
        await subscribe(ws, {"org": world.org1})
        await hub_listening()
        yield report, ws
    finally:
        await ws.close()


async def test_a_row_committed_after_a_higher_one_is_delivered_once_in_order(  # type: ignore[no-untyped-def]
    world: World, firms, db_engine, live_server
) -> None:
    async with subscribed_new_report(world, live_server) as (report, ws):
        with held_row(db_engine, firms["a"], report, "SENT") as a:
            result = await asyncio.to_thread(
                record, world.integrator_a, report["id"], "REJECTED", at(0)
            )
            assert result["__typename"] == "ReportEventRecorded", result
            await asyncio.to_thread(a.commit)
            first, second = await changes(ws, 2, 10.0)
        assert (first["sequence"], first["status"]) == (a.id, "SENT")
        assert second["sequence"] > a.id and second["status"] == "REJECTED"
        assert second["reportId"] == report["id"]
        # Negative wait: nothing signals "no duplicate comes"; the fan-out's re-reads run
        # within 0.5 s, so a second copy of A or B would be here by then.
        assert await next_change(ws, 1.0) is None


async def test_a_rolled_back_lower_id_holds_the_next_event_back_only_briefly(  # type: ignore[no-untyped-def]
    world: World, firms, db_engine, live_server
) -> None:
    async with subscribed_new_report(world, live_server) as (report, ws):
        with held_row(db_engine, firms["a"], report, "SENT") as a:
            await asyncio.to_thread(record, world.integrator_a, report["id"], "ACCEPTED", at(0))
            await asyncio.to_thread(a.rollback)
            (change,) = await changes(ws, 1, 10.0)
        assert change["sequence"] > a.id and change["status"] == "ACCEPTED"
        # Negative wait: the rolled-back id never arrives, and B is not repeated.
        assert await next_change(ws, 1.0) is None


async def test_since_replays_only_up_to_a_row_still_being_written(  # type: ignore[no-untyped-def]
    world: World, firms, db_engine, live_server
) -> None:
    """A client reconnecting with `since` while A is open gets B only after A, so the
    sequence it resumes from next time never passes a row it has not seen."""
    report = await asyncio.to_thread(new_report, world.admin_a, world.org1)
    port = live_server.port
    ws = await open_socket(port, world.host_a, bearer(world.integrator_a))
    try:
        await subscribe(ws, {"org": world.org1})
        await hub_listening()
        await asyncio.to_thread(record, world.integrator_a, report["id"], "SENT", at(0))
        (seen,) = await changes(ws, 1, 10.0)
    finally:
        await ws.close()
    with held_row(db_engine, firms["a"], report, "REJECTED") as a:
        await asyncio.to_thread(record, world.integrator_a, report["id"], "ACCEPTED", at(5))
        ws = await open_socket(port, world.host_a, cookie(world.admin_a))
        try:
            await subscribe(ws, {"org": world.org1, "since": seen["sequence"]})
            await hub_listening()
            await asyncio.to_thread(a.commit)
            first, second = await changes(ws, 2, 10.0)
            assert (first["sequence"], first["status"]) == (a.id, "REJECTED")
            assert second["sequence"] > a.id and second["status"] == "ACCEPTED"
            # Negative wait: neither comes a second time (replay and queue overlap).
            assert await next_change(ws, 1.0) is None
        finally:
            await ws.close()


async def test_the_fan_out_keeps_nothing_of_a_firm_once_its_last_subscriber_left(  # type: ignore[no-untyped-def]
    world: World, firms, live_server
) -> None:
    """A process serving many firms in turn does not keep a lock, queue set or horizon for
    each firm it ever streamed to."""
    events = fanout(live_server.app.state.services)
    firm_id = firms["a"].id
    async with subscribed_new_report(world, live_server) as (report, ws):
        await asyncio.to_thread(record, world.integrator_a, report["id"], "SENT", at(0))
        await changes(ws, 1, 10.0)
        assert events.follows(firm_id)
    await asyncio.to_thread(
        eventually,
        lambda: not events.follows(firm_id),
        within=10,
        what="the fan-out to forget the firm after its socket closed",
    )
