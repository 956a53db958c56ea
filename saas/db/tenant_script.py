"""A new tenant schema from the recorded statements of the tenant branch, not from alembic.

Running every tenant migration through alembic costs ~0.2 s of Python per firm on top of the
DDL itself (loading the scripts, building each operation). The tenant revisions are plain SQL
and DDL whose statements never depend on what a query returned (contributing.md: a tenant
revision never branches on data), so the statements alembic sends for an empty schema are the
same for every empty schema: they are recorded once per process and migration head (the
branch run on a scratch schema inside a savepoint that is rolled back) and replayed for each
new firm, the scratch schema's name swapped for the firm's. Consecutive statements without
parameters go as one batch: one round trip for most of the DDL.

The replay writes the same `alembic_version` row, so a firm made this way is migrated by
`saas migrate` like any other; `tests/test_tenant_script.py` compares the catalog and rows of
a recorded-script firm with an alembic-migrated one.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

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

    def batches(self, schema: str) -> Iterator[tuple[str, Any]]:
        """The statements for `schema`: runs of parameterless ones joined into one text."""
        pending: list[str] = []
        for statement in self.statements:
            sql = statement.sql.replace(self.scratch, schema)  # a slug's schema: [a-z0-9_]
            if not statement.parameters:
                pending.append(sql)
                continue
            if pending:
                yield ";\n".join(pending), None
                pending = []
            yield sql, _renamed(statement.parameters, self.scratch, schema)
        if pending:
            yield ";\n".join(pending), None


def _renamed(parameters: Any, old: str, new: str) -> Any:
    if isinstance(parameters, str):
        return parameters.replace(old, new)
    if isinstance(parameters, dict):
        return {key: _renamed(value, old, new) for key, value in parameters.items()}
    if isinstance(parameters, list | tuple):
        return type(parameters)(_renamed(value, old, new) for value in parameters)
    return parameters


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
    return TenantScript(head, scratch, tuple(statements))


def is_empty_schema(conn: sa.Connection, schema: str) -> bool:
    """True when `schema` has no relation yet (a new firm, not a half-provisioned one)."""
    return not conn.execute(
        sa.text(
            "SELECT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema)"
        ),
        {"schema": schema},
    ).scalar_one()


def create_tenant_schema(conn: sa.Connection, schema: str, role: str) -> None:
    """Bring the empty `schema` to the tenant head inside the caller's transaction, as the
    tenant's role (as `upgrade_tenant_schema` does), by replaying the recorded script."""
    script = tenant_script(conn, role)
    enter_tenant_schema(conn, schema, role)
    for sql, parameters in script.batches(schema):
        if parameters is None:
            conn.exec_driver_sql(sql)
        else:
            conn.exec_driver_sql(sql, parameters)
