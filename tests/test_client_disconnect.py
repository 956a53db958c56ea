"""A client that goes away is not a server error: an HTTP client that closes its connection
before its request body arrived, or a WebSocket dropped without a close frame, leaves one
INFO line in `saas serve`'s console (the access line says 499), no ERROR and no traceback."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import websockets.sync.client as ws_client

from saas.settings import Settings
from tests.support.firms import Firm
from tests.support.server import start_api_process
from tests.support.waiting import eventually


def open_sockets(port: int) -> float:
    scrape = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    [line] = [x for x in scrape.splitlines() if x.startswith("kabinet_websocket_connections ")]
    return float(line.split()[1])


def test_a_client_gone_mid_request_or_mid_socket_logs_no_error(
    settings: Settings, database_url: str, firms: dict[str, Firm], tmp_path: Path
) -> None:
    firm = firms["a"]
    console = tmp_path / "console.log"
    with console.open("wb") as output:
        process, port = start_api_process(settings, database_url, output=output)
        try:
            # A POST announcing 1000 bytes that sends a few and hangs up.
            with socket.create_connection(("127.0.0.1", port)) as http:
                http.sendall(
                    f"POST /graphql HTTP/1.1\r\nHost: {firm.host}\r\n"
                    "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                    '{"query":'.encode()
                )
            eventually(
                lambda: "POST /graphql 499" in console.read_text(),
                within=10,
                what="the access line of the abandoned request",
            )
            # A live socket, acknowledged and streaming, then its TCP connection dropped.
            ws = ws_client.connect(
                f"ws://{firm.host}:{port}/graphql",
                sock=socket.create_connection(("127.0.0.1", port)),
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                origin=f"http://{firm.host}:{port}",  # type: ignore[arg-type]
            )
            ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            assert open_sockets(port) == 1.0
            # A subscription streaming when the socket goes.
            ping = "subscription { ping(count: 100, intervalMs: 20) { __typename } }"
            ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ping}}))
            assert json.loads(ws.recv(timeout=10))["type"] == "next"
            ws.socket.close()
            eventually(
                lambda: open_sockets(port) == 0.0,
                within=10,
                what="the server to notice the dropped socket",
            )
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = console.read_text()
    assert "Traceback" not in text, text
    assert " ERROR " not in text, text
    assert "POST /graphql 500" not in text, text
