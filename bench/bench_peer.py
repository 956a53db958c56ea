"""The peer in the bench (issue 15): the reports feed page (50 reports with organization and
documents) from Kabinet (`saas serve`), PostGraphile v4 on the same tenant schema and the bare
Starlette + psycopg + orjson endpoint of bench_feed, on one database in one run: three
alternating rounds at concurrency 1 and 8, req/s, p50/p99 and CPU per request of each server
process (psutil). Then the mixed load against Kabinet: 70% feed, 20% report page, 10% writes
(recordReportEvent) at 16 connections (BENCH_MIX_SECONDS, 60 by default; `make bench` passes
a shorter one): req/s, p50/p95/p99, errors, RSS of the API process before/after; once with
the one `saas serve` process measured above, then with `saas serve --workers N` for each other
N of BENCH_MIX_WORKERS ("1,2" by default; RSS: the parent and its workers). The feed rounds
also measure `saas serve --workers BENCH_FEED_WORKERS` (2 by default; 0: not).

PostGraphile is installed by `npm ci` into bench/postgraphile/ (pinned, lockfile committed,
node_modules ignored); the load comes from bench/loadgen.py in a process of its own.

    python -m bench.bench_peer [--write-docs]
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import psutil

from bench.bench_feed import BASE_DOMAIN, PAGE, QUERY, SLUG, _seed
from bench.bench_spine import _start
from bench.report import machine, median, percentile, should_write_docs, write_section
from saas.db.migrate import sync_engine, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.server import free_port

PEER_DIR = PROJECT_ROOT / "bench" / "postgraphile"
ROUNDS = int(os.environ.get("BENCH_PEER_ROUNDS", "3"))
REQUESTS = {1: 300, 8: 800}
MIX_CONNECTIONS = 16
MIX_WORKERS = [int(n) for n in os.environ.get("BENCH_MIX_WORKERS", "1,2").split(",")]
# The feed rounds also measure `saas serve --workers FEED_WORKERS` (0: not), as deployed on
# a host of that many cores; PostGraphile's CLI and the bare endpoint run one process.
FEED_WORKERS = int(os.environ.get("BENCH_FEED_WORKERS", "2"))
PG_QUERY = (
    "{ allReports(first: 50, orderBy: [UPDATED_AT_DESC, ID_DESC]) { pageInfo { hasNextPage "
    "endCursor } edges { cursor node { id formCode periodYear periodCode status statusAt "
    "beingFixed documentCount reportDocumentsByReportId(orderBy: ID_ASC) { nodes { id name } } "
    "clientOrganizationByOrganizationId { name } } } } }"
)
REPORT_QUERY = (
    'query { report(id: "%s") { ... on Report { id formCode periodYear status statusAt '
    "documentCount documents { id name } organization { name } } } }"
)
WRITE_MUTATION = (
    "mutation($input: RecordReportEventInput!) { recordReportEvent(input: $input) { __typename } }"
)


def install_peer() -> Path:
    """`npm ci` into bench/postgraphile once; the CLI's path."""
    cli = PEER_DIR / "node_modules" / "postgraphile" / "cli.js"
    if not cli.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("the peer bench needs npm (Node.js 20+)")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEER_DIR, check=True
        )
    return cli


def load(port: int, host: str, token: str, mix: list[dict[str, Any]], **job: Any) -> dict:
    """Runs bench/loadgen.py in its own process; its result."""
    spec = {"port": port, "host": host, "token": token, "bodies": mix, **job}
    out = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(spec).encode(),
        capture_output=True,
        cwd=PROJECT_ROOT,
        check=True,
    )
    return json.loads(out.stdout)


def _cpu(process: psutil.Process) -> float:
    """User and system time of the process and its children (`--workers`: the workers)."""
    every = [process, *process.children(recursive=True)]
    return sum(t.user + t.system for t in (p.cpu_times() for p in every))


def _gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def run() -> dict[str, Any]:
    cli = install_peer()
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_peer")
    engine = sync_engine(url)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        upgrade_shared(engine)
        where = machine(url)
        tenant_id = provision_tenant(engine, SLUG, "Лента отчётов")
        token = _seed(url, tenant_id)
        with engine.connect() as conn:
            schema, role = conn.exec_driver_sql(
                f"SELECT schema_name, db_role FROM shared.tenants WHERE id = {tenant_id}"
            ).one()
            report_ids = [
                r[0] for r in conn.exec_driver_sql(f'SELECT id FROM "{schema}".reports ORDER BY id')
            ]
        host = f"{SLUG}.{BASE_DOMAIN}"
        with TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "SAAS_DATABASE_URL": url,
                "BENCH_DATABASE_URL": url,
                "SAAS_BASE_DOMAIN": BASE_DOMAIN,
                "SAAS_DATA_DIR": tmp,
                "SAAS_SECRET_KEY": "bench-secret-key",
                "SAAS_LOG_JSON": "1",
            }
            env.pop("SENTRY_DSN", None)
            ports = {"kabinet": free_port(), "postgraphile": free_port(), "bare": free_port()}
            plain_url = url.replace("postgresql+psycopg://", "postgresql://")
            commands = {
                "kabinet": [sys.executable, "-m", "saas.cli", "serve", "--host", "127.0.0.1"],
                "postgraphile": [
                    "node", str(cli), "-c", plain_url, "--schema", schema, "--default-role",
                    role, "--host", "127.0.0.1", "--disable-query-log", "--disable-graphiql",
                    "--port",
                ],
                "bare": [
                    sys.executable, "-m", "uvicorn", "bench.bench_feed:bare_app", "--factory",
                    "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log",
                ],
            }  # fmt: skip
            for name, args in commands.items():
                if name != "postgraphile":
                    args = [*args, "--port"]
                processes.append(
                    _start([*args, str(ports[name])], env, Path(tmp) / f"{name}.log", ports[name])
                )
            procs = {
                name: psutil.Process(p.pid) for name, p in zip(commands, processes, strict=True)
            }
            queries = {"kabinet": QUERY, "postgraphile": PG_QUERY, "bare": QUERY}
            if FEED_WORKERS > 1:
                ports["workers"], procs["workers"] = _start_workers(
                    commands["kabinet"], FEED_WORKERS, env, tmp, processes
                )
                queries["workers"] = QUERY
            feed = {n: [{"kind": "feed", "weight": 1, "bodies": [json.dumps({"query": q})]}]
                    for n, q in queries.items()}  # fmt: skip
            _check_pages(ports, host, token, queries, report_ids[0])
            # Warm up and check no answer is an error.
            for name in queries:
                result = load(ports[name], host, token, feed[name], concurrency=1, requests=50)
                assert not result["errors"]["feed"], (name, result["samples"])
            table = _feed_rounds(ports, procs, host, token, feed)
            mixed = {}
            for workers in MIX_WORKERS:
                if workers == 1:
                    port, proc = ports["kabinet"], procs["kabinet"]
                elif workers == FEED_WORKERS:
                    port, proc = ports["workers"], procs["workers"]
                else:
                    port, proc = _start_workers(commands["kabinet"], workers, env, tmp, processes)
                # Warm every process up with the mix (the feed rounds ran only the feed): the
                # RSS measured is the run's growth, not the first report pages' and writes'.
                now = datetime.now(UTC).isoformat()
                warm = [write_body(report_ids[-1], f"warm{workers}", "DELIVERED", now)]
                load(port, host, token, mixed_bodies(report_ids, warm), concurrency=8,
                     seconds=10)  # fmt: skip
                mixed[workers] = mixed_load(port, host, token, proc, report_ids, f"w{workers}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        engine.dispose()
        drop_database(server, url)
    return {"machine": where, "table": table, "mixed": mixed, "feed_workers": FEED_WORKERS}


def _feed_rounds(
    ports: dict[str, int],
    procs: dict[str, psutil.Process],
    host: str,
    token: str,
    feed: dict[str, list[dict[str, Any]]],
) -> dict[tuple[str, int], list[dict[str, float]]]:
    """ROUNDS alternating rounds of the feed page at each concurrency, server after server."""
    table: dict[tuple[str, int], list[dict[str, float]]] = {}
    for _ in range(ROUNDS):
        for concurrency, count in REQUESTS.items():
            for name in feed:
                before = _cpu(procs[name])
                result = load(
                    ports[name], host, token, feed[name],
                    concurrency=concurrency, requests=count,
                )  # fmt: skip
                times = result["times"]["feed"]
                table.setdefault((name, concurrency), []).append({
                    "rps": len(times) / result["elapsed"],
                    "p50": percentile(times, 50),
                    "p99": percentile(times, 99),
                    "cpu_ms": (_cpu(procs[name]) - before) * 1000 / len(times),
                    "load_cpu_ms": result["cpu"] * 1000 / len(times),
                    "errors": result["errors"]["feed"],
                })  # fmt: skip
    return table


def _start_workers(
    command: list[str], workers: int, env: dict[str, str], tmp: str, processes: list[Any]
) -> tuple[int, psutil.Process]:
    """`saas serve --workers N` on a port of its own (added to `processes`): its port and
    its parent process."""
    port = free_port()
    args = [*command, "--workers", str(workers), "--port", str(port)]
    processes.append(_start(args, env, Path(tmp) / f"workers{workers}.log", port, wait=300))
    return port, psutil.Process(processes[-1].pid)


def _check_pages(
    ports: dict[str, int], host: str, token: str, queries: dict[str, str], report_id: int
) -> None:
    """Every server answers a full page with organizations and documents; a write records."""
    headers = {"host": host, "authorization": f"Bearer {token}"}
    for name, query in queries.items():
        answer = httpx.post(
            f"http://127.0.0.1:{ports[name]}/graphql", json={"query": query}, headers=headers
        ).json()["data"]
        page = answer["reports"] if "reports" in answer else answer["allReports"]
        nodes = [e["node"] for e in page["edges"]]
        assert len(nodes) == PAGE and page["pageInfo"]["hasNextPage"], (name, answer)
        documents = [n.get("documents") or n["reportDocumentsByReportId"]["nodes"] for n in nodes]
        assert sum(map(len, documents)) >= PAGE, (name, answer)
        assert all(
            (n.get("organization") or n["clientOrganizationByOrganizationId"])["name"]
            for n in nodes
        )
    written = httpx.post(
        f"http://127.0.0.1:{ports['kabinet']}/graphql",
        json={"query": WRITE_MUTATION, "variables": {"input": {
            "reportId": _gid("Report", report_id), "externalId": "check", "kind": "DELIVERED",
            "occurredAt": datetime.now(UTC).isoformat(), "text": "bench",
        }}},
        headers=headers,
    ).json()  # fmt: skip
    assert written["data"]["recordReportEvent"]["__typename"] == "ReportEventRecorded", written


def write_body(report_id: int, external_id: str, kind: str, occurred_at: str) -> str:
    """One `recordReportEvent` request body of the mixed load."""
    return json.dumps({
        "query": WRITE_MUTATION,
        "variables": {"input": {
            "reportId": _gid("Report", report_id), "externalId": external_id,
            "kind": kind, "occurredAt": occurred_at, "text": "bench",
        }},
    })  # fmt: skip


def mixed_bodies(
    report_ids: list[int], writes: list[str], **write_options: Any
) -> list[dict[str, Any]]:
    """The mixed load's job for bench/loadgen.py: 70% feed page, 20% `report(id)` page of the
    first 200 reports, 10% `writes` (bodies; `write_options`: loadgen's per-kind options).
    Shared with bench_soak."""
    return [
        {"kind": "feed", "weight": 70, "bodies": [json.dumps({"query": QUERY})]},
        {"kind": "report", "weight": 20,
         "bodies": [json.dumps({"query": REPORT_QUERY % _gid("Report", r)})
                    for r in report_ids[:200]]},
        {"kind": "write", "weight": 10, "bodies": writes, **write_options},
    ]  # fmt: skip


def _rss(proc: psutil.Process) -> int:
    """The process's RSS with its children's (`saas serve --workers N`: the workers)."""
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])


def mixed_load(
    port: int, host: str, token: str, proc: psutil.Process, report_ids: list[int], tag: str = ""
) -> dict[str, Any]:
    seconds = float(os.environ.get("BENCH_MIX_SECONDS", "60"))
    now = datetime.now(UTC).isoformat()
    # `tag`: each run's writes are new events (a run after another would repeat its ids).
    writes = [
        write_body(rid, f"mix{tag}-{rid}-{n}", "DELIVERED", now)
        for n in range(4) for rid in report_ids[:500]
    ]  # fmt: skip
    mix = mixed_bodies(report_ids, writes)
    rss_before = _rss(proc)
    load_before = os.getloadavg()[0]
    result = load(port, host, token, mix, concurrency=MIX_CONNECTIONS, seconds=seconds)
    rss_after = _rss(proc)
    every = [t for times in result["times"].values() for t in times]
    return {
        "seconds": seconds,
        "rps": len(every) / result["elapsed"],
        "p50": percentile(every, 50),
        "p95": percentile(every, 95),
        "p99": percentile(every, 99),
        "count": {k: len(v) for k, v in result["times"].items()},
        "p99_kind": {k: percentile(v, 99) for k, v in result["times"].items() if v},
        "errors": result["errors"],
        "samples": result["samples"],
        "rss_before": rss_before,
        "rss_after": rss_after,
        "load_cpu_ms": result["cpu"] * 1000 / max(1, len(every)),
        "load_average": (load_before, os.getloadavg()[0]),
    }


def report(result: dict[str, Any]) -> str:
    names = {
        "kabinet": "Kabinet `saas serve` (compiled feed)",
        "postgraphile": "PostGraphile 4.14 on the tenant schema",
        "bare": "bare Starlette + psycopg + orjson",
    }
    lines = [
        f"`python -m bench.bench_peer` on {result['machine']}.",
        "",
        f"The reports feed page ({PAGE} reports with organization and documents, 1,000 reports "
        f"in the firm), {ROUNDS} alternating rounds per concurrency ({REQUESTS[1]} requests at "
        f"c=1, {REQUESTS[8]} at c=8, per server and round), medians of the rounds; CPU per "
        f"request is the server process's user+system time (psutil) over the round's requests; "
        f"the load generator (bench/loadgen.py, raw asyncio keep-alive connections) runs in its "
        f"own process and its CPU per request is shown too:",
        "",
        "| endpoint | req/s c=1 | req/s c=8 | p50 c=1 ms | p99 c=1 ms | p50 c=8 ms | "
        "p99 c=8 ms | server CPU/req ms (c=1 / c=8) | loadgen CPU/req ms | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    t = result["table"]
    workers = result.get("feed_workers", 0)
    if workers > 1:
        names["workers"] = f"Kabinet `saas serve --workers {workers}` (compiled feed)"

    def med(name: str, c: int, key: str) -> float:
        return median([r[key] for r in t[(name, c)]])

    for name, label in names.items():
        errors = sum(r["errors"] for c in REQUESTS for r in t[(name, c)])
        lines.append(
            f"| {label} | {med(name, 1, 'rps'):.0f} | {med(name, 8, 'rps'):.0f} | "
            f"{med(name, 1, 'p50') * 1000:.1f} | {med(name, 1, 'p99') * 1000:.1f} | "
            f"{med(name, 8, 'p50') * 1000:.1f} | {med(name, 8, 'p99') * 1000:.1f} | "
            f"{med(name, 1, 'cpu_ms'):.1f} / {med(name, 8, 'cpu_ms'):.1f} | "
            f"{med(name, 8, 'load_cpu_ms'):.2f} | {errors} |"
        )
    ratios = []
    for c in REQUESTS:
        k = med("kabinet", c, "rps")
        ratios.append(
            f"c={c}: Kabinet / PostGraphile **{k / med('postgraphile', c, 'rps'):.2f}x**, "
            f"Kabinet / bare **{k / med('bare', c, 'rps'):.2f}x**"
        )
    lines += ["", "Ratios of req/s: " + "; ".join(ratios) + " (goals: >= 1.2x, >= 0.7x)."]
    if workers > 1:
        lines += [
            "",
            f"With `--workers {workers}` (every core of this host, as `saas serve` runs in "
            "production; PostGraphile's CLI and the bare endpoint are one process each, and the "
            "load generator and PostgreSQL share the same cores): "
            + "; ".join(
                f"c={c}: Kabinet / PostGraphile "
                f"**{med('workers', c, 'rps') / med('postgraphile', c, 'rps'):.2f}x**, "
                f"Kabinet / bare **{med('workers', c, 'rps') / med('bare', c, 'rps'):.2f}x**"
                for c in REQUESTS
            )
            + ". Its CPU per request counts the parent and the workers.",
        ]
    for processes, m in result["mixed"].items():
        growth = (m["rss_after"] - m["rss_before"]) / m["rss_before"] * 100
        server = (
            "one `saas serve` process"
            if int(processes) == 1
            else f"`saas serve --workers {processes}`"
        )
        lines += [
            "",
            f"Mixed load against Kabinet ({server}), {MIX_CONNECTIONS} connections for "
            f"{m['seconds']:.0f} s (70% feed page, 20% `report(id)` page, 10% "
            f"`recordReportEvent` writes; after 10 s of the same mix to warm up): "
            f"**{m['rps']:.0f} req/s**, p50 {m['p50'] * 1000:.0f} ms, p95 {m['p95'] * 1000:.0f} "
            f"ms, p99 **{m['p99'] * 1000:.0f} ms** (p99 by kind: "
            + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in m["p99_kind"].items())
            + f"), requests {m['count']}, errors {m['errors']}, RSS of the API "
            f"{m['rss_before'] / 2**20:.0f} -> {m['rss_after'] / 2**20:.0f} MiB "
            f"({growth:+.1f}%), load average {m['load_average'][0]:.1f} -> "
            f"{m['load_average'][1]:.1f}; goals: p99 <= 100 ms, 0 errors, RSS growth <= 5%.",
        ]
    lines += [
        "",
        "What each server checks. Kabinet: the API token (hash, revoked, expiry, firm active) "
        "looked up per request (no cache, so a revocation is refused at once), the firm from the "
        "host, the tenant transaction bound to the firm's role and schema, the role's grants "
        "(casbin: `reports` read), the viewer's scope inside the statement (a client user sees "
        "only the organizations granted to them, and a document is downloadable for them only "
        "once its flow is complete), rate "
        "and size limits, the access log and metrics. PostGraphile as run here: "
        "`--schema <the firm's schema> --default-role <the firm's role>`, so every request runs "
        "in a transaction with the firm's PostgreSQL role and sees that one schema, as a real "
        "deployment per firm would; but it checks no token (anyone reaching the port reads the "
        "firm), knows no users, grants or client scope (no row-level security policies exist "
        "for it to apply, so a client would see every organization and every document "
        "of the firm, complete flow or not), and serves all tables of the schema, writable "
        "ones included. "
        "Its numbers are a lower bound of what checking like Kabinet would cost it: RLS "
        "policies and a JWT role claim would add per-row work in PostgreSQL. The bare endpoint "
        "checks the token (one statement) and the host's firm, nothing else.",
        "",
        "Earlier runs, the profile of what is left and the cost of a write: the next section "
        "(kept by hand).",
        "",
        "Ratios matter more than absolute numbers: the 2-core host is shared with other work "
        "(the load average above); the servers and the load generator share its two cores.",
    ]
    samples = [m["samples"] for m in result["mixed"].values() if m["samples"]]
    if samples:
        lines += ["", f"First errors: {samples}"]
    return "\n".join(lines)


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("The feed against PostGraphile and a bare endpoint", text)
    return result


if __name__ == "__main__":
    main()
