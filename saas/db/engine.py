"""One async engine per process. Connections are recycled (catalog caches grow with every
tenant schema a connection touches) and carry no session-level settings between uses."""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from saas.db.server import sqlalchemy_url

# 19 digits in a row: maybe an integer beyond 64 bits, which orjson reads as a float. Found
# by turning every digit into 0 and looking for 19 zeros (~10x faster than a regex).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def json_loads(data: bytes | str) -> Any:
    """json/jsonb values as psycopg reads them: orjson (several times faster than json.loads
    on a feed page's documents), json.loads where orjson would read differently (a run of 19
    digits or more: integers beyond 64 bits) or refuses, so every value reads as before."""
    if isinstance(data, str):  # psycopg passes bytes; anything else, to be safe
        data = data.encode()
    if _LONG_NUMBER not in data.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_age: int = 600,
    max_uses: int = 0,
    pre_ping: bool = False,
) -> AsyncEngine:
    """`pre_ping`: test each connection as it leaves the pool (one round trip). The worker
    pings: a job is the first to use a pool after a database restart, and would fail once on
    a dead connection. The API does not: its listener's reconnect starts a fresh pool
    (saas.services), and a request that still meets a dead one gets a 503 with Retry-After
    (saas.ops.outage) while the error invalidates the rest of the pool.

    `max_age` (seconds) and `max_uses` (checkouts; 0: no limit) retire a connection, whichever
    comes first. A PostgreSQL backend keeps the catalog entries of every relation it has read
    for as long as it lives (4-38 KiB of private memory per firm it served a request of, in
    two runs of the scale bench; docs/performance.md "Scale"): a busy connection hopping
    between thousands of firms reaches many of them within `max_age`, so the uses bound its
    memory; the age bounds a quiet one."""
    engine = create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=max_age,
        pool_pre_ping=pre_ping,
        pool_reset_on_return="rollback",
        connect_args={"application_name": "kabinet"},
        json_deserializer=json_loads,
        # Errors and logs show the statement, never its values (token hashes, e-mails).
        hide_parameters=True,
    )
    if max_uses > 0:
        retire_after_uses(engine, max_uses)
    return engine


def retire_after_uses(engine: AsyncEngine, max_uses: int) -> None:
    """Close a pooled connection after `max_uses` checkouts: marked at its last check-in, the
    pool opens a fresh one in its place on the next checkout."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _count_use(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is None:  # invalidated already
            return
        uses = record.info.get("kabinet_uses", 0) + 1
        record.info["kabinet_uses"] = uses
        if uses >= max_uses:
            record.invalidate(soft=True)
