"""One report status event delivered live to 1,000 subscribed WebSocket clients
(`reportStatusChanged` over graphql-transport-ws): p50/p95/max delivery time, and the CPU the
API process spends per event.

The API runs as `saas serve` (one process; `saas serve --workers N` with
BENCH_FANOUT_WORKERS=N: the subscribers spread over the workers by the kernel, each worker fed
the events by its own LISTEN, in a section of docs/performance.md of its own) on a fresh
database. Two audiences, one after the other, each 1,000 connections with one subscription,
in CLIENT_PROCESSES asyncio processes (loopback only): the firm's integrator token (staff:
every organization), then 1,000 client users (people with a session cookie, each an active
contact of the report's organization with the 'reports' grant: the server checks each one's
grants). When every subscription is acknowledged, the bench records EVENTS status events one
after another through `recordReportEvent` over HTTP; a delivery's time runs from just before
that POST to the client's receipt of the change (same machine, one wall clock). Everything
is bounded by TIMEOUT seconds.

    python -m bench.bench_fanout [--write-docs]
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psutil
import psycopg
from websockets.asyncio.client import connect

from bench.bench_feed import _seed
from bench.bench_spine import _start
from bench.report import machine, median, percentile, should_write_docs, write_section
from saas.auth.tokens import SESSION_COOKIE, digest, new_secret
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
# `saas serve --workers WORKERS` (1: one process, as before).
WORKERS = int(os.environ.get("BENCH_FANOUT_WORKERS", "1"))
EVENTS = 3
TIMEOUT = 180.0
GOAL_P95_SECONDS = 1.0
SUBSCRIPTION = "subscription { reportStatusChanged { sequence reportId status } }"
RECORD = """mutation($r: ID!, $x: String!, $k: ReportEventKind!, $at: DateTime!) {
  recordReportEvent(input: {reportId: $r, externalId: $x, kind: $k, occurredAt: $at}) {
    __typename ... on ReportEventRecorded { report { status } } ... on Error { code message } } }"""
KINDS = ("SENT", "DELIVERED", "ACCEPTED")
AUDIENCES = ("integrator token", "client users")


# ------------------------------------------------------------------- client processes


async def _clients(
    port: int, host: str, headers: list[dict[str, str]], events: int, payload: dict[str, Any]
) -> None:
    """One subscribed socket per header set (the subscribe `payload`: query and variables);
    prints READY, then one JSON line of receipt times."""

    received: list[list[float]] = []
    count = len(headers)

    async def one(index: int) -> Any:
        ws = await connect(
            f"ws://{host}:{port}/graphql",
            host="127.0.0.1",
            port=port,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            additional_headers=headers[index],
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        )
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        return ws

    sockets = []
    for start in range(0, count, 50):  # connect in batches: a burst of handshakes is no test
        sockets += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 50))))

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
    port, host, credentials, events, payload = argv
    headers = json.loads(Path(credentials).read_text())
    asyncio.run(_clients(int(port), host, headers, int(events), json.loads(payload)))


# ------------------------------------------------------------------------------ driver


def _reports(url: str) -> tuple[list[str], int, str]:
    """Two reports of one organization (global ids), that organization, the tenant schema."""

    with psycopg.connect(url) as conn:
        schema = conn.execute("SELECT schema_name FROM shared.tenants WHERE slug = %s", (SLUG,))
        name = schema.fetchone()[0]  # type: ignore[index]
        org = conn.execute(f'SELECT organization_id FROM "{name}".reports ORDER BY id LIMIT 1')
        org_id = int(org.fetchone()[0])  # type: ignore[index]
        rows = conn.execute(
            f'SELECT id FROM "{name}".reports WHERE organization_id = %s ORDER BY id LIMIT 2',
            (org_id,),
        ).fetchall()
    gids = [base64.b64encode(f"Report:{row[0]}".encode()).decode() for row in rows]
    return gids, org_id, str(name)


def _client_users(
    url: str, tenant_id: int, schema: str, org_id: int, n: int, grant: str = "reports"
) -> list[str]:
    """`n` client users of the organization, each with the `grant` and a session; returns
    their session secrets."""
    secrets = [new_secret(32) for _ in range(n)]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO shared.people (email, display_name) VALUES (%s, %s) RETURNING id",
            [(f"client-{i}-{grant}@fanout.bench", f"Клиент {i}") for i in range(n)],
            returning=True,
        )
        people = []
        while True:
            people.append(int(cur.fetchone()[0]))  # type: ignore[index]
            if not cur.nextset():
                break
        cur.executemany(
            "INSERT INTO shared.memberships (person_id, tenant_id, kind, client_org_id, roles) "
            "VALUES (%s, %s, 'client', %s, %s)",
            [(p, tenant_id, org_id, ["client_member"]) for p in people],
        )
        cur.executemany(
            f'WITH c AS (INSERT INTO "{schema}".client_contacts (organization_id, person_id, '
            "status, is_client_admin) VALUES (%s, %s, 'active', false) RETURNING id) "
            f'INSERT INTO "{schema}".client_grants (contact_id, module) '
            "SELECT id, %s FROM c",
            [(org_id, p, grant) for p in people],
        )
        expires = datetime.now(UTC) + timedelta(days=1)
        cur.executemany(
            "INSERT INTO shared.sessions (token_hash, csrf_token, person_id, tenant_id, "
            "mfa_passed, expires_at) VALUES (%s, %s, %s, %s, true, %s)",
            [
                (digest(secret), new_secret(24), p, tenant_id, expires)
                for secret, p in zip(secrets, people, strict=True)
            ],
        )
    return secrets


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its children (`--workers`: the
    workers)."""
    process = psutil.Process(pid)
    return sum(
        t.user + t.system
        for t in (p.cpu_times() for p in [process, *process.children(recursive=True)])
    )


def _wait_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()  # the client processes are themselves bounded by TIMEOUT
    if not line or time.monotonic() > deadline:
        raise RuntimeError(f"a client process stopped (exit {process.poll()})")
    return line.strip()


def phase(
    port: int,
    host: str,
    env: dict[str, str],
    tmp: Path,
    api_pid: int,
    headers: list[dict[str, str]],
    payload: dict[str, Any],
    send: Callable[[int], None],
    deadline: float,
) -> dict[str, Any]:
    """Subscribe one socket per header set (`payload`: the subscribe message's query and
    variables) in CLIENT_PROCESSES processes, cause EVENTS events with `send(i)` (each one
    must reach every socket once), collect the receipts. Shared by the benches of live
    delivery (this one, bench_chat_fanout)."""
    per_process = len(headers) // CLIENT_PROCESSES
    clients = []
    try:
        started = time.monotonic()
        for n in range(CLIENT_PROCESSES):
            credentials = tmp / f"clients-{time.monotonic_ns()}-{n}.json"
            credentials.write_text(json.dumps(headers[n * per_process : (n + 1) * per_process]))
            clients.append(
                subprocess.Popen(
                    ["timeout", str(int(TIMEOUT)), sys.executable, "-m", "bench.bench_fanout"]
                    + ["--client", str(port), host, str(credentials), str(EVENTS)]
                    + [json.dumps(payload)],
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        for process in clients:
            assert _wait_line(process, deadline) == "READY"
        connected = time.monotonic() - started
        time.sleep(1.0)
        sent_at: list[float] = []
        cpu: list[float] = []  # the API process's CPU seconds per event
        for i in range(EVENTS):
            sent_at.append(time.time())
            cpu_before = _cpu_seconds(api_pid)
            send(i)
            time.sleep(1.5)  # let one event's deliveries finish before the next
            cpu.append(_cpu_seconds(api_pid) - cpu_before)
        received = []
        for process in clients:
            received += json.loads(_wait_line(process, deadline))
            process.wait(timeout=10)
    finally:
        for process in clients:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
    assert len(received) == per_process * CLIENT_PROCESSES
    return {
        "clients": len(received),
        "connected": connected,
        "cpu": cpu,
        "per_event": [[times[i] - sent_at[i] for times in received] for i in range(EVENTS)],
    }


def _record(api: GraphQLClient, report: str) -> Callable[[int], None]:
    def send(i: int) -> None:
        # After the seeded events (stamped at seeding time): each one moves the status.
        at = datetime.now(UTC).isoformat()
        result = api.execute(
            RECORD, {"r": report, "x": f"fanout-{report}-{i}", "k": KINDS[i], "at": at}
        )["recordReportEvent"]
        assert result["report"]["status"] == KINDS[i], result

    return send


@contextmanager
def serving(url: str, slug: str) -> Iterator[tuple[int, dict[str, str], Path, int]]:
    """The API as one `saas serve` process on the database `url`: (port, its environment
    for client processes, a temporary directory, its pid)."""
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
        if WORKERS > 1:
            api_args += ["--workers", str(WORKERS)]
        process = _start(
            [*api_args, "--port", str(port)], env, Path(tmp) / "api.log", port, wait=300
        )
        try:
            yield port, env, Path(tmp), process.pid
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def run() -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_fanout")
    engine = sync_engine(url)
    deadline = time.monotonic() + TIMEOUT
    phases = {}
    try:
        upgrade_shared(engine)
        where = machine(url)
        tenant_id = provision_tenant(engine, SLUG, "Веер")
        token = _seed(url, tenant_id)
        reports, org_id, schema = _reports(url)
        secrets = _client_users(url, tenant_id, schema, org_id, CLIENTS)
        host = f"{SLUG}.{BASE_DOMAIN}"
        with serving(url, SLUG) as (port, env, tmp, pid):
            api = GraphQLClient(f"http://127.0.0.1:{port}", host, token=token)
            audiences = {
                "integrator token": [{"Authorization": f"Bearer {token}"}] * CLIENTS,
                "client users": [{"Cookie": f"{SESSION_COOKIE}={secret}"} for secret in secrets],
            }
            payload = {"query": SUBSCRIPTION}
            for (name, headers), report in zip(audiences.items(), reports, strict=True):
                phases[name] = phase(
                    port, host, env, tmp, pid, headers, payload, _record(api, report), deadline
                )
            api.close()
    finally:
        engine.dispose()
        drop_database(server, url)
    return {
        "machine": where,
        "processes": CLIENT_PROCESSES,
        "phases": phases,
        "workers": WORKERS,
    }


def _api(workers: int) -> str:
    if workers > 1:
        return f"`saas serve --workers {workers}`, CPU of the parent and its workers"
    return "one `saas serve` process"


def report(result: dict[str, Any]) -> str:
    def row(name: str, times: list[float], cpu: float) -> str:
        return (
            f"| {name} | {median(times) * 1000:.0f} | {percentile(times, 95) * 1000:.0f} | "
            f"{max(times) * 1000:.0f} | {min(times) * 1000:.0f} | {cpu * 1000:.0f} |"
        )

    lines = [
        f"`python -m bench.bench_fanout` on {result['machine']}.",
        "",
        "One report status event (`recordReportEvent` over HTTP) delivered to 1,000 WebSocket "
        "clients subscribed to `reportStatusChanged` (graphql-transport-ws; clients in "
        f"{result['processes']} asyncio processes on loopback, API as {_api(result['workers'])}"
        "). Time from just before the mutation's POST to each client's receipt, and the "
        "CPU time the API process spent on the event (the mutation, then 1,000 deliveries, "
        "in the 1.5 s before the next event; the last event's also holds the 1,000 sockets "
        "closing; median for all):",
    ]
    verdicts = []
    for name, phase in result["phases"].items():
        everything = [t for event in phase["per_event"] for t in event]
        cpu = phase["cpu"]
        p95 = percentile(everything, 95)
        verdicts.append(f"{name} {'met' if p95 <= GOAL_P95_SECONDS else 'NOT met'}")
        lines += [
            "",
            f"**{phase['clients']} subscribers with the {name}** (connecting and subscribing "
            f"took {phase['connected']:.1f} s):",
            "",
            "| | p50 ms | p95 ms | max ms | min ms | API CPU ms |",
            "|---|---|---|---|---|---|",
            *[row(f"event {i + 1}", t, cpu[i]) for i, t in enumerate(phase["per_event"])],
            row("all deliveries", everything, median(cpu)),
        ]
    lines += [
        "",
        f"Target p95 <= {GOAL_P95_SECONDS:.0f} s (the live test's 'within a second'): "
        f"{', '.join(verdicts)}.",
    ]
    return "\n".join(lines)


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        heading = "Live status fan-out to 1,000 WebSocket clients"
        if WORKERS > 1:
            heading += f", `saas serve --workers {WORKERS}`"
        write_section(heading, text)
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        client_main(sys.argv[2:])
    else:
        main()
