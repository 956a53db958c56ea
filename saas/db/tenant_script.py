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

import re
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
    statements = for_empty_tables(statements)
    return TenantScript(head, scratch, tuple(statements), _rendered(conn, statements))


# Three kinds of recorded statement cost more the more firms the database holds (measured at
# 6,000 firms on PostgreSQL 15: 0.1-1 s each, most of a firm's creation; docs/performance.md,
# «Scale»): alembic's look for its version table (a catalog scan: the name is compared as a
# VARCHAR) and, in PostgreSQL's ALTER TABLE, a column added with a default or changed in type
# (a check of what depends on the table's row type that scans a catalog every firm grows). A
# new firm's tables are empty, so the script reaches the same schema without them.
_VERSION_TABLE_LOOKUP = re.compile(r"^SELECT pg_catalog\.pg_class\.relname\s")
_ADD_WITH_DEFAULT = re.compile(
    r"^ALTER TABLE (?P<table>\S+) ADD COLUMN (?P<column>\S+) (?P<type>[^']+?) "
    r"DEFAULT (?P<default>.+) NOT NULL$"
)
_INSERT = re.compile(r"^INSERT INTO (?:\S+\.)?(?P<table>[^\s.(]+)")
_ALTER_TYPE = re.compile(
    r"^ALTER TABLE (?P<table>\S+) ALTER COLUMN (?P<column>\S+) TYPE (?P<type>\S+)\s*$"
)


def for_empty_tables(statements: list[Statement]) -> list[Statement]:
    """The recorded statements without those three kinds: the look-ups go (their answer was
    not used on replay), a column with a default is added without it and given it next (the
    same column, default and NOT NULL; only `atthasmissing`, which no row of an empty table
    reads, differs), a column's later type is written into its table's CREATE TABLE.
    `tests/test_tenant_script.py` compares the result with an alembic-built firm."""
    kept: list[Statement] = []
    filled: set[str] = set()  # tables the script has put rows in: their columns keep DEFAULT
    for statement in statements:
        sql, parameters = statement.sql.strip(), statement.parameters
        if insert := _INSERT.match(sql):
            filled.add(insert["table"])
        if _VERSION_TABLE_LOOKUP.match(sql):
            continue
        if parameters:  # a statement with values to bind is kept as it is
            kept.append(statement)
        elif (found := _ADD_WITH_DEFAULT.match(sql)) and found["table"] not in filled:
            table, column = found["table"], found["column"]
            kept += [
                Statement(
                    f"ALTER TABLE {table} ADD COLUMN {column} {found['type']} NOT NULL", parameters
                ),
                Statement(
                    f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {found['default']}",
                    parameters,
                ),
            ]
        elif (found := _ALTER_TYPE.match(sql)) and _retyped(kept, **found.groupdict()):
            continue
        else:
            kept.append(statement)
    return kept


def _retyped(kept: list[Statement], table: str, column: str, type: str) -> bool:  # noqa: A002
    """`column`'s type written into `table`'s CREATE TABLE among `kept` (False if none)."""
    line = re.compile(rf"(\n\t{re.escape(column)} )\S+( |,)")
    for n, statement in enumerate(kept):
        sql = statement.sql.strip()
        if not statement.parameters and sql.startswith(f"CREATE TABLE {table} ("):
            if len(line.findall(sql)) != 1:
                return False
            kept[n] = Statement(line.sub(rf"\g<1>{type}\g<2>", sql), statement.parameters)
            return True
    return False


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
