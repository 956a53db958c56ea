"""Alembic, two branches in one script directory: `shared` (applied once, version table in
schema `shared`) and `tenant` (applied to every tenant schema, version table in that schema).

A tenant is migrated in one transaction, as the tenant's role, with search_path set to its
schema: a failure leaves that tenant exactly as it was, and re-running continues from there.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory

from saas.db.base import SHARED_SCHEMA
from saas.db.server import sqlalchemy_url
from saas.jobs.broker import ensure_broker_schema

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent


@functools.cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def alembic_config() -> Config:
    return Config(str(HERE / "alembic.ini"))


def sync_engine(url: str, pool_size: int = 5) -> sa.Engine:
    return sa.create_engine(
        sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size, hide_parameters=True
    )


# Alembic's `op` and `context` are module-global proxies: two migrations running in threads of
# one process would send each other's DDL to the wrong connection (and so the wrong tenant).
# One migration at a time per process; `migrate_all` gets its parallelism from processes.
_ALEMBIC_LOCK = threading.Lock()


def _upgrade(connection: sa.Connection, branch: str, version_schema: str) -> list[str]:
    """Apply `branch@head` on an open transaction; returns the revisions applied."""
    with _ALEMBIC_LOCK:
        return _upgrade_locked(connection, branch, version_schema)


def _upgrade_locked(connection: sa.Connection, branch: str, version_schema: str) -> list[str]:
    script = script_directory()
    applied: list[str] = []

    def upgrade_steps(rev: Any, context: Any) -> Any:
        steps = script._upgrade_revs(f"{branch}@head", rev)
        applied.extend(step.revision.revision for step in steps)
        return steps

    with EnvironmentContext(alembic_config(), script, fn=upgrade_steps) as env:
        env.configure(
            connection=connection,
            target_metadata=None,
            version_table_schema=version_schema,
            transactional_ddl=True,
        )
        with env.begin_transaction():
            env.run_migrations()
    return applied


def upgrade_shared(engine: sa.Engine) -> list[str]:
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{SHARED_SCHEMA}"')
        applied = _upgrade(conn, "shared", SHARED_SCHEMA)
        # The PostgreSQL job queue (dramatiq-postgres's own DDL, idempotent, advisory-locked).
        ensure_broker_schema(conn)
        return applied


def upgrade_tenant_schema(conn: sa.Connection, schema: str, role: str) -> list[str]:
    """Migrate one tenant schema inside the caller's transaction, as the tenant's role."""
    enter_tenant_schema(conn, schema, role)
    return upgrade_entered_tenant(conn, schema)


def enter_tenant_schema(conn: sa.Connection, schema: str, role: str) -> None:
    """Act as the tenant's role on its schema until the caller's transaction ends."""
    conn.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
    conn.execute(sa.text("SELECT set_config('search_path', :s, true)"), {"s": schema})


def upgrade_entered_tenant(conn: sa.Connection, schema: str) -> list[str]:
    """The tenant branch on `schema`, after `enter_tenant_schema`."""
    return _upgrade(conn, "tenant", schema)


def tenant_head() -> str:
    heads = script_directory().get_revisions("tenant@head")
    return heads[0].revision if heads else ""


@dataclass
class TenantMigration:
    slug: str
    applied: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class MigrationSummary:
    shared_applied: list[str]
    tenants: list[TenantMigration]

    @property
    def failed(self) -> list[TenantMigration]:
        return [t for t in self.tenants if t.error]

    def lines(self) -> list[str]:
        migrated = [t for t in self.tenants if t.applied and not t.error]
        current = [t for t in self.tenants if not t.applied and not t.error]
        out = [
            f"shared: {len(self.shared_applied)} revision(s) applied",
            f"tenants: {len(self.tenants)} total, {len(migrated)} migrated, "
            f"{len(current)} already current, {len(self.failed)} failed",
        ]
        out += [f"  FAILED {t.slug}: {t.error}" for t in self.failed]
        return out


TenantRow = tuple[str, str, str]  # slug, schema, role

# Starting a worker process costs about a second of imports: below this many tenants per
# worker, one process migrating them in turn is faster.
TENANTS_PER_WORKER = 25

_worker_engines: dict[str, sa.Engine] = {}


def worker_engine(url: str) -> sa.Engine:
    """The engine of this worker process for `url` (one connection, kept between tasks)."""
    engine = _worker_engines.get(url)
    if engine is None:
        engine = _worker_engines[url] = sync_engine(url, pool_size=1)
    return engine


def _migrate_tenant(url: str, row: TenantRow) -> TenantMigration:
    """One tenant in one transaction (in a worker process of `migrate_all`)."""
    engine = worker_engine(url)
    slug, schema, role = row
    result = TenantMigration(slug)
    try:
        with engine.begin() as conn:
            result.applied = upgrade_tenant_schema(conn, schema, role)
    except Exception as exc:  # one tenant's failure is reported, never fatal
        log.exception("tenant migration failed", extra={"tenant": slug})
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return result


def migrate_all(
    url: str,
    *,
    workers: int = 4,
    only: Iterable[str] | None = None,
    on_progress: Callable[[TenantMigration], None] | None = None,
) -> MigrationSummary:
    """Shared schema first, then every tenant in parallel (`workers` processes); one tenant's
    failure stops no other."""
    engine = sync_engine(url, pool_size=1)
    try:
        shared_applied = upgrade_shared(engine)
        with engine.connect() as conn:
            rows: list[TenantRow] = [
                (r.slug, r.schema_name, r.db_role)
                for r in conn.execute(
                    sa.text(
                        "SELECT slug, schema_name, db_role FROM shared.tenants "
                        "WHERE status <> 'provisioning' ORDER BY id"
                    )
                )
            ]
        if only is not None:
            wanted = set(only)
            rows = [r for r in rows if r[0] in wanted]

        results: dict[str, TenantMigration] = {}
        workers = min(workers, len(rows) // TENANTS_PER_WORKER)
        if workers <= 1:
            for row in rows:
                results[row[0]] = result = _migrate_tenant(url, row)
                if on_progress:
                    on_progress(result)
        else:
            # Not a plain fork: that would inherit this process's threads and open connections.
            # The fork server imports this module once; each worker is a cheap fork of it.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = [pool.submit(_migrate_tenant, url, row) for row in rows]
                for future in as_completed(futures):
                    result = future.result()
                    results[result.slug] = result
                    if on_progress:
                        on_progress(result)
        return MigrationSummary(shared_applied, [results[row[0]] for row in rows])
    finally:
        engine.dispose()
