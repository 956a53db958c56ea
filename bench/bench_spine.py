"""What the GraphQL spine costs: an authenticated `viewer { cabinets }` round trip over HTTP
against a bare Starlette JSON endpoint doing the same SQL, in the same run.

Both servers run as their own uvicorn process on the same fresh database: the API as
`saas serve` (production settings: every middleware, access log, metrics, limits,
permissions), the bare app below with the same engine settings and the same three
statements (the session cookie's session and person, the person, their memberships joined
to the firms). The person is staff at three firms and logs in once at the platform's host;
requests are sequential on one keep-alive connection, alternating between the two servers
in rounds so background load hits both alike.

    python -m bench.bench_spine [--write-docs]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.report import machine, median, percentile, should_write_docs, write_section
from saas.auth.tokens import CSRF_HEADER, SESSION_COOKIE, digest, same
from saas.db.engine import create_engine
from saas.db.migrate import sync_engine, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.auth import create_person, login
from tests.support.client import GraphQLClient
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.server import free_port

BASE_DOMAIN = "kabinet.bench"
ROUNDS = 10
PER_ROUND = 100
WARM_UP = 100
QUERY = "{ viewer { id email displayName cabinets { key kind roles url firm { slug name } } } }"

SESSION_SQL = sa.text(
    "SELECT s.person_id, s.tenant_id, s.csrf_token, s.expires_at, s.revoked_at, "
    "s.mfa_passed, p.is_platform_admin FROM shared.sessions s "
    "JOIN shared.people p ON p.id = s.person_id WHERE s.token_hash = :hash"
)
PERSON_SQL = sa.text("SELECT id, email, display_name FROM shared.people WHERE id = :id")
CABINETS_SQL = sa.text(
    "SELECT m.kind, m.client_org_id, m.roles, t.slug, t.name, t.domains "
    "FROM shared.memberships m JOIN shared.tenants t ON t.id = m.tenant_id "
    "WHERE m.person_id = :id AND m.status = 'active' AND t.status = 'active' "
    "ORDER BY t.name, t.id, m.kind, m.client_org_id"
)


def bare_app() -> Starlette:
    """The same reads with nothing around them (uvicorn factory: `--factory`)."""
    engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=10)

    def refuse(status: int) -> Response:
        return Response(b'{"error":"refused"}', status, media_type="application/json")

    async def cabinets(request: Request) -> Response:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            return refuse(401)
        async with engine.connect() as conn:
            login = (await conn.execute(SESSION_SQL, {"hash": digest(secret)})).one_or_none()
            if login is None or login.revoked_at or login.expires_at <= datetime.now(UTC):
                return refuse(401)
            if not same(request.headers.get(CSRF_HEADER), login.csrf_token):
                return refuse(403)
            person = (await conn.execute(PERSON_SQL, {"id": login.person_id})).one()
            rows = (await conn.execute(CABINETS_SQL, {"id": person.id})).all()
        items = [
            {
                "key": f"{r.slug}:{r.kind}",
                "kind": r.kind.upper(),
                "roles": list(r.roles),
                "url": f"https://{r.domains[0] if r.domains else f'{r.slug}.{BASE_DOMAIN}'}/",
                "firm": {"slug": r.slug, "name": r.name},
            }
            for r in rows
        ]
        viewer = {"id": person.id, "email": person.email, "displayName": person.display_name}
        body = {"data": {"viewer": {**viewer, "cabinets": items}}}
        return Response(orjson.dumps(body), media_type="application/json")

    return Starlette(routes=[Route("/graphql", cabinets, methods=["POST"])])


def _start(
    args: list[str], env: dict[str, str], log: Path, port: int, wait: float = 60.0
) -> subprocess.Popen[bytes]:
    """Start a server and wait up to `wait` seconds for it to answer; one that does not is
    stopped (not left running after the bench)."""
    process = subprocess.Popen(
        args, env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=log.open("wb")
    )
    deadline = time.monotonic() + wait
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)
                raise RuntimeError(f"{args} did not start; see {log}") from None
            time.sleep(0.1)


def _timed(c: GraphQLClient, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = c.post({"query": QUERY})
        out.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
    return out


def run() -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_spine")
    engine = sync_engine(url)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        upgrade_shared(engine)
        where = machine(url)
        memberships = []
        for i, name in enumerate(("Альфа Учёт", "Bravo Books", "Гамма Консалт")):
            tenant_id = provision_tenant(engine, f"spine-{i}", name)
            memberships.append((tenant_id, "staff", ["manager"], None))
        person = create_person(engine, "spine@bench.test", memberships=memberships)
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
            uvicorn_args = ["--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]
            processes.append(
                _start(
                    [
                        sys.executable,
                        "-m",
                        "saas.cli",
                        "serve",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(api_port),
                    ],
                    env,
                    Path(tmp) / "api.log",
                    api_port,
                )
            )
            processes.append(
                _start(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "bench.bench_spine:bare_app",
                        "--factory",
                        "--port",
                        str(bare_port),
                        *uvicorn_args,
                    ],
                    env,
                    Path(tmp) / "bare.log",
                    bare_port,
                )
            )
            api = GraphQLClient(f"http://127.0.0.1:{api_port}", BASE_DOMAIN)
            login(api, person.email, person.password)
            cabinets = api.execute(QUERY)["viewer"]["cabinets"]
            assert len(cabinets) == 3, cabinets
            bare = GraphQLClient(f"http://127.0.0.1:{bare_port}", BASE_DOMAIN)
            bare.cookies = dict(api.cookies)
            assert len(bare.post({"query": QUERY}).json()["data"]["viewer"]["cabinets"]) == 3
            _timed(api, WARM_UP)
            _timed(bare, WARM_UP)
            graphql_times: list[float] = []
            bare_times: list[float] = []
            for _ in range(ROUNDS):
                graphql_times += _timed(api, PER_ROUND)
                bare_times += _timed(bare, PER_ROUND)
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
    }


def report(result: dict[str, Any]) -> str:
    def row(name: str, times: list[float]) -> str:
        return (
            f"| {name} | {median(times) * 1000:.2f} | {percentile(times, 90) * 1000:.2f} | "
            f"{percentile(times, 99) * 1000:.2f} | {len(times) / sum(times):.0f} |"
        )

    ratio = median(result["graphql"]) / median(result["bare"])
    return "\n".join(
        [
            f"`python -m bench.bench_spine` on {result['machine']}.",
            "",
            f"An authenticated `viewer {{ cabinets }}` (3 cabinets) over HTTP, "
            f"{result['requests']} sequential requests each, alternating in rounds:",
            "",
            "| endpoint | p50 ms | p90 ms | p99 ms | requests/s (one connection) |",
            "|---|---|---|---|---|",
            row("GraphQL spine (`saas serve`)", result["graphql"]),
            row("bare Starlette, same SQL", result["bare"]),
            "",
            f"Ratio of medians (spine / bare): **{ratio:.1f}x**.",
            "",
            "The difference is what the spine does around the same three statements: resolving "
            "the host to its firm, authenticating the session, parsing and validating the "
            "document against the limits, the permission and error extensions, building the "
            "context and the result, the metrics and the access log line. On a busy machine "
            "both columns grow; compare the ratio.",
        ]
    )


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("The GraphQL spine against a bare endpoint", text)
    return result


if __name__ == "__main__":
    main()
