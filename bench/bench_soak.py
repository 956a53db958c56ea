"""Soak (issue 16): bench_peer's mixed load at 70% of its measured peak for N minutes, with
the job worker and live subscribers running; every minute: requests, 5xx and other errors,
p50/p99, RSS of the API and the worker, PostgreSQL connections; at the end: total 5xx (goal
0), p99 over time, RSS growth from minute 1 to the last (goal <= 5%), connections stable,
events received by the subscribers and webhooks delivered against what was published.

On a database of its own (`kabinet_bench_soak`, dropped afterwards): bench_feed's firm (20
organizations, 1,000 reports with documents, an integrator token), CLIENT_SUBSCRIBERS client
users of the first organization (bench_fanout's, with the 'reports' grant and a session) and
a webhook endpoint on `report.status_changed` pointing at a receiver in this process. One
`saas serve` and one `saas worker` (RabbitMQ when BENCH_SOAK_BROKER_URL or
SAAS_TEST_AMQP_URL is set, on queues of a prefix of this run's own, deleted afterwards; else
the PostgreSQL broker), then the subscribers (graphql-transport-ws `reportStatusChanged`, in a
process of their own: the token's firm-wide subscribers receive every change, the client
users only their organization's). Then the mixed load (bench/loadgen.py, 16 connections: 70%
feed page, 20% report page, 10% `recordReportEvent` writes, each write a new event stamped
now, so each one changes its report's status: an outbox event for the subscribers, a
webhook delivery for the worker, and, for a rejection, the contacts' notifications) for
WARM_UP_SECONDS, at full speed for --peak-seconds (the peak req/s), then paced at --share of
the peak, one loadgen run per minute.

Results are written as they come to BENCH_SOAK_RESULTS (default /tmp/bench_soak.json), so a
run cut short still says what it measured: `python -m bench soak --report-only` reports (and
writes the docs' section) from it. --until HH:MM (UTC) ends the soak at that time.

    python -m bench soak --minutes 30 [--subscribers 50] [--share 0.7] [--until 18:15] [--no-docs]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psutil
import psycopg

from bench.bench_fanout import SUBSCRIPTION, _client_users
from bench.bench_feed import BASE_DOMAIN, SLUG, _seed
from bench.bench_peer import MIX_CONNECTIONS, load, mixed_bodies, write_body
from bench.bench_spine import _start
from bench.report import machine, percentile, should_write_docs, write_section
from saas.auth.tokens import SESSION_COOKIE
from saas.db.migrate import sync_engine, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.server import free_port

RESULTS = Path(os.environ.get("BENCH_SOAK_RESULTS", "/tmp/bench_soak.json"))
WARM_UP_SECONDS = 10.0
MINUTE = 60.0
CLIENT_SUBSCRIBERS = 10
WRITE_KINDS = ("SENT", "DELIVERED", "ACCEPTED", "REJECTED")
GOAL_RSS_GROWTH = 5.0
SETTLE_SECONDS = 120.0
SETTLE_STEP = 5.0
HEADING = "Soak"


# ------------------------------------------------------------------ pure parts (tested)


@dataclass(frozen=True)
class Options:
    minutes: float = 30.0
    subscribers: int = 50
    share: float = 0.7
    peak_seconds: float = 30.0
    until: str | None = None
    report_only: bool = False


def parse_args(argv: list[str]) -> Options:
    """The soak's options among `python -m bench`'s arguments (bench names and the runner's
    own flags are left to it)."""
    parser = argparse.ArgumentParser(prog="python -m bench soak", add_help=False)
    parser.add_argument("--minutes", type=float, default=os.environ.get("BENCH_SOAK_MINUTES", 30))
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--share", type=float, default=0.7)
    parser.add_argument("--peak-seconds", type=float, default=30.0)
    parser.add_argument("--until", default=None)
    parser.add_argument("--report-only", action="store_true")
    args, _rest = parser.parse_known_args(argv)
    if not args.minutes > 0:
        parser.error("--minutes must be more than 0")
    if args.subscribers < 0:
        parser.error("--subscribers must be 0 or more")
    if not 0 < args.share <= 1:
        parser.error("--share must be in (0, 1]")
    if not args.peak_seconds > 0:
        parser.error("--peak-seconds must be more than 0")
    if args.until is not None:
        try:
            clock.fromisoformat(args.until)
        except ValueError:
            parser.error(f"--until takes HH:MM (UTC), not {args.until!r}")
    return Options(
        minutes=float(args.minutes),
        subscribers=args.subscribers,
        share=args.share,
        peak_seconds=args.peak_seconds,
        until=args.until,
        report_only=args.report_only,
    )


def stop_at(until: str | None, now: datetime) -> datetime | None:
    """The moment --until names: today at HH:MM UTC, or tomorrow if that has passed."""
    if until is None:
        return None
    at = datetime.combine(now.date(), clock.fromisoformat(until), tzinfo=UTC)
    return at if at > now else at + timedelta(days=1)


def minute_row(minute: int, result: dict[str, Any], target_rps: float) -> dict[str, Any]:
    """One minute's row from its loadgen result: requests, 5xx, other errors, p50/p99."""
    every = [t for times in result["times"].values() for t in times]
    statuses: dict[str, int] = {}
    for counts in result["statuses"].values():
        for status, n in counts.items():
            statuses[status] = statuses.get(status, 0) + n
    server_errors = sum(n for status, n in statuses.items() if status.startswith("5"))
    return {
        "minute": minute,
        "seconds": result["elapsed"],
        "requests": len(every),
        "rps": len(every) / result["elapsed"] if result["elapsed"] else 0.0,
        "target_rps": target_rps,
        "http_5xx": server_errors,
        "errors": sum(result["errors"].values()),
        "connection_errors": statuses.get("conn", 0),
        "statuses": statuses,
        "by_kind": {k: len(v) for k, v in result["times"].items()},
        "p50_ms": percentile(every, 50) * 1000 if every else None,
        "p99_ms": percentile(every, 99) * 1000 if every else None,
        "samples": result["samples"],
    }


def growth(first: float, last: float) -> float:
    """Growth in percent from `first` to `last`."""
    return (last - first) / first * 100 if first else 0.0


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The run's verdicts from its minutes (each with the samples taken at its end)."""
    first, last = rows[0], rows[-1]
    connections = [r["pg_connections"] for r in rows]
    half = (len(rows) + 1) // 2
    p99s = [r["p99_ms"] for r in rows if r["p99_ms"] is not None]
    api, worker = (
        growth(first[f"rss_{name}_mib"], last[f"rss_{name}_mib"]) for name in ("api", "worker")
    )
    return {
        "minutes": len(rows),
        "requests": sum(r["requests"] for r in rows),
        "http_5xx": sum(r["http_5xx"] for r in rows),
        "errors": sum(r["errors"] for r in rows),
        "p99_first_ms": p99s[0] if p99s else None,
        "p99_last_ms": p99s[-1] if p99s else None,
        "p99_max_ms": max(p99s) if p99s else None,
        "rss_api_growth": api,
        "rss_worker_growth": worker,
        "connections_min": min(connections),
        "connections_max": max(connections),
        # Stable: no upward trend, the last minute not above the first half's highest (a
        # connection opened for a minute while another is recycled is no trend).
        "connections_stable": connections[-1] <= max(connections[:half] or connections),
        "goal_5xx": sum(r["http_5xx"] for r in rows) == 0,
        "goal_rss": api <= GOAL_RSS_GROWTH and worker <= GOAL_RSS_GROWTH,
    }


# ------------------------------------------------------------------ subscriber process


async def _listen(index: int, ws: Any, counts: list[int], failures: list[str]) -> None:
    """Count one socket's events; a dropped socket or an error message is a failure."""
    try:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "next":
                if message.get("payload", {}).get("errors"):
                    failures.append(f"{index}: {str(message)[:300]}")
                counts[index] += 1
            elif message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message["type"] in ("error", "complete"):
                failures.append(f"{index}: {str(message)[:300]}")
                return
        failures.append(f"{index}: closed by the server ({ws.close_code})")
    except Exception as exc:  # a dropped socket is a result, not a crash
        failures.append(f"{index}: {type(exc).__name__}: {exc}"[:300])


async def _subscribe(port: int, host: str, headers: list[dict[str, str]]) -> None:
    """One socket per header set subscribed to `reportStatusChanged`, counting the events;
    prints READY, then answers each "count" line on stdin with a JSON line (counts per
    socket, failures); stops at "stop" or the end of stdin."""
    from websockets.asyncio.client import connect  # noqa: PLC0415 - the client process only

    counts = [0] * len(headers)
    failures: list[str] = []

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
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        )
        return ws

    sockets = []
    for start in range(0, len(headers), 25):
        sockets += await asyncio.gather(
            *(one(i) for i in range(start, min(len(headers), start + 25)))
        )
    listeners = [
        asyncio.create_task(_listen(i, ws, counts, failures)) for i, ws in enumerate(sockets)
    ]
    await asyncio.sleep(0.5)  # the subscribe messages reach the server before READY
    print("READY", flush=True)
    while True:
        line = (await asyncio.to_thread(sys.stdin.readline)).strip()
        if line != "count":
            break
        print(
            json.dumps({"counts": counts, "failures": failures[:10], "failed": len(failures)}),
            flush=True,
        )
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


class Subscribers:
    """The subscriber process, driven through its stdin."""

    def __init__(
        self, port: int, host: str, headers: list[dict[str, str]], env: dict[str, str], tmp: Path
    ):
        credentials = tmp / "subscribers.json"
        credentials.write_text(json.dumps(headers))
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.bench_soak",
                "--subscribe",
                str(port),
                host,
                str(credentials),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(tmp / "subscribers.log").open("wb"),
            text=True,
        )
        if self._line() != "READY":
            raise RuntimeError(f"the subscribers did not connect; see {tmp / 'subscribers.log'}")

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the subscriber process stopped (exit {self.process.poll()})")
        return line.strip()

    def counts(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return json.loads(self._line())  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write("stop\n")
                self.process.stdin.close()
                self.process.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)


# ------------------------------------------------------------------ webhook receiver


class _Receiver(BaseHTTPRequestHandler):
    received = 0
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("content-length") or 0))
        with _Receiver.lock:
            _Receiver.received += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


# ------------------------------------------------------------------------------ driver


def _rss_mib(process: psutil.Process) -> float:
    """RSS of a process and its children (a `saas serve --workers N` or `saas worker
    --processes N` parent), MiB."""
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def _log_problems(log: Path) -> dict[str, Any]:
    """The ERROR/CRITICAL records of a JSON log, counted by message and exception (the last
    line of its traceback)."""
    found: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        if '"level": "ERROR"' not in line and '"level": "CRITICAL"' not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = {"message": line[:200]}
        lines = (record.get("exc_info") or "").strip().splitlines()
        raised = [x for x in lines if re.match(r"[\w.]+(Error|Exception|Violation)\b", x)]
        last = raised[-1:] or lines[-1:] or [""]
        message = (str(record.get("message", "")).splitlines() or [""])[0][:160]
        what = f"{record.get('logger', '')}: {message} {last[0][:240]}"
        found[what.strip()] = found.get(what.strip(), 0) + 1
    return {"errors": sum(found.values()), "kinds": found}


@dataclass
class Firm:
    tenant_id: int
    token: str
    schema: str
    report_ids: list[int]
    organization: int
    secrets: list[str]


def _firm(engine: Any, url: str, clients: int) -> Firm:
    """bench_feed's firm, `clients` client users of its first organization (bench_fanout's)."""
    tenant_id = provision_tenant(engine, SLUG, "Долгий прогон")
    token = _seed(url, tenant_id)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT schema_name FROM shared.tenants WHERE id = %s", (tenant_id,))
        schema = str(row.fetchone()[0])  # type: ignore[index]
        ids = conn.execute(f'SELECT id FROM "{schema}".reports ORDER BY id').fetchall()
        first = conn.execute(f'SELECT min(organization_id) FROM "{schema}".reports').fetchone()
    organization = int(first[0])  # type: ignore[index]
    secrets = _client_users(url, tenant_id, schema, organization, clients)
    return Firm(tenant_id, token, schema, [int(r[0]) for r in ids], organization, secrets)


class Soak:
    """One run: the database, the processes, the samples."""

    def __init__(self, options: Options, url: str, firm: Firm, logs: Path):
        self.options, self.url, self.firm, self.logs = options, url, firm, logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self.subscribers: Subscribers | None = None
        self.receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        self.broker_url = os.environ.get("BENCH_SOAK_BROKER_URL") or os.environ.get(
            "SAAS_TEST_AMQP_URL"
        )
        self.prefix = f"soak{os.getpid()}."
        self.host = f"{SLUG}.{BASE_DOMAIN}"
        self.port = free_port()

    def start(self, data_dir: str) -> None:
        with psycopg.connect(self.url) as conn:
            conn.execute(
                f'INSERT INTO "{self.firm.schema}".webhook_endpoints (url, secret, topics, '
                "active, description) VALUES (%s, 'soak', '[\"report.status_changed\"]', true, "
                "'soak')",
                (f"http://127.0.0.1:{self.receiver.server_address[1]}/hook",),
            )
        env = {
            **os.environ,
            "SAAS_DATABASE_URL": self.url,
            "SAAS_BASE_DOMAIN": BASE_DOMAIN,
            "SAAS_DATA_DIR": data_dir,
            "SAAS_SECRET_KEY": "bench-secret-key",
            "SAAS_LOG_JSON": "1",
            "SAAS_WEBHOOK_PRIVATE_NETWORKS": "1",
            "SAAS_WEBHOOK_ALLOW_HTTP": "1",
            "SAAS_JOB_QUEUE_PREFIX": self.prefix,
        }
        for name in ("SENTRY_DSN", "SAAS_BROKER_URL"):
            env.pop(name, None)
        if self.broker_url:
            env["SAAS_BROKER_URL"] = self.broker_url
        serve = [sys.executable, "-m", "saas.cli", "serve", "--host", "127.0.0.1", "--port"]
        self.processes.append(
            # A loaded shared host took over a minute to start it (issue 16's runs).
            _start([*serve, str(self.port)], env, self.logs / "api.log", self.port, wait=300)
        )
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "saas.cli", "worker"],
                env=env,
                cwd=PROJECT_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=(self.logs / "worker.log").open("wb"),
            )
        )
        self.api, self.worker = (psutil.Process(p.pid) for p in self.processes)
        clients = len(self.firm.secrets)
        headers = [{"Authorization": f"Bearer {self.firm.token}"}] * (
            self.options.subscribers - clients
        )
        headers += [{"Cookie": f"{SESSION_COOKIE}={secret}"} for secret in self.firm.secrets]
        self.token_subscribers = len(headers) - clients
        if headers:
            self.subscribers = Subscribers(self.port, self.host, headers, env, self.logs)
        writes = [
            write_body(rid, "soak-@SEQ@", kind, "@NOW@")
            for kind in WRITE_KINDS for rid in self.firm.report_ids[:500]
        ]  # fmt: skip
        self.mix = mixed_bodies(
            self.firm.report_ids, writes, template=True, expect="ReportEventRecorded"
        )

    def load(self, tag: str, **job: Any) -> dict[str, Any]:
        return load(
            self.port, self.host, self.firm.token, self.mix, concurrency=MIX_CONNECTIONS,
            tag=tag, **job,
        )  # fmt: skip

    def database(self) -> dict[str, Any]:
        """Connections to the bench database by state; webhook deliveries by status."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            states = conn.execute(
                "SELECT coalesce(state, 'none'), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1"
            ).fetchall()
            deliveries = conn.execute(
                f'SELECT status, count(*) FROM "{self.firm.schema}".webhook_deliveries GROUP BY 1'
            ).fetchall()
        return {
            "pg_connections": sum(n for _, n in states),
            "pg_states": dict(states),
            "webhooks": dict(deliveries),
        }

    def published(self, after: int) -> dict[str, int]:
        """Status changes published after outbox id `after`: all, and of the organization of
        the client subscribers."""
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE (payload->>'organization_id')::bigint "
                f'= %s), coalesce(max(id), %s) FROM "{self.firm.schema}".outbox '
                "WHERE topic = 'report.status_changed' AND id > %s",
                (self.firm.organization, after, after),
            ).fetchone()
        assert row is not None
        return {"all": int(row[0]), "organization": int(row[1]), "last_id": int(row[2])}

    def counts(self) -> dict[str, Any]:
        if self.subscribers is None:
            return {"counts": [], "failures": [], "failed": 0}
        return self.subscribers.counts()

    def settle(self) -> dict[str, Any]:
        """Wait until the subscribers' counts and the webhook backlog stop moving for
        SETTLE_STEP seconds (a delivery stuck pending moves no more), at most SETTLE_SECONDS."""
        deadline = time.monotonic() + SETTLE_SECONDS
        previous: Any = None
        while time.monotonic() < deadline:
            now = (self.counts()["counts"], self.database()["webhooks"])
            if now == previous:
                break
            previous = now
            time.sleep(SETTLE_STEP)
        return self.counts()

    def sample(self, row: dict[str, Any], baseline: int, start: list[int]) -> dict[str, Any]:
        state = self.database()
        counts = self.counts()["counts"]
        received = [b - a for a, b in zip(start, counts, strict=True)]
        row.update(
            rss_api_mib=_rss_mib(self.api),
            rss_worker_mib=_rss_mib(self.worker),
            pg_connections=state["pg_connections"],
            pg_states=state["pg_states"],
            webhook_backlog=state["webhooks"].get("pending", 0),
            webhooks=state["webhooks"],
            load_average=os.getloadavg()[0],
            published=self.published(baseline)["all"],
            received_min=min(received[: self.token_subscribers], default=0),
            api_alive=self.processes[0].poll() is None,
            worker_alive=self.processes[1].poll() is None,
        )
        return row

    def run(self, result: dict[str, Any]) -> None:
        deadline = stop_at(self.options.until, datetime.now(UTC))
        self.load("warm", seconds=WARM_UP_SECONDS)
        result["peak"] = minute_row(0, self.load("peak", seconds=self.options.peak_seconds), 0.0)
        rate = result["rate"] = result["peak"]["rps"] * self.options.share
        if self.processes[1].poll() is not None:
            raise RuntimeError(f"the worker stopped; see {self.logs / 'worker.log'}")
        start = self.settle()["counts"]
        baseline = self.published(0)["last_id"]
        result["before"] = {
            "rss_api_mib": _rss_mib(self.api),
            "rss_worker_mib": _rss_mib(self.worker),
            **self.database(),
        }
        _save(result)
        every: list[float] = []
        for minute in range(1, max(1, round(self.options.minutes)) + 1):
            if deadline is not None and datetime.now(UTC) + timedelta(seconds=MINUTE) > deadline:
                result["stopped"] = f"--until {self.options.until}: after {minute - 1} minutes"
                break
            outcome = self.load(f"m{minute}", seconds=MINUTE, rate=rate)
            every += [t for times in outcome["times"].values() for t in times]
            row = self.sample(minute_row(minute, outcome, rate), baseline, start)
            result["rows"].append(row)
            result["all_p50_ms"] = percentile(every, 50) * 1000
            result["all_p99_ms"] = percentile(every, 99) * 1000
            _save(result)
            print(_row_line(row), flush=True)
        self.finish(result, baseline, start)

    def finish(self, result: dict[str, Any], baseline: int, start: list[int]) -> None:
        after = self.settle()
        published = self.published(baseline)
        received = [b - a for a, b in zip(start, after["counts"], strict=True)]
        n = self.token_subscribers
        result["subscribers"] = {
            "token": n,
            "client": len(received) - n,
            "published": published["all"],
            "published_organization": published["organization"],
            "received_token": received[:n],
            "received_client": received[n:],
            "failures": after["failures"],
            "failed": after["failed"],
        }
        state = self.database()
        with psycopg.connect(self.url) as conn:
            pending = conn.execute(
                f'SELECT id, event_id, created_at FROM "{self.firm.schema}".webhook_deliveries '
                "WHERE status = 'pending' ORDER BY id LIMIT 20"
            ).fetchall()
        result["webhooks"] = {
            **state["webhooks"],
            "received": _Receiver.received,
            "pending_first": [[i, e, str(at)] for i, e, at in pending],
        }
        result["end_connections"] = state["pg_connections"]
        # Before the processes stop: what their shutdown logs is counted apart.
        result["problems"] = self.problems()

    def problems(self) -> dict[str, Any]:
        return {name: _log_problems(self.logs / f"{name}.log") for name in ("api", "worker")}

    def stop(self) -> None:
        if self.subscribers is not None:
            self.subscribers.stop()
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        self.receiver.shutdown()
        if self.broker_url:
            try:
                _delete_queues(self.broker_url, self.prefix)
            except Exception as exc:  # cleanup must not hide the results
                print(f"could not delete the queues {self.prefix}*: {exc}")


def _delete_queues(broker_url: str, prefix: str) -> None:
    """Remove this run's RabbitMQ queues (dramatiq's, their delay and dead-letter ones)."""
    import pika  # noqa: PLC0415 - only with RabbitMQ

    from saas.jobs.actors import ACTORS  # noqa: PLC0415
    from saas.jobs.worker import import_actor_modules  # noqa: PLC0415

    import_actor_modules()
    names = {a.queue_name for a in ACTORS.values()} | {"default"}
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        channel = connection.channel()
        for name in sorted(names):
            for queue in (f"{prefix}{name}", f"{prefix}{name}.DQ", f"{prefix}{name}.XQ"):
                channel.queue_delete(queue=queue)
    finally:
        connection.close()


def _save(result: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(result, indent=1, default=str))


def run(options: Options) -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_soak")
    engine = sync_engine(url)
    logs = RESULTS.with_name(RESULTS.stem + "-logs")  # kept after the run
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    result: dict[str, Any] = {
        "options": asdict(options),
        "started": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "logs": str(logs),
        "rows": [],
    }
    soak: Soak | None = None
    try:
        upgrade_shared(engine)
        result["machine"] = machine(url)
        firm = _firm(engine, url, min(CLIENT_SUBSCRIBERS, options.subscribers // 5))
        soak = Soak(options, url, firm, logs)
        result["broker"] = "rabbitmq" if soak.broker_url else "postgres"
        with TemporaryDirectory() as data_dir:
            soak.start(data_dir)
            soak.run(result)
    finally:
        if soak is not None:
            soak.stop()
            result["problems_with_shutdown"] = soak.problems()
        _save(result)
        engine.dispose()
        drop_database(server, url)
    return result


def _row_line(row: dict[str, Any]) -> str:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    return (
        f"| {row['minute']} | {row['requests']} | {row['rps']:.1f} | {row['http_5xx']} | "
        f"{row['errors']} | {ms(row['p50_ms'])} | {ms(row['p99_ms'])} | "
        f"{row['rss_api_mib']:.1f} | {row['rss_worker_mib']:.1f} | {row['pg_connections']} | "
        f"{row['webhook_backlog']} | {row['published']} / {row['received_min']} | "
        f"{row['load_average']:.1f} |"
    )


def report(result: dict[str, Any]) -> str:
    rows = result["rows"]
    options = result["options"]
    if "peak" not in result:
        return f"The soak of {result['started']} stopped before its peak was measured."
    peak = result["peak"]
    lines = [
        f"`python -m bench soak --minutes {options['minutes']:g}` on {result['machine']} "
        f"(started {result['started']}; broker: {result['broker']}).",
        "",
        f"One `saas serve` and one `saas worker` on a database of their own (bench_feed's firm: "
        f"1,000 reports with documents), {options['subscribers']} live `reportStatusChanged` "
        f"subscribers (graphql-transport-ws), a webhook endpoint on `report.status_changed`. "
        f"The mixed load of bench_peer ({MIX_CONNECTIONS} connections: 70% feed page, 20% "
        f"report page, 10% `recordReportEvent`, each write a new event that changes its "
        f"report's status) peaked at **{peak['rps']:.0f} req/s** (p99 {peak['p99_ms']:.0f} ms, "
        f"{options['peak_seconds']:g} s); the soak paced it at {options['share']:.0%} of that, "
        f"**{result['rate']:.0f} req/s**. Each minute (samples at its end; latency from the "
        "request's send, so a stalled server shows in the rate, not in p99; webhook backlog: "
        "deliveries pending; status changes published since the soak began / the fewest of "
        "them a token subscriber had received by then; load average of the host, 1 minute):",
        "",
        "| minute | requests | req/s | 5xx | errors | p50 ms | p99 ms | API RSS MiB | "
        "worker RSS MiB | PG connections | webhook backlog | status changes / received | "
        "load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[_row_line(r) for r in rows],
    ]
    if not rows:
        return "\n".join([*lines, "", "No minute completed."])
    s = summarize(rows)
    lines += [
        "",
        f"{s['minutes']} minutes, {s['requests']:,} requests: **{s['http_5xx']} 5xx** (goal 0: "
        f"{'met' if s['goal_5xx'] else 'NOT met'}), {s['errors']} errors of any kind; p99 "
        f"{s['p99_first_ms']:.0f} ms in minute 1, {s['p99_last_ms']:.0f} ms in the last, "
        f"{s['p99_max_ms']:.0f} ms at worst (all requests: p50 {result['all_p50_ms']:.0f} ms, "
        f"p99 {result['all_p99_ms']:.0f} ms). RSS from minute 1 to the last: API "
        f"**{s['rss_api_growth']:+.1f}%**, worker **{s['rss_worker_growth']:+.1f}%** (goal <= "
        f"{GOAL_RSS_GROWTH:.0f}%: {'met' if s['goal_rss'] else 'NOT met'}; before the soak, "
        f"after the peak: API {result['before']['rss_api_mib']:.1f} MiB, worker "
        f"{result['before']['rss_worker_mib']:.1f} MiB). PostgreSQL connections of the "
        f"database {s['connections_min']}-{s['connections_max']} "
        f"({'stable: the last minute' if s['connections_stable'] else 'GROWING: the last minute'}"
        f"{' not' if s['connections_stable'] else ''} above the first half's highest).",
    ]
    if stopped := result.get("stopped"):
        lines += ["", f"Cut short: {stopped}."]
    if sub := result.get("subscribers"):
        token_rx, client_rx = sub["received_token"], sub["received_client"]
        lines += [
            "",
            f"Subscribers: {sub['published']:,} status changes published during the soak; "
            f"{sub['token']} token subscribers (every organization) received "
            f"{min(token_rx, default=0):,}-{max(token_rx, default=0):,} each; {sub['client']} "
            f"client users (one organization, {sub['published_organization']:,} of the changes) "
            f"received {min(client_rx, default=0):,}-{max(client_rx, default=0):,} each; "
            f"{sub['failed']} sockets failed"
            + (f" ({sub['failures'][:3]})" if sub["failed"] else "")
            + ".",
        ]
    if hooks := result.get("webhooks"):
        statuses = {k: v for k, v in hooks.items() if k not in ("received", "pending_first")}
        lines += [
            "",
            f"Webhook deliveries by status at the end (the whole run, peak included): "
            f"{statuses}, {hooks['received']:,} POSTs received"
            + (
                f"; pending (id, event, created): {hooks['pending_first'][:5]}"
                if hooks.get("pending_first")
                else ""
            )
            + ".",
        ]
    if problems := result.get("problems"):
        lines += [
            "",
            "ERROR records in the logs: "
            + "; ".join(
                f"{name} {p['errors']}" + (f" ({p['kinds']})" if p["kinds"] else "")
                for name, p in problems.items()
            )
            + ".",
        ]
    if everything := result.get("problems_with_shutdown"):
        lines += [
            "",
            "With the processes' shutdown (SIGTERM) included: "
            + ", ".join(f"{name} {p['errors']}" for name, p in everything.items())
            + ".",
        ]
    samples = [s for r in rows for s in r["samples"]][:3]
    if samples:
        lines += ["", f"First errors: {samples}"]
    lines += ["", *LIMITS]
    return "\n".join(lines)


LIMITS = [
    "What limits it: the API, the worker, the load generator, the subscribers' process, "
    "PostgreSQL and RabbitMQ share the host's 2 cores with whatever else runs there (the "
    "load average column), so the peak, and the 70% paced from it, are this host's of that "
    "hour; the peak is measured with the subscribers connected and the worker running, every "
    "write a status change that reaches every subscriber and a webhook, so it is far below "
    "bench_peer's mixed load alone. The pacing shares slots among the 16 connections: a "
    "minute in which the server falls behind shows as fewer req/s than the target (latency is "
    "timed from the send, not from the slot). RSS (of each process with its children, psutil) "
    "and connections are sampled once at the end of each minute; the RSS goal compares minute "
    "1 with the last, after the warm-up and the peak.",
    "",
    "Found by its trial runs (2 minutes, 2026-12-05, before the fixes) and fixed: 7 and 14 of "
    "~400 webhook deliveries left `pending` forever, never attempted: SQLAlchemy sends "
    "`after_commit` when a SAVEPOINT is released too, so the enqueue the notifications' "
    "ON_ANNOUNCE hook registers inside its savepoint ran before the claiming transaction "
    "committed and the worker found no delivery row (`saas.core.commit` now waits for the "
    "outermost COMMIT); and one `an announce hook failed` per run in the API: two rejections "
    "of one organization announced at once both created its report-fix service "
    "(`uq_request_services_system_key`), so that claim's rejections opened no request "
    "(`requests.service.report_fixes` now inserts with ON CONFLICT DO NOTHING). A 2-minute run "
    "after both: 853 deliveries, all succeeded, no ERROR record in either log.",
]


def main() -> dict[str, Any]:
    options = parse_args(sys.argv[1:])
    if options.report_only:
        result = json.loads(RESULTS.read_text())
    else:
        # SIGTERM (a deadline's kill) ends like Ctrl-C: the processes stop, the database goes.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        result = run(options)
    text = report(result)
    print(text)
    if should_write_docs():
        write_section(HEADING, text)
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--subscribe"]:
        port, host, credentials = sys.argv[2:5]
        asyncio.run(_subscribe(int(port), host, json.loads(Path(credentials).read_text())))
    else:
        main()
