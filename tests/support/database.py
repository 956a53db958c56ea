"""The PostgreSQL under test: SAAS_TEST_DATABASE_URL (a server URL; a fresh database is created
on it) or the embedded server in .data/pg. Roles created by provisioning are dropped after."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from saas.db.server import create_database, libpq_url, start_embedded, with_database


def server_url(data_dir: Path) -> str:
    configured = os.environ.get("SAAS_TEST_DATABASE_URL")
    return libpq_url(configured) if configured else start_embedded(data_dir)


def fresh_database(server: str, prefix: str = "kabinet_test") -> str:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    return create_database(server, name, drop_first=True)


def drop_database(server: str, url: str) -> None:
    database = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        roles = (
            [r[0] for r in conn.execute("SELECT db_role FROM shared.tenants").fetchall()]
            if conn.execute("SELECT to_regclass('shared.tenants')").fetchone()[0]
            else []
        )
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )
        for role in roles:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
