"""Memory (RSS) of one API process as it serves more firms: after 1, 10 and 100 tenants.

One `saas serve` process on a fresh database with 100 provisioned firms. "Serving" a firm is
what an integrator's first calls do there: an API token of the firm (firm_admin) asks for
the firm, its branding, its roles and a page of client organizations. That fills every
per-firm cache of the process (tenant registry, Casbin policy, statement caches per tenant
schema) and opens tenant-bound transactions. RSS is read with psutil after each step; what
grows per firm is the cost of holding that firm warm.

    python -m bench.bench_memory [--write-docs]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import psutil
import sqlalchemy as sa

from bench.report import machine, should_write_docs, write_section
from saas.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from saas.db.migrate import sync_engine, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.database import drop_database, fresh_database, server_url
from tests.support.server import free_port

TENANTS = 100
CHECKPOINTS = (1, 10, 100)
REQUESTS_PER_TENANT = 3
BASE_DOMAIN = "kabinet.bench"
QUERY = """{
  currentFirm { slug name }
  branding { __typename }
  roles { name }
  clientOrganizations(first: 20) { edges { node { id } } }
}"""


def _token(engine: sa.Engine, tenant_id: int) -> str:
    secret = API_TOKEN_PREFIX + new_secret()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO shared.api_tokens (tenant_id, name, role, prefix, token_hash) "
                "VALUES (:tenant, 'bench', 'firm_admin', :prefix, :hash)"
            ),
            {"tenant": tenant_id, "prefix": secret[:12], "hash": digest(secret)},
        )
    return secret


def _rss_mib(process: psutil.Process) -> float:
    return float(process.memory_info().rss) / 1024 / 1024


def run() -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_memory")
    engine = sync_engine(url)
    api: subprocess.Popen[bytes] | None = None
    try:
        upgrade_shared(engine)
        where = machine(url)
        firms = []
        for i in range(TENANTS):
            slug = f"mem-firm-{i:03d}"
            firms.append((slug, _token(engine, provision_tenant(engine, slug, f"Firm {i}"))))
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
            log = (Path(tmp) / "api.log").open("wb")
            api = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "saas.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=env,
                cwd=PROJECT_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if api.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("saas serve did not start")
                time.sleep(0.1)
            process = psutil.Process(api.pid)
            samples = [(0, _rss_mib(process))]
            with httpx.Client(base_url=base, timeout=60) as http:
                for served, (slug, token) in enumerate(firms, start=1):
                    headers = {"host": f"{slug}.{BASE_DOMAIN}", "authorization": f"Bearer {token}"}
                    for _ in range(REQUESTS_PER_TENANT):
                        body = http.post("/graphql", json={"query": QUERY}, headers=headers).json()
                        if body.get("errors") or body["data"]["currentFirm"]["slug"] != slug:
                            raise RuntimeError(f"{slug}: {body}")
                    if served in CHECKPOINTS:
                        time.sleep(0.5)
                        samples.append((served, _rss_mib(process)))
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=10)
        engine.dispose()
        drop_database(server, url)
    return {"machine": where, "samples": samples}


def report(result: dict[str, Any]) -> str:
    samples: list[tuple[int, float]] = result["samples"]
    lines = [
        f"`python -m bench.bench_memory` on {result['machine']}.",
        "",
        f"RSS of one `saas serve` process as it serves more firms ({REQUESTS_PER_TENANT} "
        "requests per firm with the firm's API token: firm, branding, roles, client "
        "organizations):",
        "",
        "| firms served | RSS MiB | growth since previous row |",
        "|---|---|---|",
    ]
    previous: tuple[int, float] | None = None
    for served, rss in samples:
        growth = ""
        if previous is not None and served > previous[0]:
            per_firm = (rss - previous[1]) * 1024 / (served - previous[0])
            growth = f"{rss - previous[1]:+.1f} MiB ({per_firm:+.0f} KiB per firm)"
        lines.append(f"| {served} | {rss:.1f} | {growth} |")
        previous = (served, rss)
    lines += [
        "",
        "The first firm's growth is mostly one-time: the first GraphQL executions, statement "
        "compilation, pool connections. After that the cost per firm is what the process keeps "
        "warm for it (its registry entry, its Casbin policy, cached per-firm settings); the "
        "last row is the number to multiply by the firms one process serves.",
    ]
    return "\n".join(lines)


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("Memory of an API process per firm served", text)
    return result


if __name__ == "__main__":
    main()
