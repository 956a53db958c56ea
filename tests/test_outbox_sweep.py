"""The outbox sweeper (saas.jobs.outbox): a report event whose announcement was lost (its
transaction committed, the after-commit NOTIFY never ran, as when the COMMIT's answer is
lost) reaches the firm's live subscribers and webhooks once, through the sweep job on the
real broker; sweepers racing each other and a late normal path announce it once.

A firm of the test's own; the API is the session's live server, the worker an in-process
dramatiq worker on its (PostgreSQL) broker, the webhook receiver a local HTTP server."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from dramatiq import Worker
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.relay import GlobalID
from websockets.asyncio.client import connect

import saas.events
from saas.auth.tokens import SESSION_COOKIE
from saas.db.engine import create_engine
from saas.events import notify_published, sweep_outbox
from saas.jobs import current_runtime_or_none, restore_jobs, setup_jobs, submit_job
from saas.jobs.outbox import sweep_unpublished_events
from saas.services import Services
from saas.settings import Settings
from saas.tenants.registry import TenantRef
from tests.support.announcements import announced
from tests.support.own_firm import OwnFirm, add_organization, own_firm
from tests.support.waiting import eventually

SUBSCRIBE = "subscription { reportStatusChanged { sequence reportId status } }"
CREATE_REPORT = """mutation($input: CreateReportInput!) { createReport(input: $input) {
  __typename ... on Report { id } ... on Error { code message } } }"""
RECORD = """mutation($input: RecordReportEventInput!) { recordReportEvent(input: $input) {
  __typename ... on ReportEventRecorded { report { status } } ... on Error { code message } } }"""
CREATE_ENDPOINT = """mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointCreated {
  endpoint { id } } ... on Error { code message } } }"""
BASE = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Receiver:
    """A webhook receiver: the body of every POST, answered 200."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        box = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                box.append(orjson.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> Counter[int]:
        return Counter(int(body["eventId"]) for body in list(self.bodies))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    yield box
    box.server.shutdown()
    box.server.server_close()


@pytest.fixture
def firm(db_engine: sa.Engine, settings: Settings, live_server: Any) -> Iterator[OwnFirm]:
    made = own_firm(db_engine, settings, "sweep", live_server.url)
    yield made
    made.close()


@pytest.fixture
def worker(live_server: Any) -> Iterator[Worker]:
    """An in-process worker on the live server's broker (the sweep, the deliveries)."""
    runtime = setup_jobs(live_server.app.state.services)
    previous = current_runtime_or_none()
    restore_jobs(runtime)
    running = Worker(runtime.broker, worker_threads=2, worker_timeout=100)
    running.start()
    try:
        yield running
    finally:
        running.stop(timeout=10_000)
        restore_jobs(previous)


@pytest.fixture
async def aengine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


@contextmanager
def announcements_lost(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[int]]]:
    """The after-commit announcement never runs (the live server shares this process). The
    writes answer before their announcement (issue 15): the patch stays until every
    announcement of the writes made inside has run into it."""
    lost: list[list[int]] = []

    async def never(services: Any, tenant: Any, ids: list[int]) -> list[int]:
        lost.append(list(ids))
        return []

    with monkeypatch.context() as patch:
        patch.setattr(saas.events, "notify_published", never)
        yield lost
        announced()


def unpublished(db_engine: sa.Engine, firm: OwnFirm) -> list[int]:
    with db_engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(f'SELECT id FROM "{firm.schema}".outbox WHERE published_at IS NULL')
            ).scalars()
        )


def deliveries_of(db_engine: sa.Engine, firm: OwnFirm) -> Counter[int]:
    with db_engine.connect() as conn:
        rows = conn.execute(sa.text(f'SELECT event_id FROM "{firm.schema}".webhook_deliveries'))
        return Counter(int(event_id) for event_id in rows.scalars())


def job_results(db_engine: sa.Engine, firm: OwnFirm, ids: list[int]) -> list[dict[str, Any]]:
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.text(f'SELECT status, result FROM "{firm.schema}".jobs WHERE id = ANY(:ids)'),
            {"ids": ids},
        ).all()
    done = [r.result for r in rows if r.status == "done"]
    return done if len(done) == len(ids) else []


async def live_changes(ws: Any, until: int, within: float = 30) -> list[int]:
    """The sequences received until (and with) `until`."""
    seen: list[int] = []
    while not seen or seen[-1] < until:
        message = json.loads(await asyncio.wait_for(ws.recv(), within))
        assert message["type"] == "next", message
        seen.append(int(message["payload"]["data"]["reportStatusChanged"]["sequence"]))
    return seen


class Scene:
    """The firm's report, its webhook endpoint (the receiver) and the admin's live socket."""

    def __init__(self, firm: OwnFirm, receiver: Receiver, db_engine: sa.Engine):
        assert firm.admin is not None
        self.admin = firm.admin
        org = add_organization(db_engine, firm, "ООО Ромашка")
        made = self.admin.execute(
            CREATE_ENDPOINT, {"input": {"url": receiver.url, "topics": ["report.status_changed"]}}
        )["createWebhookEndpoint"]
        assert made["__typename"] == "WebhookEndpointCreated", made
        report = self.admin.execute(
            CREATE_REPORT,
            {
                "input": {
                    "organizationId": str(GlobalID("ClientOrganization", str(org))),
                    "formCode": "pers_sved",
                    "periodYear": 2026,
                    "periodCode": "01",
                    "authorityCode": "7701",
                }
            },
        )["createReport"]
        assert report["__typename"] == "Report", report
        self.report = str(report["id"])

    def record(self, kind: str, minutes: int) -> None:
        """A report event over GraphQL, as the firm admin."""
        result = self.admin.execute(
            RECORD,
            {
                "input": {
                    "reportId": self.report,
                    "externalId": f"{kind}-{minutes}",
                    "kind": kind,
                    "occurredAt": (BASE + timedelta(minutes=minutes)).isoformat(),
                }
            },
        )["recordReportEvent"]
        assert result["__typename"] == "ReportEventRecorded", result

    async def listening(self, firm: OwnFirm, port: int) -> Any:
        """The admin's `reportStatusChanged` socket, once it has received an event."""
        ws = await connect(
            f"ws://{firm.host}:{port}/graphql",
            host="127.0.0.1",
            port=port,
            proxy=None,
            subprotocols=["graphql-transport-ws"],
            additional_headers={"Cookie": f"{SESSION_COOKIE}={self.admin.cookies[SESSION_COOKIE]}"},
        )
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        # Until the subscriber is listening, an event may pass it by: record until one arrives.
        for minute in range(1, 31):
            await asyncio.to_thread(self.record, "SENT" if minute % 2 else "ACCEPTED", minute)
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
            except TimeoutError:
                continue
            assert message["payload"]["data"]["reportStatusChanged"]["reportId"] == self.report
            return ws
        raise AssertionError("the subscription never received an event")


async def test_lost_announcement_reaches_webhooks_and_subscribers_once(
    firm: OwnFirm,
    receiver: Receiver,
    worker: Worker,
    live_server: Any,
    db_engine: sa.Engine,
    aengine: AsyncEngine,
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scene = Scene(firm, receiver, db_engine)
    record = scene.record
    ws = await scene.listening(firm, live_server.port)
    try:
        assert unpublished(db_engine, firm) == []

        with announcements_lost(monkeypatch) as lost:
            await asyncio.to_thread(record, "REJECTED", 100)
        [first] = unpublished(db_engine, firm)
        assert lost == [[first]]
        assert first not in deliveries_of(db_engine, firm)

        # Two sweep jobs at once on the real broker (grace 0: the row is due now).
        registry = live_server.app.state.services.registry
        tenant: TenantRef | None = await registry.by_id(firm.id)
        assert tenant is not None
        jobs = [
            await submit_job(aengine, tenant, sweep_unpublished_events, grace_seconds=0)
            for _ in range(2)
        ]
        results = await asyncio.to_thread(
            eventually,
            lambda: job_results(db_engine, firm, jobs),
            within=30,
            what="both sweep jobs done",
        )
        assert sorted(r["ids"] for r in results) == [[], [first]]
        assert unpublished(db_engine, firm) == []
        assert (await live_changes(ws, first))[-1] == first
        await asyncio.to_thread(
            eventually,
            lambda: receiver.events()[first] >= 1,
            within=30,
            what="the swept event's webhook",
        )

        # A late normal path, and sweepers racing it for another lost announcement.
        services = Services.build(settings, database_url)
        try:
            assert await notify_published(services, tenant, [first]) == []
            with announcements_lost(monkeypatch):
                await asyncio.to_thread(record, "ACCEPTED", 200)
            [second] = unpublished(db_engine, firm)
            raced = await asyncio.gather(
                sweep_outbox(services, tenant, 0, 3600),
                sweep_outbox(services, tenant, 0, 3600),
                notify_published(services, tenant, [second]),
            )
            assert sorted(raced) == [[], [], [second]], raced
        finally:
            await services.close()
        assert await live_changes(ws, second) == [second]

        # An event announced the normal way follows, and nothing was received twice.
        await asyncio.to_thread(record, "REJECTED", 300)
        [last] = await live_changes(ws, second + 1)
    finally:
        await ws.close()
    await asyncio.to_thread(
        eventually,
        lambda: all(receiver.events()[e] for e in (first, second, last)),
        within=30,
        what="every webhook delivered",
    )
    events = (first, second, last)
    assert [deliveries_of(db_engine, firm)[e] for e in events] == [1, 1, 1]
    assert [receiver.events()[e] for e in events] == [1, 1, 1]


async def test_a_write_answers_before_its_announcement_and_one_cut_short_is_swept(
    firm: OwnFirm,
    receiver: Receiver,
    worker: Worker,
    live_server: Any,
    db_engine: sa.Engine,
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 15: the mutation's answer does not wait for the announcement (the claim, NOTIFY,
    the ON_ANNOUNCE hooks), which then happens all the same; one cut short after the answer
    (its task stopped, as when the process stops) leaves the row to the sweeper."""
    scene = Scene(firm, receiver, db_engine)
    gate = threading.Event()
    entered: list[list[int]] = []
    finished: list[list[int]] = []

    async def held(session: Any, services: Any, tenant: TenantRef, ids: list[int]) -> None:
        if tenant.id == firm.id:
            entered.append(list(ids))
            await asyncio.to_thread(gate.wait, 20)
            finished.append(list(ids))

    monkeypatch.setattr(saas.events, "ON_ANNOUNCE", [held, *saas.events.ON_ANNOUNCE])
    try:
        await asyncio.to_thread(scene.record, "REJECTED", 100)
        # Answered while the first hook is still held: nothing of the claim is committed.
        ids = await asyncio.to_thread(
            eventually, lambda: entered and entered[0], within=10, what="the announcement running"
        )
        assert finished == []
        assert unpublished(db_engine, firm) == ids
        assert deliveries_of(db_engine, firm) == Counter()
    finally:
        gate.set()
    [first] = ids
    await asyncio.to_thread(
        eventually,
        lambda: not unpublished(db_engine, firm) and receiver.events()[first] == 1,
        within=30,
        what="the announcement's hooks (the webhook) once the answer was sent",
    )
    assert finished == [ids]

    cut: list[list[int]] = []

    async def stopped(session: Any, services: Any, tenant: TenantRef, ids: list[int]) -> None:
        if tenant.id == firm.id:
            cut.append(list(ids))
            raise asyncio.CancelledError  # the process stopping under the announcement

    monkeypatch.setattr(saas.events, "ON_ANNOUNCE", [stopped, *saas.events.ON_ANNOUNCE[1:]])
    await asyncio.to_thread(scene.record, "ACCEPTED", 200)
    [second] = await asyncio.to_thread(
        eventually, lambda: cut and cut[0], within=10, what="the announcement cut short"
    )
    assert unpublished(db_engine, firm) == [second]
    monkeypatch.setattr(saas.events, "ON_ANNOUNCE", saas.events.ON_ANNOUNCE[1:])
    tenant = await live_server.app.state.services.registry.by_id(firm.id)
    services = Services.build(settings, database_url)
    try:
        assert await sweep_outbox(services, tenant, 0, 3600) == [second]
    finally:
        await services.close()
    await asyncio.to_thread(
        eventually,
        lambda: receiver.events()[second] == 1,
        within=30,
        what="the swept event's webhook",
    )
    assert [deliveries_of(db_engine, firm)[e] for e in (first, second)] == [1, 1]


async def test_the_hooks_take_the_payloads_from_the_claim(
    firm: OwnFirm,
    receiver: Receiver,
    live_server: Any,
    db_engine: sa.Engine,
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 15: an announcement reads the outbox once, in its claim (`UPDATE ... RETURNING`
    the payloads); the hooks that act on a rejection (the requests' fix request, the chat's
    entry) take the payload from there, and still act."""
    scene = Scene(firm, receiver, db_engine)
    with announcements_lost(monkeypatch):
        await asyncio.to_thread(scene.record, "REJECTED", 100)
    [rejection] = unpublished(db_engine, firm)
    tenant = await live_server.app.state.services.registry.by_id(firm.id)
    services = Services.build(settings, database_url)
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(services.engine.sync_engine, "before_cursor_execute", record)
    try:
        assert await notify_published(services, tenant, [rejection]) == [rejection]
    finally:
        sa.event.remove(services.engine.sync_engine, "before_cursor_execute", record)
        await services.close()
    # The outbox is read once: the claim. (The chat's entries add their own rows.)
    reads = [s for s in seen if ".outbox" in s and not s.startswith("INSERT INTO")]
    assert len(reads) == 1 and reads[0].startswith("UPDATE"), reads
    assert "outbox.payload" in reads[0].partition(" RETURNING ")[2], reads
    # What the hooks wrote: the fix request, and the chat's entries.
    with db_engine.connect() as conn:
        fixes = conn.execute(
            sa.text(f'SELECT count(*) FROM "{firm.schema}".service_requests')
        ).scalar_one()
        entries = conn.execute(
            sa.text(
                f'SELECT count(*) FROM "{firm.schema}".chat_messages '
                "WHERE data->>'source' = 'report_status' AND data->>'status' = 'rejected'"
            )
        ).scalar_one()
    # (The chat's entry goes to the organization's conversation and the report's.)
    assert (fixes, entries) == (1, 2)
