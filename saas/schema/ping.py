"""`subscription { ping }`: a built-in liveness check for subscription clients.

It needs no firm and no login, so an integrator can verify the whole WebSocket path
(graphql-transport-ws, proxies, keep-alive) before subscribing to real events.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import strawberry

from saas.schema.errors import PublicError

MAX_PINGS = 100
MAX_INTERVAL_MS = 10_000


@strawberry.type(description="One beat of the `ping` subscription.")
class Pong:
    sequence: int = strawberry.field(description="1 for the first pong, then 2, 3...")
    server_time: datetime = strawberry.field(description="When the server sent it.")


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=f"Sends `count` pongs (1-{MAX_PINGS}) `intervalMs` apart "
        f"(0-{MAX_INTERVAL_MS}), then completes: checks a subscription client end to end."
    )
    async def ping(self, count: int = 3, interval_ms: int = 1000) -> AsyncGenerator[Pong, None]:
        if not 1 <= count <= MAX_PINGS:
            raise PublicError(f"`count` must be between 1 and {MAX_PINGS}.")
        if not 0 <= interval_ms <= MAX_INTERVAL_MS:
            raise PublicError(f"`intervalMs` must be between 0 and {MAX_INTERVAL_MS}.")
        for sequence in range(1, count + 1):
            yield Pong(sequence=sequence, server_time=datetime.now(UTC))
            if sequence < count:
                await asyncio.sleep(interval_ms / 1000)
