"""The views-and-downloads report of the drive and its CSV export job, over GraphQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from dramatiq import Worker

from tests.support.documents import PDF, World, drive_world, fetch, folders, link, upload
from tests.support.ids import gid
from tests.support.jobs import job_finished


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[World]:  # type: ignore[no-untyped-def]
    yield from drive_world(db_engine, firms)


LOG = """query($filter: DriveAccessFilter, $first: Int) {
  driveAccessLog(filter: $filter, first: $first) { totalCount edges { node {
    id at action ip userAgent person { id email } organizationId organizationName
    fileId fileName versionId } } } }"""
EXPORT = """mutation($filter: DriveAccessFilter) { exportDriveAccessLog(filter: $filter) {
  id status } }"""
EXPORT_STATE = """query($id: ID!) { driveAccessExport(id: $id) { __typename
  ... on DriveAccessExport { status done total rows error downloadUrl }
  ... on Error { code } } }"""


def entries(c: Any, **filter: Any) -> list[dict[str, Any]]:
    result = c.execute(LOG, {"filter": filter, "first": 100})["driveAccessLog"]
    nodes = [e["node"] for e in result["edges"]]
    assert result["totalCount"] == len(nodes)
    return nodes


def test_access_report_filters_and_rights(world: World, login, firms) -> None:
    a = firms["a"]
    started = datetime.now(UTC) - timedelta(seconds=1)
    manager, admin = login(a, world.manager_a), login(a, world.admin_a)
    client_x, reader_x, client_y = (
        login(a, world.client_x),
        login(a, world.reader_x),
        login(a, world.client_y),
    )
    fx, fy = folders(manager, world.org_x), folders(manager, world.org_y)
    report_x = upload(manager, fx["FOR_CLIENT"], "Отчёт для аудита.pdf", PDF)
    report_y = upload(manager, fy["FOR_CLIENT"], "Отчёт Игрек.pdf", PDF)
    link(client_x, report_x["id"])
    link(client_x, report_x["id"])
    link(reader_x, report_x["id"], action="VIEW")
    link(client_y, report_y["id"])

    by_file = entries(admin, fileId=report_x["id"])
    assert [(e["person"]["id"], e["action"]) for e in by_file] == [  # newest first
        (gid("Person", world.reader_x), "VIEW"),
        (gid("Person", world.client_x), "DOWNLOAD"),
        (gid("Person", world.client_x), "DOWNLOAD"),
    ]
    first = by_file[0]
    assert first["fileName"] == "Отчёт для аудита.pdf"
    assert first["organizationName"] == "ООО «Икс»"
    assert first["organizationId"] == gid("ClientOrganization", world.org_x)
    assert first["ip"] == "127.0.0.1" and first["userAgent"]
    assert first["versionId"] == report_x["currentVersion"]["id"]

    assert {
        e["fileName"]
        for e in entries(
            admin, organizationId=gid("ClientOrganization", world.org_y), since=started.isoformat()
        )
    } == {"Отчёт Игрек.pdf"}
    mine = entries(admin, personId=gid("Person", world.client_x), since=started.isoformat())
    assert len(mine) == 2
    assert (
        entries(
            admin, personId=gid("Person", world.client_x), action="VIEW", since=started.isoformat()
        )
        == []
    )
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert entries(admin, since=later) == []
    assert entries(admin, until=started.isoformat(), fileId=report_x["id"]) == []
    assert entries(admin, fileId="not-an-id") == []

    # The firm admin, auditors (audit:read) and those who manage documents (documents:manage,
    # the manager's documents:*), within the organizations they see; the moderator (documents
    # read and write) and clients are refused; firm B sees nothing of firm A.
    assert entries(manager, fileId=report_x["id"]) == entries(admin, fileId=report_x["id"])
    moderator = login(a, world.moderator_a)
    for viewer in (moderator, client_x):
        denied = viewer.raw(LOG, {"filter": {}})
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin_b = login(firms["b"], world.admin_b)
    assert entries(admin_b, fileId=report_x["id"]) == []
    assert all(e["fileName"] != "Отчёт для аудита.pdf" for e in entries(admin_b))


def test_csv_export_job(world: World, login, firms, worker: Worker) -> None:
    a = firms["a"]
    manager, admin, client_x = (
        login(a, world.manager_a),
        login(a, world.admin_a),
        login(a, world.client_x),
    )
    folder = folders(manager, world.org_x)["FOR_CLIENT"]
    sent = upload(manager, folder, "=Формула.pdf", PDF)
    for _ in range(3):
        link(client_x, sent["id"])

    job = admin.execute(EXPORT, {"filter": {"fileId": sent["id"]}})["exportDriveAccessLog"]
    assert job["status"] in ("QUEUED", "RUNNING", "DONE")
    state = job_finished(
        lambda: admin.execute(EXPORT_STATE, {"id": job["id"]})["driveAccessExport"],
        what="the export",
    )
    assert state["status"] == "DONE", state
    assert (state["rows"], state["done"], state["total"]) == (3, 3, 3)
    response = fetch(admin, state["downloadUrl"])
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["time_utc", "action", "person_email"]
    assert len(rows) == 4
    assert {r[1] for r in rows[1:]} == {"download"}
    assert {r[7] for r in rows[1:]} == {"ООО «Икс»"}
    assert {r[8] for r in rows[1:]} == {"'=Формула.pdf"}  # a formula is neutralized

    # Others cannot start or read an export.
    moderator = login(a, world.moderator_a)
    assert moderator.raw(EXPORT, {})["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin_b = login(firms["b"], world.admin_b)
    other = admin_b.execute(EXPORT_STATE, {"id": job["id"]})["driveAccessExport"]
    assert other["__typename"] == "NotFoundError"
