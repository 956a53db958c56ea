"""The process-wide LISTEN hub: channels subscribed before and after start both deliver."""

from __future__ import annotations

import psycopg

from saas.db.notify import NotificationHub
from tests.support.waiting import async_eventually


async def test_channels_subscribed_before_and_after_start_deliver(database_url: str) -> None:
    hub = NotificationHub(database_url, poll=0.05)
    early: list[str] = []
    late: list[str] = []
    hub.subscribe("kabinet_test_early", early.append)
    await hub.start()
    try:
        hub.subscribe("kabinet_test_late", late.append)
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:

            async def both_heard() -> bool:  # notified again until the late LISTEN is in place
                await conn.execute("SELECT pg_notify('kabinet_test_late', 'ping')")
                await conn.execute("SELECT pg_notify('kabinet_test_early', 'hello')")
                return "ping" in late and "hello" in early

            await async_eventually(both_heard, within=5, every=0.02, what="both channels")
        assert "hello" in early
        assert "ping" in late
    finally:
        await hub.stop()
