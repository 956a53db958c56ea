"""Provisioning tenants (row, PostgreSQL role, schema, every tenant migration, default roles
and policies): one at a time through alembic and through the recorded tenant script
(`saas.db.tenant_script`, one message per firm), and in bulk as `saas tenant create-many` does
it (1, 2 and 8 jobs).
Goals (issue 16): one firm <= 1 s, <= 100 ms per firm in bulk.

One warm-up tenant is provisioned first and not counted (it loads the migration scripts and
records the tenant script once per process). Runs on a fresh database of its own, dropped
afterwards.

    python -m bench provisioning [--write-docs]
"""

from __future__ import annotations

import time
from typing import Any

from bench.report import machine, median, should_write_docs, write_section
from saas.db.migrate import sync_engine, tenant_head, upgrade_shared
from saas.settings import PROJECT_ROOT
from saas.tenants.bulk import FirmRow, create_many
from saas.tenants.provisioning import provision_tenant
from tests.support.database import drop_database, fresh_database, server_url

TENANTS = 20
BULK = 100
GOAL_SECONDS = 1.0
GOAL_BULK_SECONDS = 0.1


def _one_by_one(engine: Any, prefix: str, from_script: bool) -> list[float]:
    timings = []
    for i in range(TENANTS):
        started = time.perf_counter()
        provision_tenant(engine, f"{prefix}-{i:02d}", f"Bench {i}", from_script=from_script)
        timings.append(time.perf_counter() - started)
    return timings


def _bulk(url: str, prefix: str, jobs: int) -> float:
    rows = [FirmRow(i, f"{prefix}-{i:03d}", f"Bulk {i}") for i in range(BULK)]
    started = time.perf_counter()
    results = create_many(url, rows, jobs=jobs, on_result=lambda r: None)
    took = time.perf_counter() - started
    assert all(r.outcome == "created" for r in results), [r.error for r in results if r.error]
    return took / BULK


def run() -> dict[str, Any]:
    server = server_url(PROJECT_ROOT / ".data")
    url = fresh_database(server, "kabinet_bench_provisioning")
    engine = sync_engine(url)
    try:
        upgrade_shared(engine)
        provision_tenant(engine, "warm-up", "Warm-up")
        provision_tenant(engine, "warm-up-alembic", "Warm-up", from_script=False)
        by_alembic = _one_by_one(engine, "alembic", from_script=False)
        by_script = _one_by_one(engine, "script", from_script=True)
        started = time.perf_counter()
        provision_tenant(engine, "script-00", "Bench script 0")  # idempotent: nothing to do
        again = time.perf_counter() - started
        return {
            "machine": machine(url),
            "tenants": TENANTS,
            "bulk": BULK,
            "head": tenant_head(),
            "alembic": by_alembic,
            "script": by_script,
            "again": again,
            "bulk_1": _bulk(url, "bulk-a", 1),
            "bulk_2": _bulk(url, "bulk-b", 2),
            "bulk_8": _bulk(url, "bulk-c", 8),
        }
    finally:
        engine.dispose()
        drop_database(server, url)


def report(result: dict[str, Any]) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms"

    one = max(result["script"])
    bulk = result["bulk_2"]
    return "\n".join(
        [
            f"`python -m bench provisioning` on {result['machine']}.",
            "",
            f"Provisioning a firm (row, role, schema at tenant head `{result['head']}`, default "
            f"roles and policies): {result['tenants']} firms one at a time each way after a "
            f"warm-up firm; then {result['bulk']} firms as `saas tenant create-many` makes them.",
            "",
            "| how | median | min | max |",
            "|---|---|---|---|",
            *(
                f"| one firm, {label} | {ms(median(t))} | {ms(min(t))} | {ms(max(t))} |"
                for label, t in (
                    ("every migration through alembic", result["alembic"]),
                    ("the recorded tenant script", result["script"]),
                )
            ),
            "",
            f"Already provisioned (nothing to do): {ms(result['again'])}. In bulk, wall time "
            f"per firm: {ms(result['bulk_1'])} with 1 job, {ms(result['bulk_2'])} with 2 jobs, "
            f"{ms(result['bulk_8'])} with 8 jobs.",
            "",
            f"Goals: one firm <= {GOAL_SECONDS:.0f} s: "
            f"{'met' if one <= GOAL_SECONDS else 'NOT met'} (max {ms(one)}); "
            f"<= {ms(GOAL_BULK_SECONDS)} per firm in bulk (2 jobs): "
            f"{'met' if bulk <= GOAL_BULK_SECONDS else 'NOT met'} ({ms(bulk)}).",
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
