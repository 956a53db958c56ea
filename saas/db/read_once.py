"""A tenant's read in one round trip: BEGIN, the tenant binding, the statement and COMMIT
sent together in psycopg's pipeline mode, answered by PostgreSQL after one Sync.

A tenant session sends them one at a time (four round trips: SQLAlchemy's BEGIN, the binding
of `saas.db.session`, the statement, the ROLLBACK at the session's close). A hot read path
that is the request's only statement (a compiled page, `saas.schema.compiled`) asks for
`read_once` instead: the same transaction, the same `set_config` binding under the firm's
role and search_path, READ ONLY besides; one round trip. It ends with COMMIT, not ROLLBACK
(the same for a READ ONLY transaction; the binding is local to it either way): psycopg
forgets every statement it prepared on a connection when it sees a ROLLBACK it had not seen
there before (and sends DEALLOCATE ALL later), and each would then run unprepared, parsed and
planned again, until prepared anew (tests/test_tenancy.py). The connection comes from the
engine's pool and goes back idle, in the autocommit mode it left in (off).

`read_shared_row` is the shared schema's one-statement read on the same path (the API
token's lookup on every request): SQL text compiled once, autocommit, one round trip.

The engine's `before_cursor_execute`/`after_cursor_execute` listeners hear each statement as
they would from SQLAlchemy (tests count statements with them; Sentry makes spans of them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import namedtuple_row, tuple_row
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from saas.tenants.registry import TenantRef

BEGIN = "BEGIN READ ONLY"
BIND = "SELECT set_config('role', %(role)s, true), set_config('search_path', %(schema)s, true)"
END = "COMMIT"


class _DriverStatement:
    """The execution context the cursor listeners get for a statement psycopg sent directly
    (they read its dialect; Sentry keeps its span on it)."""

    def __init__(self, dialect: Any):
        self.dialect = dialect


async def read_once(engine: AsyncEngine, tenant: TenantRef, text: str, params: Any) -> Any:
    """The first column of the first row of `text` (SQL for the driver, pyformat) read in a
    READ ONLY transaction bound to `tenant`; None when it returns no row."""
    statements = [
        (BEGIN, None),
        (BIND, {"role": tenant.db_role, "schema": tenant.schema}),
        (text, params),
        (END, None),
    ]
    row = await _send(engine, statements, 2, tuple_row)
    return None if row is None else row[0]


async def read_shared_row(engine: AsyncEngine, text: str, params: Any) -> Any:
    """The first row of `text` (SQL for the driver on the shared schema, as the login role) as
    a named tuple, or None: one statement, autocommit, one round trip (an API token's lookup
    on every request, `saas.auth.authenticate`)."""
    return await _send(engine, [(text, params)], 0, namedtuple_row)


async def _send(
    engine: AsyncEngine,
    statements: list[tuple[str, Any]],
    read: int,
    row_factory: Any,
) -> Any:
    """`statements` in one pipeline on a pooled connection in autocommit; the first row of
    statement number `read`."""
    async with engine.connect() as connection:
        sync = connection.sync_connection
        assert sync is not None
        driver = (await connection.get_raw_connection()).driver_connection
        assert isinstance(driver, psycopg.AsyncConnection)
        listened = bool(sync.dispatch.before_cursor_execute or sync.dispatch.after_cursor_execute)
        contexts = [_DriverStatement(engine.dialect) for _ in statements] if listened else []
        if listened:
            for (statement, values), context in zip(statements, contexts, strict=True):
                sync.dispatch.before_cursor_execute(sync, None, statement, values, context, False)
        await driver.set_autocommit(True)
        try:
            if len(statements) == 1:
                cursors = [driver.cursor(row_factory=row_factory)]
                await cursors[0].execute(*statements[0])
            else:
                async with driver.pipeline():  # its end sends the one Sync, reads every result
                    cursors = [driver.cursor(row_factory=row_factory) for _ in statements]
                    for cursor, (statement, values) in zip(cursors, statements, strict=True):
                        await cursor.execute(statement, values)
            row = await cursors[read].fetchone()
        except BaseException:
            # A failed statement leaves BEGIN's block open, a cancelled one results unread:
            # the connection is closed rather than put back in a state nobody knows.
            await connection.invalidate()
            raise
        assert driver.info.transaction_status == TransactionStatus.IDLE
        await driver.set_autocommit(False)
        if listened:
            for (statement, values), cursor, context in zip(
                statements, cursors, contexts, strict=True
            ):
                sync.dispatch.after_cursor_execute(sync, cursor, statement, values, context, False)
    return row
