"""A request's sessions are closed even when their connection died under the operation.

At a server stop a WebSocket operation can be cancelled in the middle of a query, leaving its
connection closed; closing the request's context must then drop that connection (no
exception, which would be logged as an ASGI application error with a traceback) and the pool
must go on serving."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from starlette.requests import Request

from saas.auth.principal import ANONYMOUS
from saas.request import RequestBinding
from saas.schema.context import Context
from saas.services import Services
from saas.settings import Settings


async def test_closing_a_context_whose_connection_died_drops_it_and_the_pool_goes_on(
    settings: Settings, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    services = Services.build(settings, database_url)
    try:
        binding = RequestBinding("r1", None, ANONYMOUS, "kabinet.test", None, None)
        request = Request({"type": "http", "headers": [], "method": "POST", "path": "/"})
        context = Context(services, binding, request, None)
        assert await context.shared.scalar(sa.text("select 1")) == 1
        connection = await context.shared.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.close()  # type: ignore[union-attr]
        await context.close()
        assert "its connection is gone" in caplog.text
        again = Context(services, binding, request, None)
        assert await again.shared.scalar(sa.text("select 2")) == 2
        await again.close()
    finally:
        await services.close()


async def test_closing_a_context_waits_for_an_operation_still_binding_its_session(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subscription cancelled while its session binds the firm's role (the transaction's
    first statement) is still inside that statement when the socket's context closes."""
    slow_binding = sa.text(
        "SELECT set_config('role', :role, true), set_config('search_path', :schema, true),"
        " pg_sleep(0.3)"
    )
    monkeypatch.setattr("saas.db.session._BIND_TENANT", slow_binding)
    services = Services.build(settings, database_url)
    try:
        tenant = SimpleNamespace(id=0, schema="public", db_role="postgres")
        binding = RequestBinding("r2", tenant, ANONYMOUS, "kabinet.test", None, None)  # type: ignore[arg-type]
        request = Request({"type": "http", "headers": [], "method": "POST", "path": "/"})
        context = Context(services, binding, request, None)
        running = asyncio.create_task(context.db.scalar(sa.text("select 3")))
        await asyncio.sleep(0.1)  # the task is inside the binding statement
        await context.close()
        assert running.done() and running.result() == 3
    finally:
        await services.close()
