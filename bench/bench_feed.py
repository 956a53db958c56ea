"""The reports status feed: one page (50 reports with their current status, organization and
documents) over GraphQL/HTTP against the same rows read with raw psycopg and serialized with
orjson in a bare Starlette endpoint, in the same run; goal: GraphQL at >= 0.5x the bare
requests/s.

Both servers run as their own uvicorn process on one fresh database (a firm with 20
organizations, 1,000 reports with 1-3 documents each): the API as `saas serve` (every
middleware, token authentication, limits, permissions, the organization dataloader, the
documents read with the page), the bare app below with a psycopg pool, the same token check
and one SQL statement reading the same columns (documents as a JSON array per report, as the
API's feed reads them). The bench checks that both return the same nodes. Requests are
sequential on one keep-alive connection per server, alternating in rounds so background load
hits both alike.

    python -m bench.bench_feed [--write-docs]
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.bench_spine import _start
from bench.report import machine, median, percentile, should_write_docs, write_section
from saas.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from saas.db.migrate import sync_engine, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.client import GraphQLClient
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.server import free_port

BASE_DOMAIN = "kabinet.bench"
SLUG = "feed"
ORGANIZATIONS = 20
REPORTS = 1000
PAGE = 50
ROUNDS = 10
PER_ROUND = 100
WARM_UP = 100
GOAL_RATIO = 0.5
QUERY = (
    "{ reports(first: 50) { pageInfo { hasNextPage endCursor } edges { cursor node { id "
    "formCode periodYear periodCode status statusAt beingFixed documentCount "
    "documents { id name } organization { name } } } } }"
)
# The same page asking for ids only: what is left is the fixed cost of a request (auth,
# tenant transaction, parsing, validation, the page's SQL), not field resolution.
QUERY_IDS = "{ reports(first: 50) { edges { node { id } } } }"
TOKEN_SQL = (
    "SELECT t.tenant_id, n.schema_name FROM shared.api_tokens t "
    "JOIN shared.tenants n ON n.id = t.tenant_id WHERE t.token_hash = %s "
    "AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) "
    "AND n.slug = %s AND n.status = 'active'"
)
FEED_SQL = (
    "SELECT r.id, r.form_code, r.period_year, r.period_code, r.status, r.status_at, "
    "r.being_fixed, r.updated_at, o.name, r.document_count, "
    "CASE WHEN r.document_count > 0 THEN (SELECT json_agg(json_build_object('id', d.id, "
    "'name', d.name) ORDER BY d.id) FROM {schema}.report_documents d "
    "WHERE d.report_id = r.id) END FROM {schema}.reports r "
    "JOIN {schema}.client_organizations o ON o.id = r.organization_id "
    "ORDER BY r.updated_at DESC, r.id DESC LIMIT %s"
)


def _gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


def bare_app() -> Starlette:
    """The same page with nothing around it (uvicorn factory: `--factory`)."""
    pool = AsyncConnectionPool(
        os.environ["BENCH_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://"),
        min_size=1,
        max_size=4,
        open=False,
    )

    async def feed(request: Request) -> Response:
        if pool.closed:
            await pool.open()
        auth = request.headers.get("authorization", "")
        slug = request.headers.get("host", "").split(".", 1)[0]
        async with pool.connection() as conn:
            found = await (
                await conn.execute(TOKEN_SQL, (digest(auth.removeprefix("Bearer ")), slug))
            ).fetchone()
            if found is None:
                return Response(b'{"error":"refused"}', 401, media_type="application/json")
            schema = found[1]
            rows = await (
                await conn.execute(FEED_SQL.format(schema=f'"{schema}"'), (PAGE + 1,))
            ).fetchall()
        edges = [
            {
                "cursor": base64.b64encode(f"{r[7].isoformat()}|{r[0]}".encode()).decode(),
                "node": {
                    "id": _gid("Report", r[0]),
                    "formCode": r[1],
                    "periodYear": r[2],
                    "periodCode": r[3],
                    "status": r[4].upper(),
                    "statusAt": r[5],
                    "beingFixed": r[6],
                    "documentCount": r[9],
                    "documents": [
                        {"id": _gid("ReportDocument", d["id"]), "name": d["name"]}
                        for d in r[10] or ()
                    ],
                    "organization": {"name": r[8]},
                },
            }
            for r in rows[:PAGE]
        ]
        page = {
            "hasNextPage": len(rows) > PAGE,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        body = {"data": {"reports": {"pageInfo": page, "edges": edges}}}
        return Response(orjson.dumps(body), media_type="application/json")

    return Starlette(routes=[Route("/graphql", feed, methods=["POST"])])


def _seed(url: str, tenant_id: int) -> str:
    """Organizations and reports written straight to the tenant schema; a token; returns it."""
    token = API_TOKEN_PREFIX + new_secret(24)
    forms = ("vat", "6ndfl", "rsv", "usn", "ens_notice")
    statuses = ("accepted", "delivered", "sent", "rejected", "prepared")
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        schema = conn.execute(
            "SELECT schema_name FROM shared.tenants WHERE id = %s", (tenant_id,)
        ).fetchone()[0]  # type: ignore[index]
        org_ids = [
            conn.execute(
                f'INSERT INTO "{schema}".client_organizations (name, legal_form, inn, kpp, ogrn, '
                "tax_regime) VALUES (%s, 'ooo', %s, '773601001', %s, 'osno') RETURNING id",
                (f"ООО «Клиент {i:02d}»", f"77{i:08d}", f"10277{i:08d}"),
            ).fetchone()[0]  # type: ignore[index]
            for i in range(ORGANIZATIONS)
        ]
        with conn.cursor() as cur:
            cur.executemany(
                f'INSERT INTO "{schema}".reports (organization_id, form_code, period_year, '
                "period_code, period_start, authority_code, correction, status, status_at, "
                "being_fixed, updated_at) VALUES (%s, %s, %s, 'Y', %s, '7701', 0, %s, %s, %s, %s)",
                [
                    (
                        org_ids[i % ORGANIZATIONS],
                        forms[i % len(forms)],
                        2000 + i // ORGANIZATIONS,
                        datetime(2000 + i // ORGANIZATIONS, 1, 1).date(),
                        statuses[i % len(statuses)],
                        now - timedelta(minutes=i),
                        statuses[i % len(statuses)] == "rejected",
                        now - timedelta(minutes=i),
                    )
                    for i in range(REPORTS)
                ],
            )
        # Every report: one event with 1-3 documents (report file, receipt, notice).
        conn.execute(
            f'INSERT INTO "{schema}".report_events (report_id, external_id, kind, occurred_at, '
            "text) SELECT id, 'bench-' || id, 'sent', status_at, '' "
            f'FROM "{schema}".reports'
        )
        conn.execute(
            f'INSERT INTO "{schema}".report_documents (report_id, event_id, kind, name, '
            "storage_key, size, sha256, content_type) "
            "SELECT e.report_id, e.id, (ARRAY['report_file', 'receipt', 'notice_of_input'])[n], "
            "'document-' || e.report_id || '-' || n || '.xml', "
            "'bench/' || e.report_id || '/' || n, 1000 + n, repeat('0', 64), 'application/xml' "
            f'FROM "{schema}".report_events e, generate_series(1, 1 + e.report_id % 3) AS n'
        )
        conn.execute(
            f'UPDATE "{schema}".reports r SET document_count = (SELECT count(*) FROM '
            f'"{schema}".report_documents d WHERE d.report_id = r.id)'
        )
        conn.execute(
            "INSERT INTO shared.api_tokens (tenant_id, name, role, prefix, token_hash) "
            "VALUES (%s, 'bench', 'integrator', %s, %s)",
            (tenant_id, token[:12], digest(token)),
        )
    return token


def _timed(c: GraphQLClient, n: int, query: str = QUERY) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = c.post({"query": query})
        out.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
    return out


def run() -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_feed")
    engine = sync_engine(url)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        upgrade_shared(engine)
        where = machine(url)
        tenant_id = provision_tenant(engine, SLUG, "Лента отчётов")
        token = _seed(url, tenant_id)
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
            api_port, bare_port = free_port(), free_port()
            api_args = [sys.executable, "-m", "saas.cli", "serve", "--host", "127.0.0.1"]
            processes.append(
                _start([*api_args, "--port", str(api_port)], env, Path(tmp) / "api.log", api_port)
            )
            bare_args = [sys.executable, "-m", "uvicorn", "bench.bench_feed:bare_app", "--factory"]
            bare_args += ["--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]
            processes.append(
                _start(
                    [*bare_args, "--port", str(bare_port)], env, Path(tmp) / "bare.log", bare_port
                )
            )
            api = GraphQLClient(f"http://127.0.0.1:{api_port}", host, token=token)
            bare = GraphQLClient(f"http://127.0.0.1:{bare_port}", host, token=token)
            via_api = api.execute(QUERY)["reports"]
            via_bare = bare.post({"query": QUERY}).json()["data"]["reports"]
            assert len(via_api["edges"]) == len(via_bare["edges"]) == PAGE
            assert [e["node"] for e in via_api["edges"]] == [
                e["node"] for e in via_bare["edges"]
            ], "the two endpoints must return the same page"
            assert sum(e["node"]["documentCount"] for e in via_api["edges"]) >= PAGE
            api_bytes = len(api.post({"query": QUERY}).content)
            bare_bytes = len(bare.post({"query": QUERY}).content)
            _timed(api, WARM_UP)
            _timed(bare, WARM_UP)
            graphql_times: list[float] = []
            bare_times: list[float] = []
            ids_times: list[float] = []
            for _ in range(ROUNDS):
                graphql_times += _timed(api, PER_ROUND)
                bare_times += _timed(bare, PER_ROUND)
                ids_times += _timed(api, PER_ROUND // 2, QUERY_IDS)
            api.close()
            bare.close()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        engine.dispose()
        drop_database(server, url)
    return {
        "machine": where,
        "requests": ROUNDS * PER_ROUND,
        "graphql": graphql_times,
        "bare": bare_times,
        "ids": ids_times,
        "api_bytes": api_bytes,
        "bare_bytes": bare_bytes,
    }


def report(result: dict[str, Any]) -> str:
    def rps(times: list[float]) -> float:
        return len(times) / sum(times)

    def row(name: str, times: list[float]) -> str:
        return (
            f"| {name} | {median(times) * 1000:.2f} | {percentile(times, 95) * 1000:.2f} | "
            f"{percentile(times, 99) * 1000:.2f} | {rps(times):.0f} |"
        )

    ratio = rps(result["graphql"]) / rps(result["bare"])
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    return "\n".join(
        [
            f"`python -m bench.bench_feed` on {result['machine']}.",
            "",
            f"One page of the reports feed ({PAGE} reports with status, status time, "
            f"being-fixed flag, organization name, document count and documents (id, name); "
            f"{REPORTS} reports with 1-3 documents each, of {ORGANIZATIONS} organizations in "
            f"the firm) with an API token, {result['requests']} sequential "
            f"requests per endpoint on one keep-alive connection, alternating in rounds:",
            "",
            "| endpoint | p50 ms | p95 ms | p99 ms | requests/s (one connection) |",
            "|---|---|---|---|---|",
            row("GraphQL `reports(first: 50)` (`saas serve`)", result["graphql"]),
            row("bare Starlette + psycopg + orjson", result["bare"]),
            row("GraphQL, same page, `id` only (fixed cost)", result["ids"]),
            "",
            f"Requests/s ratio (GraphQL / bare): **{ratio:.2f}x**; goal >= {GOAL_RATIO}x: "
            f"{verdict}. Response sizes: {result['api_bytes']} / {result['bare_bytes']} bytes.",
            "",
            f"What limits it: the `id`-only row is the fixed cost of a GraphQL request "
            f"here, p50 {median(result['ids']) * 1000:.1f} ms against the bare endpoint's "
            f"{median(result['bare']) * 1000:.1f} ms for the whole page: 8 database round "
            f"trips instead of 4 (the API token is looked up in a transaction of its own: "
            f"BEGIN, SELECT, ROLLBACK; then the tenant transaction: BEGIN, the binding "
            f"statement, the page, the organizations, ROLLBACK), ORM instances for the token, "
            f"the 51 reports and their organizations, strawberry's per-operation extension "
            f"hooks, the access log and metrics. The rest, up to the full page's p50, is the "
            f"~15 fields per report still resolved one by one in strawberry/graphql-core: "
            f"`id` (Relay, through strawberry's whole resolver chain), `organization` and "
            f"`documents` (async resolvers: a coroutine each, gathered per list), and "
            f"building the page's nodes.",
            "",
            "Where the time of a full-page request goes (py-spy on `saas serve`, 1,500 "
            "requests, 2026-11-23, samples outside idle): SQLAlchemy and psycopg for the "
            "three statements ~21%; graphql-core/strawberry field execution ~23%; building "
            "the nodes in `paginate` ~18%, of which turning each document of the page's JSON "
            "into an ORM `ReportDocument` instance (`reports.graphql._document_of`) ~11%; "
            "the event loop (one coroutine per `organization` and `documents`) ~9%; the "
            "organization field and its dataloader ~6%; the HTTP view and response ~4%; "
            "uvicorn ~1%; access log and metrics ~1%; GraphQL validation ~0% (cached).",
            "",
            "The spine work of 2026-11-23, measured back to back on one machine: the parsed "
            "document and its validation verdict cached by query text (validation was ~12% "
            "of a request; limits, permissions and tenant binding still run on every request, "
            "`saas/schema/cache.py`), a short path in the executor for plain leaf fields "
            "(`saas/schema/execution.py`), orjson responses, one statement to bind the tenant "
            "transaction. The page without documents went from 0.10x to 0.13x (p50 15.7 -> "
            "11.7 ms, id-only 8.7 -> 7.0 ms); the page with documents (this bench since "
            "then) from 0.08-0.09x to 0.10-0.11x (p50 29.4 -> 23.1 ms, id-only 9.2 -> 7.4 ms). "
            "(The 0.15x published before was the page without documents measured at load "
            "average 5, where the bare endpoint's times inflate more; quiet, it was 0.10x.)",
            "",
            "Next steps, outside the spine: documents of the page as plain objects rather than "
            "ORM instances; `organization` read with the page (a join) and resolved without "
            "a coroutine; the API token read without a transaction of its own (or cached for "
            "a few seconds). Reaching 0.5x (~5 ms for the page here) would also need the hot "
            "list types serialized without per-field resolution, which graphql-core does not "
            "offer.",
        ]
    )


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("The reports feed against a bare endpoint", text)
    return result


if __name__ == "__main__":
    main()
