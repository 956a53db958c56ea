"""LiveGrants (the process's shared grants of live subscribers, reports' and chat's): a
subscriber asking while a read has finished but its done callback has not run yet starts a
read of its own instead of awaiting the finished one again. Awaiting a done future never
yields, so before the fix that subscriber busy-looped the event loop for good (the server
stopped answering: bench_chat_fanout's handshakes timed out)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from saas.modules.reports.service.live_grants import LiveGrants


def test_a_finished_read_whose_callback_has_not_run_is_not_awaited_again() -> None:
    key = (7, frozenset({1, 2}))
    found: list[frozenset[int]] = []

    async def scenario() -> None:
        book = LiveGrants(services=None, tenant=None, module="chat")
        book.join(key)

        async def read_stale() -> None:
            book._granted[key] = (frozenset({1}), time.monotonic())

        book._read_stale = read_stale  # type: ignore[method-assign]
        finished: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        finished.set_result(None)
        book._reading = finished  # done; its `_read_done` callback not run yet
        found.append(await book.granted(key))

    # In a thread of its own: the bug spins forever, which no timeout inside the loop stops.
    runner = threading.Thread(target=lambda: asyncio.run(scenario()), daemon=True)
    runner.start()
    runner.join(5)
    assert not runner.is_alive(), "granted() spun on the finished read"
    assert found == [frozenset({1})]
