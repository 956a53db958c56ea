"""A new tenant schema from the recorded statements of the tenant branch, not from alembic.

Running every tenant migration through alembic costs ~0.2 s of Python per firm on top of the
DDL itself (loading the scripts, building each operation). The tenant revisions are plain SQL
and DDL whose statements never depend on what a query returned (contributing.md: a tenant
revision never branches on data), so the statements alembic sends for an empty schema are the
same for every empty schema: they are recorded once per process and migration head (the
branch run on a scratch schema inside a savepoint that is rolled back) and replayed for each
new firm, the scratch schema's name swapped for the firm's. The whole script (its few
parameters rendered as literals by psycopg, once per head) goes to the server as one text in one
simple-query message: one round trip for the firm's schema, however many statements it holds.

The replay writes the same `alembic_version` row, so a firm made this way is migrated by
`saas migrate` like any other; `tests/test_tenant_script.py` compares the catalog and rows of
a recorded-script firm with an alembic-migrated one.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from sqlalchemy import event

from saas.db.migrate import enter_tenant_schema, tenant_head, upgrade_entered_tenant


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any  # as the driver got them: none, a mapping, or a list of them (executemany)


@dataclass(frozen=True)
class TenantScript:
    head: str
    scratch: str  # the schema name the statements were recorded with
    statements: tuple[Statement, ...]
    rendered: str  # the statements as one text, for the scratch schema

    def text(self, schema: str) -> str:
        """The whole script for `schema` as one text (no parameters left)."""
        return self.rendered.replace(self.scratch, schema)  # a slug's schema: [a-z0-9_]


def _rendered(conn: sa.Connection, statements: list[Statement]) -> str:
    """The statements as one text, as psycopg sent them: their parameters rendered as literals
    by its client-side binding (an executemany's as one statement per parameter set), and a
    statement sent with an empty mapping read for placeholders too (`%%` is a `%`)."""
    cursor = psycopg.ClientCursor(_driver(conn))
    texts: list[str] = []
    for statement in statements:
        if statement.parameters is None:
            texts.append(statement.sql)
        elif isinstance(statement.parameters, list | tuple):
            texts += [cursor.mogrify(statement.sql, p) for p in statement.parameters]
        else:
            texts.append(cursor.mogrify(statement.sql, statement.parameters))
    return ";\n".join(texts)


@contextmanager
def _recording(conn: sa.Connection) -> Iterator[list[Statement]]:
    statements: list[Statement] = []

    def record(_c: Any, _cursor: Any, sql: str, parameters: Any, _ctx: Any, _many: Any) -> None:
        statements.append(Statement(sql, parameters))

    event.listen(conn, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(conn, "before_cursor_execute", record)


_scripts: dict[str, TenantScript] = {}
_lock = threading.Lock()


def tenant_script(conn: sa.Connection, role: str) -> TenantScript:
    """The recorded tenant branch at the current head (recorded on `conn` on first use)."""
    head = tenant_head()
    with _lock:
        script = _scripts.get(head)
        if script is None:
            script = _scripts[head] = _record(conn, role, head)
    return script


def _record(conn: sa.Connection, role: str, head: str) -> TenantScript:
    # A random name: it is replaced by text substitution, so it must occur nowhere else.
    scratch = f"kabinet_script_{secrets.token_hex(6)}"
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(f'CREATE SCHEMA "{scratch}" AUTHORIZATION "{role}"')
        enter_tenant_schema(conn, scratch, role)
        with _recording(conn) as statements:
            upgrade_entered_tenant(conn, scratch)
    finally:
        savepoint.rollback()  # the scratch schema, the role and the search_path with it
    return TenantScript(head, scratch, tuple(statements), _rendered(conn, statements))


def create_tenant_schema(
    conn: sa.Connection, schema: str, role: str, setup: Sequence[str] = ()
) -> None:
    """Bring the empty `schema` to the tenant head inside the caller's transaction as the
    tenant's role (as `upgrade_tenant_schema` does: `SET LOCAL ROLE` and a transaction-local
    search_path first), then give the connecting user back its own role and the `shared`
    search_path. `setup` (parameterless statements making the role and the schema) goes first,
    in the same message: one round trip, once this process has recorded the script (the
    recording needs the role)."""
    script = _scripts.get(tenant_head())
    if script is None:
        run_text(conn, ";\n".join(setup))
        setup, script = (), tenant_script(conn, role)
    run_text(
        conn,
        ";\n".join(
            [
                *setup,
                f'SET LOCAL ROLE "{role}"',
                f"SELECT set_config('search_path', '{schema}', true)",
                script.text(schema),
                "RESET ROLE",
                "SELECT set_config('search_path', 'shared', true)",
            ]
        ),
    )


def run_text(conn: sa.Connection, text: str) -> None:
    """`text` (statements without parameters) in one simple-query message on `conn`'s
    transaction: psycopg sends a query without parameters as such, and reads no `%` in it."""
    _driver(conn).execute(text)


def _driver(conn: sa.Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under `conn` (its transaction is SQLAlchemy's)."""
    return cast("psycopg.Connection[Any]", conn.connection.dbapi_connection)
