"""The download audit over HTTP: issuing a link and each fetch of it are separate access-log
entries; a link is bound to the person it was issued to and to a nonce; the drive's access log
(GraphQL, filters, CSV export) shows the DOWNLOADED entries; report documents follow the same
links."""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dramatiq import Worker

from saas.tenants.provisioning import schema_for
from tests.support.documents import PDF, World, drive_world, fetch, folders, link, upload
from tests.support.ids import gid, pk
from tests.support.jobs import job_finished
from tests.support.report_documents import LINK as REPORT_LINK
from tests.support.report_documents import XML, doc, record
from tests.support.reports import World as ReportsWorld
from tests.support.reports import at, build_world, new_report


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[World]:  # type: ignore[no-untyped-def]
    yield from drive_world(db_engine, firms)


LOG = """query($filter: DriveAccessFilter) {
  driveAccessLog(filter: $filter, first: 100) { edges { node {
    id at action ip userAgent person { id } versionId linkEntryId } } } }"""
EXPORT = """mutation($filter: DriveAccessFilter) { exportDriveAccessLog(filter: $filter) { id } }"""
EXPORT_STATE = """query($id: ID!) { driveAccessExport(id: $id) {
  ... on DriveAccessExport { status rows downloadUrl } } }"""


def entries(c: Any, **filter: Any) -> list[dict[str, Any]]:
    """Oldest first."""
    edges = c.execute(LOG, {"filter": filter})["driveAccessLog"]["edges"]
    return [e["node"] for e in reversed(edges)]


def get(c: Any, url: str, agent: str) -> httpx.Response:
    return c.http.get(url, headers={"host": c.host, "user-agent": agent})


def claims_of(url: str) -> dict[str, Any]:
    payload = url.rsplit("/", 1)[1].split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def test_each_fetch_is_logged_apart_from_issuing(world: World, login, firms) -> None:
    a = firms["a"]
    manager, admin, client = (
        login(a, world.manager_a),
        login(a, world.admin_a),
        login(a, world.client_x),
    )
    sent = upload(manager, folders(manager, world.org_x)["FOR_CLIENT"], "Акт сверки.pdf", PDF)
    got = link(client, sent["id"])
    first = get(client, got["url"], "Fetcher/1")
    second = get(client, got["url"], "Fetcher/2")
    assert first.status_code == second.status_code == 200 and second.content == PDF

    log = entries(admin, fileId=sent["id"])
    assert [e["action"] for e in log] == ["DOWNLOAD", "DOWNLOADED", "DOWNLOADED"]
    issued, fetches = log[0], log[1:]
    assert issued["linkEntryId"] is None
    assert issued["person"]["id"] == gid("Person", world.client_x)
    for entry, agent in zip(fetches, ("Fetcher/1", "Fetcher/2"), strict=True):
        assert entry["userAgent"] == agent and entry["ip"] == "127.0.0.1"
        assert entry["person"]["id"] == gid("Person", world.client_x)
        assert entry["versionId"] == sent["currentVersion"]["id"]
        assert entry["linkEntryId"] == issued["id"]
    assert fetches[0]["id"] != fetches[1]["id"]

    # The filter by the new action kind.
    only = entries(admin, fileId=sent["id"], action="DOWNLOADED")
    assert [e["id"] for e in only] == [e["id"] for e in fetches]
    assert [e["id"] for e in entries(admin, fileId=sent["id"], action="DOWNLOAD")] == [issued["id"]]
    # A link is never issued "for DOWNLOADED".
    refused = link(client, sent["id"], action="DOWNLOADED")
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "BAD_ACTION")
    assert len(entries(admin, fileId=sent["id"])) == 3


def test_links_differ_and_carry_the_person_they_were_issued_to(
    world: World,
    login,
    firms,
) -> None:
    a = firms["a"]
    manager, admin = login(a, world.manager_a), login(a, world.admin_a)
    client, reader = login(a, world.client_x), login(a, world.reader_x)
    sent = upload(manager, folders(manager, world.org_x)["FOR_CLIENT"], "Выписка.pdf", PDF)

    # Two links for the same file within one second (by one person, then another) differ.
    while True:
        started = int(time.time())
        one, two = link(client, sent["id"]), link(client, sent["id"])
        theirs = link(reader, sent["id"])
        if int(time.time()) == started:
            break
    assert len({one["url"], two["url"], theirs["url"]}) == 3
    assert claims_of(one["url"])["e"] == claims_of(two["url"])["e"]  # the same second
    assert claims_of(one["url"])["p"] == world.client_x
    assert claims_of(theirs["url"])["p"] == world.reader_x

    # The client's link fetched by someone else (the reader's session, its own browser):
    # the entry still names the client, with the fetch's own user agent.
    assert get(reader, one["url"], "Forwarded-Link/1.0").status_code == 200
    fetched = entries(admin, fileId=sent["id"], action="DOWNLOADED")
    assert len(fetched) == 1
    assert fetched[0]["person"]["id"] == gid("Person", world.client_x)
    assert fetched[0]["userAgent"] == "Forwarded-Link/1.0"

    # A link of firm A fetched on firm B's host: refused, and nothing logged.
    at_b = httpx.get(f"{client.base_url}{two['url']}", headers={"host": firms["b"].host})
    assert at_b.status_code == 404
    # A token altered to name another person: the signature no longer holds, nothing logged.
    payload, signature = two["url"].rsplit("/", 1)[1].split(".")
    claims = claims_of(two["url"])
    claims["p"] = world.reader_x
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert fetch(client, f"/files/{forged}.{signature}").status_code == 403
    assert len(entries(admin, fileId=sent["id"], action="DOWNLOADED")) == 1


def test_csv_export_shows_fetches(
    world: World,
    login,
    firms,
    worker: Worker,
) -> None:
    a = firms["a"]
    manager, admin, client = (
        login(a, world.manager_a),
        login(a, world.admin_a),
        login(a, world.client_x),
    )
    sent = upload(manager, folders(manager, world.org_x)["FOR_CLIENT"], "Экспорт.pdf", PDF)
    got = link(client, sent["id"])
    get(client, got["url"], "Fetcher/csv")
    job = admin.execute(EXPORT, {"filter": {"fileId": sent["id"]}})["exportDriveAccessLog"]
    state = job_finished(
        lambda: admin.execute(EXPORT_STATE, {"id": job["id"]})["driveAccessExport"],
        what="the export",
    )
    assert state["status"] == "DONE", state
    text = fetch(admin, state["downloadUrl"]).content.decode("utf-8-sig")
    header, issued, fetched = list(csv.reader(io.StringIO(text)))
    assert header[-1] == "link_entry_id"
    assert (issued[1], issued[-1]) == ("download", "")
    assert (fetched[1], fetched[6]) == ("downloaded", "Fetcher/csv")
    log = entries(admin, fileId=sent["id"])
    assert fetched[-1] == str(pk(log[0]["id"]))


@pytest.fixture(scope="module")
def reports_world(db_engine, firms, live_server) -> ReportsWorld:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def test_report_document_fetches_are_logged_too(
    reports_world: ReportsWorld, firms: dict[str, Any], db_engine: sa.Engine
) -> None:
    c = reports_world.integrator_a
    report = new_report(c, reports_world.org1)
    sent = record(c, report["id"], "SENT", at(0), [doc("REPORT_FILE", "РСВ.xml", XML)])
    document = sent["event"]["documents"][0]["id"]
    admin = reports_world.admin_a
    got = admin.execute(REPORT_LINK, {"d": document})["reportDocumentLink"]
    other = admin.execute(REPORT_LINK, {"d": document})["reportDocumentLink"]
    assert got["url"] != other["url"] and got["url"].startswith("/files/")
    for agent in ("Report/1", "Report/2"):
        assert get(admin, got["url"], agent).content == XML
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f'SELECT id, action, person_id, ip, user_agent, link_id FROM "'
                f'{schema_for(firms["a"].slug)}".report_document_access '
                "WHERE document_id = :d ORDER BY id"
            ),
            {"d": pk(document)},
        ).all()
    assert [r.action for r in rows] == ["link_issued", "link_issued", "downloaded", "downloaded"]
    issued = rows[0]
    for row, agent in zip(rows[2:], ("Report/1", "Report/2"), strict=True):
        assert (row.person_id, row.link_id, row.user_agent) == (issued.person_id, issued.id, agent)
        assert row.ip == "127.0.0.1"
    assert rows[1].link_id is None
