"""Tenant isolation at the database: a bound session cannot name another firm's schema."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from saas.db.engine import create_engine
from saas.db.read_once import read_once, read_shared_row
from saas.db.session import tenant_session
from saas.tenants.provisioning import provision_tenant, set_tenant_status
from saas.tenants.registry import TenantRef
from tests.support.waiting import eventually


async def _ref(engine, slug: str) -> TenantRef:  # type: ignore[no-untyped-def]
    from saas.db.session import shared_session
    from saas.tenants.models import Tenant

    async with shared_session(engine) as s:
        row = (await s.execute(sa.select(Tenant).where(Tenant.slug == slug))).scalar_one()
    return TenantRef.of(row)


@pytest.fixture
async def engine(database_url, firms):  # type: ignore[no-untyped-def]
    engine = create_engine(database_url, pool_size=1)
    yield engine
    await engine.dispose()


async def test_bound_session_reads_own_schema_and_is_refused_the_other(engine) -> None:  # type: ignore[no-untyped-def]
    a, b = await _ref(engine, "firm-a"), await _ref(engine, "firm-b")
    async with engine.begin() as conn:  # a marker row in each firm's outbox, as the owner
        marks = {}
        for firm in (a, b):
            marks[firm.slug] = await conn.scalar(
                sa.text(
                    f'INSERT INTO "{firm.schema}".outbox (topic, payload, published_at) '
                    "VALUES ('tenancy.marker', CAST(:p AS jsonb), now()) RETURNING id"
                ),
                {"p": f'{{"firm": "{firm.slug}"}}'},
            )
    async with tenant_session(engine, a) as session:
        assert await session.scalar(sa.text("SELECT current_user")) == a.db_role
        assert await session.scalar(sa.text("SELECT current_schema()")) == a.schema
        seen = await session.execute(
            sa.text("SELECT id, payload->>'firm' FROM outbox WHERE topic = 'tenancy.marker'")
        )
        rows = {tuple(row) for row in seen}
        assert (marks["firm-a"], "firm-a") in rows
        assert {firm for _, firm in rows} == {"firm-a"}  # firm b's marker is not in reach
        with pytest.raises(DBAPIError, match="permission denied for schema"):
            await session.execute(sa.text(f'SELECT * FROM "{b.schema}".outbox'))


async def test_shared_schema_is_out_of_reach_of_a_tenant_role(engine) -> None:  # type: ignore[no-untyped-def]
    a = await _ref(engine, "firm-a")
    async with tenant_session(engine, a) as session:
        with pytest.raises(DBAPIError, match="permission denied for schema shared"):
            await session.execute(sa.text("SELECT * FROM shared.people"))


async def test_rolled_back_savepoint_keeps_the_tenant_role(engine) -> None:  # type: ignore[no-untyped-def]
    a, b = await _ref(engine, "firm-a"), await _ref(engine, "firm-b")
    async with tenant_session(engine, a) as session:
        await session.execute(sa.text("SELECT 1"))
        savepoint = await session.begin_nested()
        # A buggy statement inside the savepoint tries to escape the role; rolling back undoes it.
        await session.execute(sa.text("RESET ROLE"))
        await savepoint.rollback()
        assert await session.scalar(sa.text("SELECT current_user")) == a.db_role
        with pytest.raises(DBAPIError, match="permission denied for schema"):
            await session.execute(sa.text(f'SELECT * FROM "{b.schema}".jobs'))


async def test_pooled_connection_carries_no_tenant_into_next_use(engine) -> None:  # type: ignore[no-untyped-def]
    a = await _ref(engine, "firm-a")
    async with tenant_session(engine, a) as session:
        assert await session.scalar(sa.text("SELECT current_setting('search_path')")) == a.schema
        backend = await session.scalar(sa.text("SELECT pg_backend_pid()"))
    async with engine.connect() as conn:  # pool_size=1: the very same connection
        assert await conn.scalar(sa.text("SELECT pg_backend_pid()")) == backend
        assert await conn.scalar(sa.text("SELECT current_user")) != a.db_role
        assert a.schema not in await conn.scalar(sa.text("SELECT current_setting('search_path')"))


async def test_each_transaction_of_a_session_is_bound(engine) -> None:  # type: ignore[no-untyped-def]
    a = await _ref(engine, "firm-a")
    async with tenant_session(engine, a) as session:
        await session.execute(sa.text("SELECT 1"))
        await session.commit()
        assert await session.scalar(sa.text("SELECT current_user")) == a.db_role


def test_provisioning_is_idempotent(db_engine) -> None:  # type: ignore[no-untyped-def]
    first = provision_tenant(db_engine, "twice-firm", "Twice")
    second = provision_tenant(db_engine, "twice-firm", "Twice")
    assert first == second
    with db_engine.connect() as conn:
        version = conn.execute(
            sa.text('SELECT version_num FROM "tenant_twice_firm".alembic_version')
        ).scalar_one()
    from saas.db.migrate import tenant_head

    assert version == tenant_head()


def test_unknown_host_is_404_json(client) -> None:  # type: ignore[no-untyped-def]
    response = client("nobody.kabinet.test").post({"query": "{ currentFirm { slug } }"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "UNKNOWN_HOST"
    assert "nobody.kabinet.test" in response.json()["error"]["message"]


def test_host_selects_the_firm(client, firms) -> None:  # type: ignore[no-untyped-def]
    for firm in firms.values():
        data = client(firm.host).execute("{ currentFirm { slug name } }")
        assert data["currentFirm"] == {"slug": firm.slug, "name": firm.name}
    assert client("kabinet.test").execute("{ currentFirm { slug } }") == {"currentFirm": None}


def test_suspended_firm_is_403_json(client, db_engine, live_server) -> None:  # type: ignore[no-untyped-def]
    provision_tenant(db_engine, "sleepy", "Sleepy Books")
    set_tenant_status(db_engine, "sleepy", "suspended")

    def refused() -> Any:  # the registry hears the change by NOTIFY
        response = client("sleepy.kabinet.test").post({"query": "{ currentFirm { slug } }"})
        return response if response.status_code == 403 else None

    response = eventually(refused, within=5, what="the suspended firm refused")
    assert response.json()["error"]["code"] == "TENANT_SUSPENDED"
    assert "Sleepy Books" in response.json()["error"]["message"]


async def test_serial_session_runs_concurrent_statements_one_at_a_time(engine) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    a = await _ref(engine, "firm-a")
    async with tenant_session(engine, a) as session:
        results = await asyncio.gather(
            session.scalar(sa.text("SELECT 1")),
            session.scalars(sa.text("SELECT 2")),
            session.execute(sa.text("SELECT 3")),
        )
        assert results[0] == 1
        assert list(results[1]) == [2]
        assert results[2].scalar_one() == 3


async def test_json_values_read_as_json_loads_reads_them(engine) -> None:  # type: ignore[no-untyped-def]
    """The engine reads json/jsonb with orjson where it gives the same values (saas.db.engine):
    integers beyond 64 bits, which orjson would read as floats, and the rest come out alike."""
    import json

    text = (
        '{"big": 123456789012345678901234567890, "neg": -9223372036854775809, '
        '"max": 18446744073709551615, "small": 7, "float": 0.1, "huge": 1e308, '
        '"nested": [{"name": "Отчёт.xml", "ok": true, "none": null}]}'
    )
    async with engine.connect() as conn:
        for cast in ("json", "jsonb"):
            value = await conn.scalar(sa.text(f"SELECT CAST(:v AS {cast})"), {"v": text})
            # What json.loads makes of the server's own text of the value (jsonb writes
            # 1e308 out in full: an integer).
            as_text = await conn.scalar(sa.text(f"SELECT CAST(:v AS {cast})::text"), {"v": text})
            assert value == json.loads(as_text)
            assert isinstance(value["big"], int) and isinstance(value["neg"], int)
            assert isinstance(value["float"], float) and value["nested"][0]["name"] == "Отчёт.xml"


@asynccontextmanager
async def _round_trips(engine: Any, trace: Path) -> AsyncIterator[Callable[[], int]]:
    """Connections checked out of `engine` meanwhile write libpq's protocol trace to `trace`
    (they are closed at the end); yields a counter of the round trips: messages the client
    ends a batch with and waits on (Sync of the extended protocol, Query of the simple one)."""
    from psycopg import pq

    with open(trace, "w+") as out:  # noqa: ASYNC230 (a test's small local file)

        def start(dbapi_connection: Any, record: Any, proxy: Any) -> None:
            pgconn = dbapi_connection.driver_connection.pgconn
            pgconn.trace(out.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

        def count() -> int:
            out.flush()
            out.seek(0)
            lines = [line.split("\t") for line in out.read().splitlines()]
            return sum(1 for line in lines if line[0] == "F" and line[2] in ("Sync", "Query"))

        sa.event.listen(engine.sync_engine, "checkout", start)
        try:
            yield count
        finally:
            sa.event.remove(engine.sync_engine, "checkout", start)
            await engine.dispose()  # no connection writes to the file once it is closed


async def test_a_read_once_is_bound_read_only_in_one_round_trip(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`read_once` (a compiled page's read) runs under the firm's role and search_path, READ
    ONLY, BEGIN to COMMIT in one round trip; the session's path takes one per statement."""
    a, b = await _ref(engine, "firm-a"), await _ref(engine, "firm-b")
    show = (
        "SELECT concat_ws(' ', current_user, current_setting('search_path'),"
        " current_setting('transaction_read_only'), %(marker)s::text)"
    )
    async with _round_trips(engine, tmp_path / "trace") as round_trips:
        assert await read_once(engine, a, show, {"marker": "x"}) == f"{a.db_role} {a.schema} on x"
        assert round_trips() == 1
        async with tenant_session(engine, a) as session:
            assert await session.scalar(sa.text("SELECT current_user")) == a.db_role
        assert round_trips() == 1 + 4  # BEGIN, the binding, the statement, ROLLBACK
        # The shared schema's one-statement read (the API token's lookup): autocommit, as the
        # login role, a named row, one round trip.
        row = await read_shared_row(engine, "SELECT current_user AS who, %(n)s::int AS n", {"n": 5})
        assert (row.n, row.who != a.db_role) == (5, True)
        assert round_trips() == 1 + 4 + 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        await read_once(engine, a, f'SELECT count(*) FROM "{b.schema}".outbox', {})
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        await read_once(engine, a, "CREATE TABLE read_once_table (id int)", {})
    async with engine.connect() as conn:  # back in the pool: idle, autocommit off, no tenant
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver.autocommit is False
        assert await conn.scalar(sa.text("SELECT current_user")) != a.db_role
    assert await read_once(engine, b, show, {"marker": "y"}) == f"{b.db_role} {b.schema} on y"


async def test_a_read_once_keeps_the_prepared_statements(engine) -> None:  # type: ignore[no-untyped-def]
    """psycopg prepares a statement run five times on a connection, and drops every one it
    prepared there when it sees a ROLLBACK it had not seen before (then sends DEALLOCATE
    ALL). `read_once` ends with COMMIT, so the statements a connection prepared (a hot
    page, the token's lookup) stay prepared, with their plans, across requests."""
    a = await _ref(engine, "firm-a")
    lookup = "SELECT %(n)s::int + count(*) AS n FROM pg_class WHERE relname = 'kept-marker'"
    for n in range(7):  # prepared on the pool's one connection at the sixth run
        assert (await read_shared_row(engine, lookup, {"n": n})).n == n
    assert await read_once(engine, a, "SELECT %(n)s::int", {"n": 1}) == 1
    for n in range(3):  # still the prepared statement (after a ROLLBACK: run unprepared)
        assert (await read_shared_row(engine, lookup, {"n": n})).n == n
    async with engine.connect() as conn:
        runs = await conn.scalar(
            sa.text(
                "SELECT sum(generic_plans + custom_plans) FROM pg_prepared_statements "
                "WHERE statement LIKE '%kept-marker%'"
            )
        )
    assert runs == 2 + 3


async def test_a_tenant_session_reads_text_in_its_open_transaction(engine) -> None:  # type: ignore[no-untyped-def]
    """`SerialSession.scalar_text` reads in one round trip of its own when the session has no
    transaction, and inside it when one is open (it sees the transaction's own writes)."""
    a = await _ref(engine, "firm-a")
    async with tenant_session(engine, a) as session:
        assert (
            await session.scalar_text("SELECT current_setting('transaction_read_only')", {}) == "on"
        )
        assert not session.in_transaction()
        await session.execute(sa.text("SELECT set_config('kabinet.marker', 'mine', true)"))
        marker = (
            "SELECT current_setting('transaction_read_only') || current_setting('kabinet.marker')"
        )
        assert await session.scalar_text(marker, {}) == "offmine"
