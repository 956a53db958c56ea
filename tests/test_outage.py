"""A database outage seen from a live API and a worker, through the connection-cutting proxy
(tests/support/pg_cut.py): 503 with the GraphQL error shape, Retry-After and the request id
while the database is away; service back as soon as it returns; a job after its return
succeeds on its first attempt (the worker's pool pings its connections)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dramatiq import Broker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware
from sqlalchemy.ext.asyncio import AsyncEngine

from saas.jobs import current_runtime_or_none, restore_jobs, submit_job
from saas.settings import Settings
from saas.storage import prepare_storage
from saas.tenants.registry import TenantRef
from tests.support.firms import Firm
from tests.support.jobs import (
    QUEUE,
    fast_options,
    jobs_on,
    running_worker,
    say_done,
    wait_for_status,
)
from tests.support.pg_cut import CommitCutter
from tests.support.reports import World, build_world
from tests.support.server import LiveServer
from tests.support.waiting import eventually

INVITATION = 'query { invitation(token: "no-such-token") { __typename } }'
VIEWER_FIRM = "query { currentFirm { __typename } }"


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


@dataclasses.dataclass
class Outage:
    cutter: CommitCutter
    server: LiveServer

    def post(self, host: str, query: str, **headers: str) -> httpx.Response:
        return httpx.post(
            f"{self.server.url}/graphql",
            json={"query": query},
            headers={"host": host, **headers},
            timeout=30,
        )


@pytest.fixture
def outage(settings: Settings) -> Iterator[Outage]:
    """An API whose database is reached through the proxy."""
    from saas.app import create_app

    with CommitCutter(settings.database_url or "") as cutter:
        changed = dataclasses.replace(settings, database_url=cutter.url)
        prepare_storage(changed)
        previous = current_runtime_or_none()  # its lifespan takes the process's job runtime
        server = LiveServer(create_app(changed)).start()
        restore_jobs(previous)
        try:
            yield Outage(cutter, server)
        finally:
            cutter.bring_back()
            server.stop()


def assert_unavailable(response: httpx.Response, request_id: str | None = None) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("application/json")
    sent_id = response.headers["x-request-id"]
    assert sent_id and (request_id is None or sent_id == request_id)
    body = response.json()
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
    assert error["extensions"]["requestId"] == sent_id
    assert error["message"]


def test_requests_during_an_outage_get_503_with_retry_after_and_request_id(
    outage: Outage, world: World
) -> None:
    bearer = {"authorization": f"Bearer {world.token_a}"}
    # Before: the API works through the proxy (and caches the firm's host).
    before = outage.post(world.host_a, VIEWER_FIRM, **bearer)
    assert before.status_code == 200 and before.json()["data"]["currentFirm"], before.text
    assert outage.post(world.host_a, INVITATION).json() == {"data": {"invitation": None}}

    outage.cutter.take_database_away()
    # The token lookup of the request binding fails first.
    rid = uuid.uuid4().hex
    refused = outage.post(world.host_a, VIEWER_FIRM, **bearer, **{"x-request-id": rid})
    assert_unavailable(refused, rid)
    # Anonymous: the binding passes (the host is cached), the resolver meets the outage.
    assert_unavailable(outage.post(world.host_a, INVITATION))
    english = outage.post(world.host_a, INVITATION, **{"accept-language": "en"})
    assert_unavailable(english)
    assert "temporarily unavailable" in english.json()["errors"][0]["message"]
    # A page: 503 with Retry-After too (HTML for a browser).
    page = httpx.get(
        f"{outage.server.url}/reports",
        headers={"host": world.host_a, "accept": "text/html", **bearer},
        timeout=30,
    )
    assert (page.status_code, page.headers["retry-after"]) == (503, "5"), page.text
    assert page.headers["content-type"].startswith("text/html") and page.headers["x-request-id"]
    ready = httpx.get(f"{outage.server.url}/readyz", timeout=30)
    assert ready.status_code == 503 and "database" in ready.json()["failed"]
    # Counted as an outage, not as a bug (which would also go to Sentry).
    metrics = httpx.get(f"{outage.server.url}/metrics", timeout=30).text
    assert any(
        line.startswith("kabinet_graphql_operations_total{")
        and 'outcome="unavailable"' in line
        and float(line.rsplit(" ", 1)[1]) >= 1
        for line in metrics.splitlines()
    ), metrics

    outage.cutter.bring_back()
    meanwhile: list[httpx.Response] = []

    def answered() -> httpx.Response | None:
        response = outage.post(world.host_a, VIEWER_FIRM, **bearer)
        if response.status_code == 200:
            return response
        meanwhile.append(response)
        return None

    after = eventually(answered, within=10, every=0.2, what="the API to come back")
    for response in meanwhile:  # until then, every answer was a clean 503
        assert_unavailable(response)
    assert after.json()["data"]["currentFirm"], after.text


def test_the_first_request_after_the_database_returns_succeeds(
    outage: Outage, world: World
) -> None:
    """No request met the outage, so nothing invalidated the pool: the listener's reconnect
    starts a fresh one before a request takes a dead connection from it."""
    bearer = {"authorization": f"Bearer {world.token_a}"}
    for _ in range(3):  # connections in the pool
        assert outage.post(world.host_a, VIEWER_FIRM, **bearer).status_code == 200
    hub = outage.server.app.state.services.hub
    outage.cutter.take_database_away()
    eventually(lambda: hub._conn is None, within=10, what="the listener to notice the outage")
    outage.cutter.bring_back()
    # ...and is connected again (its reconnect callbacks have run).
    eventually(lambda: hub._conn is not None, within=10, what="the listener to reconnect")
    after = outage.post(world.host_a, VIEWER_FIRM, **bearer)
    assert after.status_code == 200, after.text
    assert after.json()["data"]["currentFirm"], after.text


class Failures(Middleware):
    """Every failed attempt of a message on the broker."""

    def __init__(self) -> None:
        self.seen: list[BaseException] = []

    def after_process_message(
        self, broker: Broker, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        if exception is not None:
            self.seen.append(exception)


async def test_a_job_after_the_database_returns_succeeds_on_its_first_attempt(
    settings: Settings,
    aengine: AsyncEngine,  # noqa: F811
    tenants: dict[str, TenantRef],  # noqa: F811
    firms: dict[str, Firm],
    db_engine: sa.Engine,
) -> None:
    failures = Failures()
    broker = StubBroker()
    broker.add_middleware(failures)
    broker.emit_after("process_boot")
    with (
        CommitCutter(settings.database_url or "") as cutter,
        jobs_on(settings, cutter.url, broker, fast_options()),
        running_worker(broker, threads=1),
    ):
        # The worker's pool holds a connection after a first job...
        first = await submit_job(aengine, tenants["a"], say_done, marker="before")
        await asyncio.to_thread(broker.join, QUEUE, fail_fast=True)
        assert (await wait_for_status(db_engine, firms["a"], first, {"done"})).error is None
        # ...that a database restart kills.
        cutter.take_database_away()
        await asyncio.sleep(0.3)  # the point: the database stays away a while, as in a restart
        cutter.bring_back()
        second = await submit_job(aengine, tenants["a"], say_done, marker="after")
        await asyncio.to_thread(broker.join, QUEUE, fail_fast=True)
        row = await wait_for_status(db_engine, firms["a"], second, {"done", "failed"})
    assert (row.status, row.error, row.result["marker"]) == ("done", None, "after")
    assert failures.seen == []
    broker.close()
