"""Provisioning one tenant (row, PostgreSQL role, schema, every tenant migration, default roles
and policies): median and max over 20 tenants; goal <= 1 s each.

One warm-up tenant is provisioned first and not counted (it pays for loading the migration
scripts once per process). Runs on a fresh database of its own, dropped afterwards.

    python -m bench.bench_provisioning [--write-docs]
"""

from __future__ import annotations

import time
from typing import Any

from bench.report import machine, median, should_write_docs, write_section
from saas.db.migrate import sync_engine, tenant_head, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.provisioning import provision_tenant
from tests.support.database import drop_database, fresh_database, server_url

TENANTS = 20
GOAL_SECONDS = 1.0


def run() -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_provisioning")
    engine = sync_engine(url)
    try:
        upgrade_shared(engine)
        provision_tenant(engine, "warm-up", "Warm-up")
        timings = []
        for i in range(TENANTS):
            started = time.perf_counter()
            provision_tenant(engine, f"bench-firm-{i:02d}", f"Bench Firm {i}")
            timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        provision_tenant(engine, "bench-firm-00", "Bench Firm 0")  # idempotent: nothing to do
        again = time.perf_counter() - started
        return {
            "machine": machine(url),
            "tenants": TENANTS,
            "head": tenant_head(),
            "median": median(timings),
            "max": max(timings),
            "min": min(timings),
            "again": again,
        }
    finally:
        engine.dispose()
        drop_database(server, url)


def report(result: dict[str, Any]) -> str:
    verdict = "met" if result["max"] <= GOAL_SECONDS else "NOT met"
    return "\n".join(
        [
            f"`python -m bench.bench_provisioning` on {result['machine']}.",
            "",
            f"Provisioning one tenant (row, role, schema, tenant migrations up to "
            f"`{result['head']}`, default roles and policies), over {result['tenants']} tenants "
            f"after one warm-up tenant:",
            "",
            "| median | min | max | again (already provisioned) |",
            "|---|---|---|---|",
            f"| {result['median'] * 1000:.0f} ms | {result['min'] * 1000:.0f} ms | "
            f"{result['max'] * 1000:.0f} ms | {result['again'] * 1000:.0f} ms |",
            "",
            f"Goal: every tenant <= {GOAL_SECONDS:.0f} s: {verdict}.",
        ]
    )


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("Provisioning a tenant", text)
    return result


if __name__ == "__main__":
    main()
