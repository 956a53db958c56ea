"""`saas serve` on SIGTERM: stops taking connections, lets the requests in flight finish,
closes WebSockets with 1001 (going away), and exits within its grace period
(SAAS_SHUTDOWN_GRACE_SECONDS) even with subscriptions open and requests still coming."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from saas.settings import Settings
from tests.support.live import open_socket
from tests.support.reports import World, build_world
from tests.support.server import start_api_process
from tests.support.waiting import async_eventually

GRACE = 3
SUBSCRIBE = """subscription($org: ID) { reportStatusChanged(organizationId: $org) { sequence } }"""
FIRM = "query { currentFirm { __typename } }"


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


@pytest.fixture
def serve(
    settings: Settings, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], Path, int]]:
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process, port = start_api_process(
            settings,
            settings.database_url or "",
            env={"SAAS_SHUTDOWN_GRACE_SECONDS": str(GRACE)},
            output=output,
        )
        try:
            yield process, log, port
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def slow_request(
    port: int, host: str, token: str, seconds: float, sending: threading.Event
) -> httpx.Response:
    """A GraphQL request whose body arrives over `seconds`: in flight all that time (`sending`
    is set once it is connected and its body has begun)."""
    body = json.dumps({"query": FIRM}).encode()
    pieces = [body[i : i + 4] for i in range(0, len(body), 4)]

    def dribble() -> Iterator[bytes]:
        for piece in pieces:
            sending.set()
            yield piece
            time.sleep(seconds / len(pieces))  # the point: a body slow to arrive

    return httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        content=dribble(),
        headers={
            "host": host,
            "authorization": f"Bearer {token}",
            "content-type": "application/json",
        },
        timeout=30,
    )


class Load:
    """Requests one after another on four keep-alive connections until stopped."""

    def __init__(self, port: int, host: str, token: str):
        self.answers: list[int] = []
        self.refused = 0  # connections refused or closed idle once the server stops
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(port, host, token), daemon=True)
            for _ in range(4)
        ]
        for thread in self.threads:
            thread.start()

    def _run(self, port: int, host: str, token: str) -> None:
        headers = {"host": host, "authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            while not self.stop.is_set():
                try:
                    response = client.post("/graphql", json={"query": FIRM}, headers=headers)
                except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                    self.refused += 1
                    time.sleep(0.05)  # pace the retries against a stopped server
                    continue
                self.answers.append(response.status_code)

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(10)


async def test_sigterm_drains_requests_closes_sockets_with_1001_and_exits_in_grace(
    world: World, serve: tuple[subprocess.Popen[str], int]
) -> None:
    process, log, port = serve
    ws = await open_socket(port, world.host_a, {"Authorization": f"Bearer {world.token_a}"})
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIBE, "variables": {"org": world.org1}},
            }
        )
    )
    load = Load(port, world.host_a, world.token_a)
    await async_eventually(lambda: load.answers, within=30, what="the load's first answers")
    sending = [threading.Event() for _ in range(3)]
    slow: list[Any] = [
        asyncio.create_task(
            asyncio.to_thread(slow_request, port, world.host_a, world.token_a, 1.5, started)
        )
        for started in sending
    ]
    await async_eventually(
        lambda: all(e.is_set() for e in sending), within=30, what="the slow requests in flight"
    )
    assert process.poll() is None
    signalled = time.monotonic()
    process.send_signal(signal.SIGTERM)

    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), GRACE + 1)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001, closed.value
    # Every request in flight at the signal is answered in full.
    for response in await asyncio.gather(*slow):
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"currentFirm": {"__typename": "Firm"}}}
    try:
        await asyncio.to_thread(process.wait, GRACE + 1 - (time.monotonic() - signalled))
    except subprocess.TimeoutExpired:
        pass
    exited = time.monotonic() - signalled
    load.finish()
    output = log.read_text()
    assert process.poll() is not None, f"still running {exited:.1f} s after SIGTERM"
    assert exited < GRACE + 1, output
    assert process.returncode == 0, output
    assert "Application shutdown complete" in output and "Traceback" not in output, output
    # No request got a 5xx: the stopping server refuses new connections, it never fails one.
    assert load.answers and all(status == 200 for status in load.answers), load.answers
