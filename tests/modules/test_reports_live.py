"""`reportStatusChanged` over a real WebSocket (graphql-transport-ws): an event recorded by
another connection arrives within a second; a client without the grant, and another firm,
receive nothing; `since` replays what a reconnecting subscriber missed; the grants of all
client subscribers are read in one statement, each keeps its own, and a revoked grant stops
the deliveries once the grants are re-read."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import sqlalchemy as sa

from saas.modules.reports.service import live_grants
from saas.tenants.provisioning import schema_for
from tests.support.ids import pk
from tests.support.live import (
    SUBSCRIBE,
    bearer,
    cookie,
    hub_listening,
    next_change,
    open_socket,
    session_cookie,
    subscribe,
)
from tests.support.reports import World, add_contact, at, build_world, new_report, record
from tests.support.server import api_process


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


async def test_status_change_reaches_granted_subscribers_only(world: World, live_server) -> None:  # type: ignore[no-untyped-def]
    port = live_server.port
    report = await asyncio.to_thread(new_report, world.admin_a, world.org1)
    sockets = {
        "client1": await open_socket(port, world.host_a, cookie(world.client1)),
        "client1_org": await open_socket(port, world.host_a, cookie(world.client1)),
        "staff": await open_socket(port, world.host_a, cookie(world.admin_a)),
        "client2": await open_socket(port, world.host_a, cookie(world.client2)),
        "firm_b": await open_socket(port, world.host_b, cookie(world.admin_b)),
    }
    try:
        for name, ws in sockets.items():
            await subscribe(ws, {"org": world.org1} if name == "client1_org" else {})
        await hub_listening()

        # How fast is bench_fanout's to measure (p95 over 1,000 subscribers), not a test's.
        result = await asyncio.to_thread(
            record, world.integrator_a, report["id"], "REJECTED", at(0)
        )
        assert result["__typename"] == "ReportEventRecorded", result
        for name in ("client1", "client1_org", "staff"):
            change = await next_change(sockets[name], 10.0)
            assert change is not None, f"{name} received nothing"
            assert (change["reportId"], change["organizationId"]) == (report["id"], world.org1)
            assert (change["status"], change["beingFixed"]) == ("REJECTED", True)
        for name in ("client2", "firm_b"):
            assert await next_change(sockets[name], 0.7) is None, name

        # A change of another organization does not reach the one-organization subscriber.
        other = await asyncio.to_thread(new_report, world.admin_a, world.org2)
        await asyncio.to_thread(record, world.integrator_a, other["id"], "SENT", at(0))
        staff_sees = await next_change(sockets["staff"], 1.0)
        assert staff_sees is not None and staff_sees["reportId"] == other["id"]
        assert await next_change(sockets["client1_org"], 0.5) is None
        assert await next_change(sockets["client1"], 0.2) is None
    finally:
        for ws in sockets.values():
            await ws.close()


async def test_since_replays_missed_changes(world: World, live_server) -> None:  # type: ignore[no-untyped-def]
    port = live_server.port
    report = await asyncio.to_thread(new_report, world.admin_a, world.org1)
    ws = await open_socket(port, world.host_a, bearer(world.integrator_a))
    try:
        await subscribe(ws, {"org": world.org1})
        await hub_listening()
        await asyncio.to_thread(record, world.integrator_a, report["id"], "SENT", at(0))
        first = await next_change(ws, 10.0)
        assert first is not None and first["status"] == "SENT"
    finally:
        await ws.close()
    # While disconnected, the report is accepted; reconnecting with `since` replays it.
    await asyncio.to_thread(record, world.integrator_a, report["id"], "ACCEPTED", at(5))
    ws = await open_socket(port, world.host_a, cookie(world.client1))
    try:
        await subscribe(ws, {"since": first["sequence"]})
        replayed = await next_change(ws, 10.0)
        assert replayed is not None
        assert (replayed["reportId"], replayed["status"]) == (report["id"], "ACCEPTED")
        assert replayed["sequence"] > first["sequence"]
    finally:
        await ws.close()


async def test_ungranted_organization_is_refused(world: World, live_server) -> None:  # type: ignore[no-untyped-def]
    ws = await open_socket(live_server.port, world.host_a, cookie(world.client1))
    try:
        await subscribe(ws, {"org": world.org2})
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        # graphql-transport-ws sends an execution error as a `next` with errors, then ends.
        assert message["type"] == "next", message
        assert message["payload"]["data"] is None
        assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["NOT_FOUND"]
    finally:
        await ws.close()


@pytest.fixture(scope="module")
def second_api(settings, database_url) -> Any:  # type: ignore[no-untyped-def]
    """Another API process (`saas serve`) on the same database: its own LISTEN connection."""
    with api_process(settings, database_url) as port:
        yield port


async def test_event_recorded_in_one_process_reaches_a_subscriber_of_another(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api
) -> None:
    report = await asyncio.to_thread(new_report, world.admin_a, world.org1)
    ws = await open_socket(second_api, world.host_a, cookie(world.client1))
    try:
        await subscribe(ws, {"org": world.org1})
        await hub_listening()
        await asyncio.to_thread(record, world.integrator_a, report["id"], "ACCEPTED", at(0))
        change = await next_change(ws, 10.0)
        assert change is not None, "the other process delivered nothing"
        assert (change["reportId"], change["status"]) == (report["id"], "ACCEPTED")
    finally:
        await ws.close()


class GrantReads:
    """Counts the statements reading live subscribers' grants (people_grants_statement)."""

    def __init__(self, live_server: Any):
        self.engine = live_server.app.state.services.engine.sync_engine
        self.count = 0

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "client_grants" in statement and "person_id IN" in statement:
            self.count += 1

    def __enter__(self) -> GrantReads:
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: Any) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)


async def test_client_subscribers_grants_are_read_together_and_kept_apart(  # type: ignore[no-untyped-def]
    world: World, live_server, db_engine, firms, monkeypatch
) -> None:
    a = firms["a"]
    port = live_server.port
    monkeypatch.setattr(live_grants, "GRANTS_TTL", 3.0)
    # Client users of firm A: reports on org1 (two of them), reports on org2, only chat on org1.
    people = {
        "org1": add_contact(db_engine, a.slug, a.id, pk(world.org1), ["reports"]),
        "org1_revoked": add_contact(db_engine, a.slug, a.id, pk(world.org1), ["reports"]),
        "org2": add_contact(db_engine, a.slug, a.id, pk(world.org2), ["reports"]),
        "chat_only": add_contact(db_engine, a.slug, a.id, pk(world.org1), ["chat"]),
    }
    first = await asyncio.to_thread(new_report, world.admin_a, world.org1)
    second = await asyncio.to_thread(new_report, world.admin_a, world.org2)
    sockets = {
        name: await open_socket(port, world.host_a, session_cookie(secret))
        for name, (_, secret, _) in people.items()
    }
    try:
        for ws in sockets.values():
            await subscribe(ws, {})
        await hub_listening()

        async def deliveries(
            report: dict[str, Any], kind: str, minute: int, reads_expected: int
        ) -> set[str]:
            with GrantReads(live_server) as reads:
                await asyncio.to_thread(record, world.integrator_a, report["id"], kind, at(minute))
                got = set()
                for name, ws in sockets.items():
                    change = await next_change(ws, 1.0 if not got else 0.4)
                    if change is not None:
                        assert change["reportId"] == report["id"], (name, change)
                        got.add(name)
            # Four client subscribers: one read of their grants (not one each), then none
            # while they are fresh.
            assert reads.count == reads_expected, reads.count
            return got

        assert await deliveries(first, "SENT", 0, 1) == {"org1", "org1_revoked"}
        assert await deliveries(second, "SENT", 0, 0) == {"org2"}

        # A revoked grant stops the deliveries once the grants are re-read (GRANTS_TTL).
        with db_engine.begin() as conn:
            conn.execute(
                sa.text(
                    f'DELETE FROM "{schema_for(a.slug)}".client_grants g USING '
                    f'"{schema_for(a.slug)}".client_contacts c WHERE g.contact_id = c.id '
                    "AND c.person_id = :p"
                ),
                {"p": people["org1_revoked"][0]},
            )
        await asyncio.sleep(3.2)  # the point: the grants cached per socket expire (GRANTS_TTL)
        assert await deliveries(first, "DELIVERED", 5, 1) == {"org1"}
    finally:
        for ws in sockets.values():
            await ws.close()


@pytest.mark.parametrize(
    ("query", "shared"),
    [
        (SUBSCRIBE, True),
        ("subscription { reportStatusChanged { __typename s: status } }", True),
        ("subscription($x: Boolean!) { reportStatusChanged { status @include(if: $x) } }", False),
        (
            "subscription { reportStatusChanged { ...F } } fragment F on ReportStatusChange "
            "{ status }",
            False,
        ),
    ],
)
def test_only_plain_selections_share_one_result(query: str, shared: bool) -> None:
    """A result computed once per event serves every subscriber of the same document only
    when nothing in it can differ between them (saas.schema.execution)."""
    from graphql import parse

    from saas.schema.execution import plain_leaf
    from saas.schema.root import build_schema
    from saas.schema.shared_events import shareable

    schema = build_schema()._schema
    operation = parse(query).definitions[0]
    assert shareable(schema, operation, plain_leaf) is shared  # type: ignore[arg-type]


async def test_subscribers_of_other_selections_get_their_own_shape(  # type: ignore[no-untyped-def]
    world: World, live_server
) -> None:
    report = await asyncio.to_thread(new_report, world.admin_a, world.org1)
    queries = {
        "full": (SUBSCRIBE, {}),
        "aliased": ("subscription { reportStatusChanged { s: status id: reportId } }", {}),
        "skipped": (
            "subscription($x: Boolean!) { reportStatusChanged { status reportId @skip(if: $x) } }",
            {"x": True},
        ),
    }
    sockets = {}
    try:
        for name, (query, variables) in queries.items():
            ws = sockets[name] = await open_socket(
                live_server.port, world.host_a, cookie(world.admin_a)
            )
            payload = {"query": query, "variables": variables}
            await ws.send(json.dumps({"id": name, "type": "subscribe", "payload": payload}))
        await hub_listening()
        await asyncio.to_thread(record, world.integrator_a, report["id"], "SENT", at(0))
        got = {name: await next_change(ws, 10.0) for name, ws in sockets.items()}
        assert got["full"] is not None and got["full"]["status"] == "SENT"
        assert got["aliased"] == {"s": "SENT", "id": report["id"]}
        assert got["skipped"] == {"status": "SENT"}
    finally:
        for ws in sockets.values():
            await ws.close()
