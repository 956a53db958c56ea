"""Bulk import of report events (JSON lines) as a dramatiq job, over GraphQL: good and bad
rows, per-row errors, idempotent duplicates, progress; clients and other firms refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from dramatiq import Worker

from saas.jobs import current_runtime_or_none, restore_jobs, setup_jobs
from tests.modules.test_reports_api import (
    ONE,
    World,
    at,
    build_world,
    codes,
    external_id,
    new_report,
    record,
)

IMPORT = """mutation($lines: String!) { importReportEvents(jsonLines: $lines) {
  __typename ... on ReportImport { id status total } ... on ValidationError { code field } } }"""
STATE = """query($id: ID!) { reportImport(id: $id) { __typename
  ... on ReportImport { status done total recorded duplicates failed error
                        errors { line code message } }
  ... on NotFoundError { code } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


@pytest.fixture
def worker(live_server) -> Iterator[Worker]:  # type: ignore[no-untyped-def]
    """An in-process worker on the live server's broker. The job runtime is per process and
    another app of the test session may have closed it: make the live server's current."""
    runtime = setup_jobs(live_server.app.state.services)
    previous = current_runtime_or_none()
    restore_jobs(runtime)
    running = Worker(runtime.broker, worker_threads=1, worker_timeout=100)
    running.start()
    try:
        yield running
    finally:
        running.stop(timeout=10_000)
        restore_jobs(previous)


def line(**fields: Any) -> str:
    return orjson.dumps(fields).decode()


def wait_done(world: World, import_id: str, within: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        state = world.integrator_a.execute(STATE, {"id": import_id})["reportImport"]
        if state["status"] in ("done", "failed"):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.1)


def test_good_rows_are_recorded_and_bad_rows_reported(world: World, worker: Worker) -> None:
    c = world.integrator_a
    first, second = new_report(c, world.org1), new_report(c, world.org1)
    known = external_id("known")
    record(c, first["id"], "SENT", at(0), known)
    rows = [
        line(
            reportId=first["id"],
            externalId=external_id(),
            kind="delivered",
            occurredAt=at(10).isoformat(),
        ),
        "{not json",
        line(
            reportId=second["id"],
            externalId=external_id(),
            kind="REJECTED",
            occurredAt=at(20).isoformat(),
            text="Ошибка в КПП",
            reasonCode="0400300003",
        ),
        line(
            reportId=first["id"],
            externalId=external_id(),
            kind="teleported",
            occurredAt=at(0).isoformat(),
        ),
        line(reportId=first["id"], externalId=known, kind="SENT", occurredAt=at(0).isoformat()),
        line(reportId=first["id"], externalId=known, kind="ACCEPTED", occurredAt=at(0).isoformat()),
        line(
            reportId="999999999",
            externalId=external_id(),
            kind="SENT",
            occurredAt=at(0).isoformat(),
        ),
        "",
        line(
            reportId=first["id"],
            externalId=external_id(),
            kind="accepted",
            occurredAt=at(30).isoformat(),
        ),
        line(reportId=first["id"], kind="accepted", occurredAt=at(30).isoformat()),
    ]
    started = c.execute(IMPORT, {"lines": "\n".join(rows)})["importReportEvents"]
    assert (started["__typename"], started["total"]) == ("ReportImport", len(rows))
    state = wait_done(world, started["id"])
    assert state["status"] == "done", state
    assert (state["done"], state["total"]) == (len(rows), len(rows))
    assert (state["recorded"], state["duplicates"], state["failed"]) == (3, 1, 5)
    assert [(e["line"], e["code"]) for e in state["errors"]] == [
        (2, "INVALID_JSON"),
        (4, "INVALID_KIND"),
        (6, "EXTERNAL_ID_CONFLICT"),
        (7, "NOT_FOUND"),
        (10, "MISSING_FIELD"),
    ]
    one = world.admin_a.execute(ONE, {"id": first["id"]})["report"]
    assert one["status"] == "ACCEPTED"
    assert [e["kind"] for e in one["timeline"]] == ["SENT", "DELIVERED", "ACCEPTED"]
    two = world.admin_a.execute(ONE, {"id": second["id"]})["report"]
    assert (two["status"], two["beingFixed"]) == ("REJECTED", True)
    assert two["timeline"][0]["reasonCode"] == "0400300003"

    # The same import again records nothing twice.
    again = c.execute(IMPORT, {"lines": "\n".join(rows)})["importReportEvents"]
    state = wait_done(world, again["id"])
    assert (state["recorded"], state["duplicates"], state["failed"]) == (0, 4, 5)


def test_import_is_refused_to_clients_and_other_firms(world: World, worker: Worker) -> None:
    report = new_report(world.integrator_a, world.org1)
    rows = line(
        reportId=report["id"], externalId=external_id(), kind="SENT", occurredAt=at(0).isoformat()
    )
    assert codes(world.client1.raw(IMPORT, {"lines": rows})) == ["FORBIDDEN"]
    empty = world.integrator_a.execute(IMPORT, {"lines": "\n \n"})["importReportEvents"]
    assert (empty["code"], empty["field"]) == ("INVALID_IMPORT_SIZE", "jsonLines")
    started = world.integrator_a.execute(IMPORT, {"lines": rows})["importReportEvents"]
    assert wait_done(world, started["id"])["recorded"] == 1
    # Firm B does not see firm A's import, and its import cannot touch A's report.
    assert world.admin_b.execute(STATE, {"id": started["id"]})["reportImport"] == {
        "__typename": "NotFoundError",
        "code": "NOT_FOUND",
    }
    assert codes(world.client1.raw(STATE, {"id": started["id"]})) == ["FORBIDDEN"]
    foreign = world.admin_b.execute(IMPORT, {"lines": rows.replace('"SENT"', '"ACCEPTED"')})
    state_b = world.admin_b.execute(STATE, {"id": foreign["importReportEvents"]["id"]})
    deadline = time.monotonic() + 30
    while state_b["reportImport"]["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, state_b
        time.sleep(0.1)
        state_b = world.admin_b.execute(STATE, {"id": foreign["importReportEvents"]["id"]})
    assert [e["code"] for e in state_b["reportImport"]["errors"]] == ["NOT_FOUND"]
    assert world.admin_a.execute(ONE, {"id": report["id"]})["report"]["status"] == "SENT"
