"""`saas tenant create-many --from FILE`: onboarding firms in bulk.

FILE is CSV with a header (`slug,name[,domains]`, domains separated by spaces) or JSON lines
(`{"slug": ..., "name": ..., "domains": [...]}`). Each firm is provisioned in its own
transaction (`provision_tenant`: the recorded tenant script, roles and defaults), `jobs` firms
at a time; a bad row is reported and stops no other, firms already there are left as they
are, so a run cut short is finished by running it again.

The jobs are threads of this process, each with a connection of one engine: a firm's time is
PostgreSQL's (its ~230 indexes, each built and fsynced by the server, docs/performance.md),
the client sends about ten messages and spends a few ms of CPU, so processes would only add
their start-up and record the tenant script once each. Alembic runs only for a half-made
schema and holds its process-wide lock (`saas.db.migrate._upgrade`) meanwhile.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from saas.db.migrate import sync_engine
from saas.tenants.provisioning import InvalidSlug, provision_tenant
from saas.tenants.registry import SLUG_RE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FirmRow:
    line: int
    slug: str
    name: str
    domains: tuple[str, ...] = ()


@dataclass
class FirmResult:
    row: FirmRow
    outcome: str  # created | there | failed
    tenant_id: int | None = None
    seconds: float = 0.0
    error: str = ""

    def line(self) -> str:
        if self.outcome == "created":
            return f"created {self.row.slug} (id {self.tenant_id}) in {self.seconds * 1000:.0f} ms"
        if self.outcome == "there":
            return f"already there {self.row.slug}"
        return f"FAILED line {self.row.line} {self.row.slug!r}: {self.error}"


def read_firms(path: Path) -> Iterator[FirmRow]:
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("{"):
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                item = json.loads(line)
                yield FirmRow(
                    number,
                    str(item.get("slug", "")),
                    str(item.get("name", "")),
                    tuple(item.get("domains") or ()),
                )
        return
    reader = csv.DictReader(text.splitlines())
    for record in reader:
        yield FirmRow(
            reader.line_num,
            (record.get("slug") or "").strip(),
            (record.get("name") or "").strip(),
            tuple((record.get("domains") or "").split()),
        )


def _refusal(row: FirmRow, seen: set[str]) -> str:
    if not SLUG_RE.match(row.slug):
        return (
            "slug must be 3-40 characters: lowercase latin letters, digits and hyphens, "
            "starting with a letter"
        )
    if not row.name:
        return "name is empty"
    if row.slug in seen:
        return "the slug is repeated in the file"
    return ""


def _provision(engine: sa.Engine, row: FirmRow) -> FirmResult:
    """One firm in one transaction (in a job's thread, or in this one)."""
    started = time.perf_counter()
    try:
        tenant_id = provision_tenant(engine, row.slug, row.name, list(row.domains))
    except (InvalidSlug, sa.exc.SQLAlchemyError) as exc:
        log.exception("firm not created", extra={"tenant": row.slug})
        return FirmResult(row, "failed", error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    return FirmResult(row, "created", tenant_id, time.perf_counter() - started)


def create_many(
    url: str, rows: list[FirmRow], *, jobs: int = 2, on_result: Callable[[FirmResult], None]
) -> list[FirmResult]:
    engine = sync_engine(url, pool_size=max(1, jobs))
    try:
        return _create(engine, rows, jobs, on_result)
    finally:
        engine.dispose()


def _create(
    engine: sa.Engine, rows: list[FirmRow], jobs: int, on_result: Callable[[FirmResult], None]
) -> list[FirmResult]:
    with engine.connect() as conn:
        there: set[str] = set(
            conn.execute(
                sa.text(
                    "SELECT slug FROM shared.tenants "
                    "WHERE slug = ANY(:slugs) AND status <> 'provisioning'"
                ),
                {"slugs": [row.slug for row in rows]},
            ).scalars()
        )
    results: list[FirmResult] = []
    todo: list[FirmRow] = []
    seen: set[str] = set()
    for row in rows:
        refusal = _refusal(row, seen)
        seen.add(row.slug)
        result = (
            FirmResult(row, "failed", error=refusal)
            if refusal
            else FirmResult(row, "there")
            if row.slug in there
            else None
        )
        if result is None:
            todo.append(row)
        else:
            results.append(result)
            on_result(result)
    if jobs <= 1 or len(todo) < 2:
        for row in todo:
            results.append(result := _provision(engine, row))
            on_result(result)
        return results
    with ThreadPoolExecutor(jobs, thread_name_prefix="create-many") as pool:
        for future in as_completed([pool.submit(_provision, engine, row) for row in todo]):
            results.append(result := future.result())
            on_result(result)
    return results


def create_many_command(url: str, path: Path, jobs: int) -> int:
    """The CLI: a line per firm, then the totals; exit 1 when a row failed."""
    try:
        rows = list(read_firms(path))
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {path}: {exc}")
        return 2
    started = time.perf_counter()
    results = create_many(url, rows, jobs=jobs, on_result=lambda r: print(r.line(), flush=True))
    took = time.perf_counter() - started
    created = sum(r.outcome == "created" for r in results)
    there = sum(r.outcome == "there" for r in results)
    failed = sum(r.outcome == "failed" for r in results)
    per_firm = f"; {took / created * 1000:.0f} ms per firm created" if created else ""
    print(
        f"{created} created, {there} already there, {failed} failed "
        f"in {took:.1f} s with {jobs} job(s){per_firm}"
    )
    return 1 if failed else 0
