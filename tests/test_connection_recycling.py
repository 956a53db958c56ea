"""Pooled connections are retired by uses as well as by age: a PostgreSQL backend keeps the
catalog of every firm schema it read for its whole life (docs/operate.md "Connection
recycling"), so the API's pool replaces a connection after SAAS_DB_CONNECTION_MAX_USES
checkouts."""

from __future__ import annotations

import sqlalchemy as sa

from saas.db.engine import create_engine
from saas.settings import Settings


async def _backends(database_url: str, checkouts: int, **kw: int) -> list[int]:
    engine = create_engine(database_url, pool_size=1, **kw)
    pids = []
    try:
        for _ in range(checkouts):
            async with engine.connect() as conn:
                pids.append(await conn.scalar(sa.text("SELECT pg_backend_pid()")))
    finally:
        await engine.dispose()
    return pids


async def test_a_connection_is_replaced_after_max_uses(database_url) -> None:  # type: ignore[no-untyped-def]
    pids = await _backends(database_url, 7, max_uses=3)
    assert pids[0] == pids[1] == pids[2]
    assert pids[3] == pids[4] == pids[5] != pids[2]
    assert pids[6] not in (pids[2], pids[5])


async def test_no_limit_keeps_the_connection(database_url) -> None:  # type: ignore[no-untyped-def]
    assert len(set(await _backends(database_url, 7, max_uses=0))) == 1


def test_settings_read_the_limits_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SAAS_DB_CONNECTION_MAX_USES", raising=False)
    assert Settings.from_env().db_connection_max_uses == 1000
    monkeypatch.setenv("SAAS_DB_CONNECTION_MAX_USES", "50")
    monkeypatch.setenv("SAAS_DB_CONNECTION_MAX_AGE", "120")
    settings = Settings.from_env()
    assert (settings.db_connection_max_uses, settings.db_connection_max_age) == (50, 120)
