"""One report status event delivered live to 1,000 subscribed WebSocket clients
(`reportStatusChanged` over graphql-transport-ws): p50/p95/max delivery time.

The API runs as `saas serve` (one process) on a fresh database. The clients, 1,000
connections with one subscription each, authenticated with an integrator token, live in
CLIENT_PROCESSES asyncio processes (loopback only). When every subscription is acknowledged,
the bench records EVENTS status events one after another through `recordReportEvent` over
HTTP; a delivery's time runs from just before that POST to the client's receipt of the
change (same machine, one wall clock). Everything is bounded by TIMEOUT seconds.

    python -m bench.bench_fanout [--write-docs]
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psycopg

from bench.bench_feed import _seed
from bench.bench_spine import _start
from bench.report import machine, median, percentile, should_write_docs, write_section
from saas.db.migrate import sync_engine, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.client import GraphQLClient
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.server import free_port

BASE_DOMAIN = "kabinet.bench"
SLUG = "fanout"
CLIENTS = 1000
CLIENT_PROCESSES = 2
EVENTS = 3
TIMEOUT = 120.0
GOAL_P95_SECONDS = 1.0
SUBSCRIPTION = "subscription { reportStatusChanged { sequence reportId status } }"
RECORD = """mutation($r: ID!, $x: String!, $k: ReportEventKind!, $at: DateTime!) {
  recordReportEvent(input: {reportId: $r, externalId: $x, kind: $k, occurredAt: $at}) {
    __typename ... on ReportEventRecorded { report { status } } ... on Error { code message } } }"""
KINDS = ("SENT", "DELIVERED", "ACCEPTED")


# ------------------------------------------------------------------- client processes


async def _clients(port: int, host: str, token: str, count: int, events: int) -> None:
    """`count` sockets, each subscribed; prints READY, then one JSON line of receipt times."""
    from websockets.asyncio.client import connect

    received: list[list[float]] = []

    async def one() -> Any:
        ws = await connect(
            f"ws://{host}:{port}/graphql",
            host="127.0.0.1",
            port=port,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            additional_headers={"Authorization": f"Bearer {token}"},
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        )
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        )
        return ws

    sockets = []
    for start in range(0, count, 50):  # connect in batches: a burst of handshakes is no test
        sockets += await asyncio.gather(*(one() for _ in range(start, min(count, start + 50))))

    async def listen(ws: Any) -> None:
        times: list[float] = []
        while len(times) < events:
            message = json.loads(await ws.recv())
            if message["type"] == "next":
                times.append(time.time())
            elif message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message["type"] in ("error", "complete"):
                raise RuntimeError(message)
        received.append(times)

    listeners = asyncio.gather(*(listen(ws) for ws in sockets))
    await asyncio.sleep(0.5)  # the subscribe messages reach the server before READY
    print("READY", flush=True)
    await listeners
    print(json.dumps(received), flush=True)
    await asyncio.gather(*(ws.close() for ws in sockets))


def client_main(argv: list[str]) -> None:
    port, host, token, count, events = argv
    asyncio.run(_clients(int(port), host, token, int(count), int(events)))


# ------------------------------------------------------------------------------ driver


def _report_id(url: str) -> tuple[str, int]:
    with psycopg.connect(url) as conn:
        schema = conn.execute("SELECT schema_name FROM shared.tenants WHERE slug = %s", (SLUG,))
        name = schema.fetchone()[0]  # type: ignore[index]
        row = conn.execute(f'SELECT id FROM "{name}".reports ORDER BY id LIMIT 1').fetchone()
    import base64

    return base64.b64encode(f"Report:{row[0]}".encode()).decode(), int(row[0])  # type: ignore[index]


def _wait_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()  # the client processes are themselves bounded by TIMEOUT
    if not line or time.monotonic() > deadline:
        raise RuntimeError(f"a client process stopped (exit {process.poll()})")
    return line.strip()


def run() -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_fanout")
    engine = sync_engine(url)
    processes: list[subprocess.Popen[Any]] = []
    deadline = time.monotonic() + TIMEOUT
    try:
        upgrade_shared(engine)
        where = machine(url)
        tenant_id = provision_tenant(engine, SLUG, "Веер")
        token = _seed(url, tenant_id)
        report_gid, _ = _report_id(url)
        host = f"{SLUG}.{BASE_DOMAIN}"
        with TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "SAAS_DATABASE_URL": url,
                "SAAS_BASE_DOMAIN": BASE_DOMAIN,
                "SAAS_DATA_DIR": tmp,
                "SAAS_SECRET_KEY": "bench-secret-key",
                "SAAS_LOG_JSON": "1",
            }
            env.pop("SENTRY_DSN", None)
            port = free_port()
            api_args = [sys.executable, "-m", "saas.cli", "serve", "--host", "127.0.0.1"]
            processes.append(
                _start([*api_args, "--port", str(port)], env, Path(tmp) / "api.log", port)
            )
            per_process = CLIENTS // CLIENT_PROCESSES
            started = time.monotonic()
            clients = [
                subprocess.Popen(
                    [
                        "timeout",
                        str(int(TIMEOUT)),
                        sys.executable,
                        "-m",
                        "bench.bench_fanout",
                        "--client",
                        str(port),
                        host,
                        token,
                        str(per_process),
                        str(EVENTS),
                    ],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(CLIENT_PROCESSES)
            ]
            processes += clients
            for process in clients:
                assert _wait_line(process, deadline) == "READY"
            connected = time.monotonic() - started
            time.sleep(1.0)
            api = GraphQLClient(f"http://127.0.0.1:{port}", host, token=token)
            sent_at: list[float] = []
            for i, kind in enumerate(KINDS[:EVENTS]):
                at = f"2026-10-2{i + 1}T12:00:00+03:00"
                sent_at.append(time.time())
                result = api.execute(
                    RECORD, {"r": report_gid, "x": f"fanout-{i}", "k": kind, "at": at}
                )["recordReportEvent"]
                assert result["report"]["status"] == kind, result
                time.sleep(1.5)  # let one event's deliveries finish before the next
            api.close()
            received = []
            for process in clients:
                received += json.loads(_wait_line(process, deadline))
                process.wait(timeout=10)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        engine.dispose()
        drop_database(server, url)
    assert len(received) == per_process * CLIENT_PROCESSES
    per_event = [[times[i] - sent_at[i] for times in received] for i in range(EVENTS)]
    return {
        "machine": where,
        "clients": len(received),
        "processes": CLIENT_PROCESSES,
        "connected": connected,
        "per_event": per_event,
    }


def report(result: dict[str, Any]) -> str:
    everything = [t for event in result["per_event"] for t in event]
    p95 = percentile(everything, 95)
    verdict = "met" if p95 <= GOAL_P95_SECONDS else "NOT met"

    def row(name: str, times: list[float]) -> str:
        return (
            f"| {name} | {median(times) * 1000:.0f} | {percentile(times, 95) * 1000:.0f} | "
            f"{max(times) * 1000:.0f} | {min(times) * 1000:.0f} |"
        )

    rows = [row(f"event {i + 1}", t) for i, t in enumerate(result["per_event"])]
    return "\n".join(
        [
            f"`python -m bench.bench_fanout` on {result['machine']}.",
            "",
            f"One report status event (`recordReportEvent` over HTTP) delivered to "
            f"{result['clients']} WebSocket clients subscribed to `reportStatusChanged` "
            f"(graphql-transport-ws, integrator token; clients in {result['processes']} asyncio "
            f"processes on loopback, API as one `saas serve` process). Connecting and "
            f"subscribing all of them took {result['connected']:.1f} s. Time from just before "
            f"the mutation's POST to each client's receipt:",
            "",
            "| | p50 ms | p95 ms | max ms | min ms |",
            "|---|---|---|---|---|",
            *rows,
            row("all deliveries", everything),
            "",
            f"Target p95 <= {GOAL_P95_SECONDS:.0f} s (the live test's 'within a second'): "
            f"{verdict}. The path: the mutation commits "
            "its outbox row, NOTIFY after commit, the process's single LISTEN hands the row to "
            "every subscription queue of the firm, and each subscription filters (visibility) "
            "and serializes its own message; the spread between min and max is those 1,000 "
            "sends on one event loop, on 2 cores shared with the clients.",
        ]
    )


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("Live status fan-out to 1,000 WebSocket clients", text)
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        client_main(sys.argv[2:])
    else:
        main()
