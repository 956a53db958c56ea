"""GraphQL over a real WebSocket (graphql-transport-ws), as a cabinet or an integrator
subscribes: open and initialize a socket, subscribe, read the next change.

    ws = await open_socket(live_server.port, firm.host, cookie(c))
    await subscribe(ws, {"org": org_id})
    await hub_listening()
    change = await next_change(ws, 1.0)
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import connect

from saas.auth.tokens import SESSION_COOKIE
from tests.support.client import GraphQLClient

SUBSCRIBE = """subscription($org: ID, $since: Int) {
  reportStatusChanged(organizationId: $org, since: $since) {
    sequence reportId organizationId status statusAt beingFixed } }"""

# The server's NotificationHub LISTENs a channel it has not heard before within its poll
# (0.2 s, saas/db/notify.py); nothing outside the server can see when that happened, so a
# test that records an event right after a first subscription gives it three polls.
HUB_LISTENS = 0.6


async def open_socket(
    port: int,
    host: str,
    headers: dict[str, str],
    *,
    params: dict[str, Any] | None = None,
    ack: bool = True,
) -> Any:
    """A graphql-transport-ws socket, initialized with `params` (connection_init's payload)
    and, with `ack`, acknowledged."""
    ws = await connect(
        f"ws://{host}:{port}/graphql",
        host="127.0.0.1",
        port=port,
        proxy=None,
        open_timeout=10,
        subprotocols=["graphql-transport-ws"],
        additional_headers=headers,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": params or {}}))
    if ack:
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    return ws


def cookie(c: GraphQLClient) -> dict[str, str]:
    """Headers carrying the client's session cookie."""
    return {"Cookie": f"{SESSION_COOKIE}={c.cookies[SESSION_COOKIE]}"}


def session_cookie(secret: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={secret}"}


def bearer(c: GraphQLClient) -> dict[str, str]:
    """Headers carrying the client's API token."""
    return {"Authorization": f"Bearer {c.token}"}


async def subscribe(
    ws: Any, variables: dict[str, Any], query: str = SUBSCRIBE, op_id: str = "s"
) -> None:
    await ws.send(
        json.dumps(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables},
            }
        )
    )


async def hub_listening() -> None:
    """Waits until the server surely LISTENs the channel of a subscription just made (see
    HUB_LISTENS: the one wait of these tests that no probe can shorten)."""
    await asyncio.sleep(HUB_LISTENS)  # no probe sees the LISTEN: see HUB_LISTENS


async def next_change(ws: Any, within: float) -> dict[str, Any] | None:
    """The next reportStatusChanged payload, or None if nothing came within `within` s."""
    try:
        message = json.loads(await asyncio.wait_for(ws.recv(), within))
    except TimeoutError:
        return None
    assert message["type"] == "next", message
    assert not message["payload"].get("errors"), message
    return message["payload"]["data"]["reportStatusChanged"]
