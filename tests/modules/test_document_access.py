"""The views-and-downloads report of every document over GraphQL: `documentAccessLog` shows
the drive's files and the reports' documents (`documentKind`) in one list, newest first, with
the drive report's filters plus the kind and a report document; its CSV export
(`exportDocumentAccessLog`, followed with `driveAccessExport`) holds both; who may read it;
another firm sees none of it. The drive-only `driveAccessLog` is unchanged.

What is downloaded here is done through the API and the links it hands out (a GET of each
link is a fetch, logged as DOWNLOADED), in a firm of this module's own, so the expected
entries are exactly those."""

from __future__ import annotations

import base64
import csv
import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from dramatiq import Worker

from saas.modules.clients.validation import INN10_WEIGHTS
from saas.tenants.provisioning import provision_tenant
from tests.support.auth import TestPerson, create_person, login
from tests.support.client import GraphQLClient
from tests.support.ids import gid
from tests.support.jobs import job_finished

LOG = """query($filter: DocumentAccessFilter, $first: Int, $after: String) {
  documentAccessLog(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id documentKind at action ip userAgent person { id email } apiTokenId
      organizationId organizationName documentId documentName versionId versionNo reportId
      linkEntryId } } } }"""
DRIVE_LOG = """query($filter: DriveAccessFilter) { driveAccessLog(filter: $filter, first: 100) {
  edges { node { id action fileName } } } }"""
EXPORT = """mutation($filter: DocumentAccessFilter) {
  exportDocumentAccessLog(filter: $filter) { id status } }"""
EXPORT_STATE = """query($id: ID!) { driveAccessExport(id: $id) { __typename
  ... on DriveAccessExport { status done total rows downloadUrl } ... on Error { code } } }"""

CREATE_ORG = """mutation($input: CreateClientOrganizationInput!) {
  createClientOrganization(input: $input) { __typename ... on ClientOrganization { id }
  ... on Error { code message } } }"""
DRIVE = """query($o: ID!) { drive(organizationId: $o) { __typename
  ... on Drive { folders { id systemKind } } } }"""
UPLOAD = """mutation($f: ID!, $n: String!, $b: String!) { uploadFile(folderId: $f, filename: $n,
  contentBase64: $b) { __typename ... on DriveFile { id currentVersion { id } }
  ... on Error { code message } } }"""
DRIVE_LINK = """mutation($f: ID!) { downloadLink(fileId: $f) { __typename
  ... on DownloadLink { url } ... on Error { code message } } }"""
CREATE_REPORT = """mutation($o: ID!) { createReport(input: {organizationId: $o, formCode: "vat",
  periodYear: 2025, periodCode: "Q1", authorityCode: "7701"}) { __typename ... on Report { id }
  ... on Error { code message } } }"""
RECORD = """mutation($r: ID!, $n: String!, $b: String!) { recordReportEvent(input: {
  reportId: $r, externalId: "sent", kind: SENT, occurredAt: "2026-01-01T00:00:00+00:00",
  documents: [{kind: REPORT_FILE, filename: $n, contentBase64: $b}]}) { __typename
  ... on ReportEventRecorded { event { documents { id } } } ... on Error { code message } } }"""
REPORT_LINK = """mutation($d: ID!) { reportDocumentLink(documentId: $d) { __typename
  ... on ReportDocumentLink { url } ... on Error { code message } } }"""

BODY = b"%PDF-1.4 document access probe"


def requisites(name: str, serial: int) -> dict[str, Any]:
    head = "77" + f"{serial % 10**7:07d}"
    inn = head + str(sum(int(d) * w for d, w in zip(head, INN10_WEIGHTS, strict=True)) % 11 % 10)
    ogrn = "10277" + f"{serial % 10**7:07d}"
    return {
        "name": name,
        "legalForm": "OOO",
        "inn": inn,
        "kpp": "773601001",
        "ogrn": ogrn + str(int(ogrn) % 11 % 10),
        "taxRegime": "OSNO",
    }


def ok(result: dict[str, Any], typename: str) -> dict[str, Any]:
    assert result["__typename"] == typename, result
    return result


@dataclass
class World:
    admin: GraphQLClient
    auditor: GraphQLClient
    staff: GraphQLClient  # documents:read, not manage
    other_admin: GraphQLClient  # another firm's
    org: str
    org_name: str
    file: str  # the drive file
    file_name: str
    version: str
    report: str
    document: str  # the report document
    document_name: str
    manager: TestPerson


def fetch(c: GraphQLClient, url: str, agent: str) -> None:
    response = c.http.get(url, headers={**c.headers(), "user-agent": agent})
    assert response.status_code == 200 and response.content == BODY, response.status_code


@pytest.fixture(scope="module")
def world(db_engine, settings, live_server) -> World:  # type: ignore[no-untyped-def]
    suffix = uuid.uuid4().hex[:6]
    firms = {}
    for key in ("a", "b"):
        slug = f"doc-access-{key}-{suffix}"
        firms[key] = (provision_tenant(db_engine, slug, f"Документы {key}"), f"{slug}.kabinet.test")

    def person(key: str, role: str) -> tuple[TestPerson, GraphQLClient]:
        tenant_id, host = firms[key]
        who = create_person(
            db_engine,
            f"doc-access-{role}-{key}-{suffix}@example.test",
            display_name=f"{role} {suffix}",
            memberships=[(tenant_id, "staff", [role], None)],
        )
        c = GraphQLClient(live_server.url, host)
        login(c, who.email, who.password)
        return who, c

    _, admin = person("a", "firm_admin")
    manager, _ = person("a", "manager")
    org_name = f"ООО «Доступ {suffix}»"
    org = ok(
        admin.execute(CREATE_ORG, {"input": requisites(org_name, int(suffix, 16))})[
            "createClientOrganization"
        ],
        "ClientOrganization",
    )["id"]
    folders = ok(admin.execute(DRIVE, {"o": org})["drive"], "Drive")["folders"]
    folder = next(f["id"] for f in folders if f["systemKind"] == "FOR_CLIENT")
    file_name = f"Акт {suffix}.pdf"
    uploaded = ok(
        admin.execute(UPLOAD, {"f": folder, "n": file_name, "b": base64.b64encode(BODY).decode()})[
            "uploadFile"
        ],
        "DriveFile",
    )
    report = ok(admin.execute(CREATE_REPORT, {"o": org})["createReport"], "Report")["id"]
    document_name = f"НДС {suffix}.pdf"
    recorded = ok(
        admin.execute(
            RECORD, {"r": report, "n": document_name, "b": base64.b64encode(BODY).decode()}
        )["recordReportEvent"],
        "ReportEventRecorded",
    )
    return World(
        admin=admin,
        auditor=person("a", "auditor")[1],
        staff=person("a", "staff")[1],
        other_admin=person("b", "firm_admin")[1],
        org=org,
        org_name=org_name,
        file=uploaded["id"],
        file_name=file_name,
        version=uploaded["currentVersion"]["id"],
        report=report,
        document=recorded["event"]["documents"][0]["id"],
        document_name=document_name,
        manager=manager,
    )


def entries(c: GraphQLClient, **filter: Any) -> list[dict[str, Any]]:
    result = c.execute(LOG, {"filter": filter, "first": 100})["documentAccessLog"]
    found = [e["node"] for e in result["edges"]]
    assert result["totalCount"] == len(found)
    return found


@pytest.fixture(scope="module")
def downloads(world: World) -> World:
    """A drive file's link (fetched once) and a report document's link (fetched twice), then
    the report document's again, never fetched."""
    c = world.admin
    fetch(
        c,
        ok(c.execute(DRIVE_LINK, {"f": world.file})["downloadLink"], "DownloadLink")["url"],
        "Drive/1",
    )
    link = ok(
        c.execute(REPORT_LINK, {"d": world.document})["reportDocumentLink"], "ReportDocumentLink"
    )
    fetch(c, link["url"], "Report/1")
    fetch(c, link["url"], "Report/2")
    ok(c.execute(REPORT_LINK, {"d": world.document})["reportDocumentLink"], "ReportDocumentLink")
    return world


def test_report_documents_join_the_drive_in_one_report(downloads: World) -> None:
    w = downloads
    log = entries(w.auditor)
    # Newest first: the unfetched report link, the two fetches, their link, the drive's fetch
    # and its link.
    assert [(e["documentKind"], e["action"], e["userAgent"]) for e in log] == [
        ("REPORT", "DOWNLOAD", log[0]["userAgent"]),
        ("REPORT", "DOWNLOADED", "Report/2"),
        ("REPORT", "DOWNLOADED", "Report/1"),
        ("REPORT", "DOWNLOAD", log[3]["userAgent"]),
        ("DRIVE", "DOWNLOADED", "Drive/1"),
        ("DRIVE", "DOWNLOAD", log[5]["userAgent"]),
    ]
    issued, fetched = log[3], log[2]
    assert issued["documentId"] == fetched["documentId"] == w.document
    assert fetched["documentName"] == w.document_name
    assert fetched["reportId"] == w.report
    assert fetched["versionId"] is None and fetched["versionNo"] is None
    assert fetched["linkEntryId"] == issued["id"] and issued["linkEntryId"] is None
    assert fetched["organizationId"] == w.org and fetched["organizationName"] == w.org_name
    assert fetched["ip"] == "127.0.0.1"
    assert fetched["person"]["email"].startswith("doc-access-firm_admin-a-")
    drive = log[4]
    assert (drive["documentId"], drive["documentName"]) == (w.file, w.file_name)
    assert (drive["versionId"], drive["versionNo"], drive["reportId"]) == (w.version, 1, None)
    assert drive["linkEntryId"] == log[5]["id"]
    # The drive's entries keep their DriveAccessEntry ids; the drive-only report is unchanged.
    drive_only = w.auditor.execute(DRIVE_LOG, {"filter": {}})["driveAccessLog"]["edges"]
    assert [e["node"]["id"] for e in drive_only] == [log[4]["id"], log[5]["id"]]
    assert {e["node"]["fileName"] for e in drive_only} == {w.file_name}

    # Filters: the kind, a document of each kind, the action, the organization, the period.
    assert [e["id"] for e in entries(w.auditor, documentKind="DRIVE")] == [
        log[4]["id"],
        log[5]["id"],
    ]
    assert len(entries(w.auditor, documentKind="REPORT")) == 4
    assert [e["id"] for e in entries(w.auditor, documentId=w.document, action="DOWNLOADED")] == [
        log[1]["id"],
        log[2]["id"],
    ]
    assert [e["documentKind"] for e in entries(w.auditor, fileId=w.file)] == ["DRIVE", "DRIVE"]
    assert entries(w.auditor, action="VIEW") == []  # report links are never previews
    assert len(entries(w.auditor, action="DOWNLOAD")) == 3
    assert len(entries(w.auditor, organizationId=w.org)) == 6
    assert entries(w.auditor, organizationId=gid("ClientOrganization", 2**40)) == []
    assert entries(w.auditor, documentId="not-an-id") == []
    since = entries(w.auditor, since=log[2]["at"])
    assert [e["id"] for e in since] == [e["id"] for e in log[:3]]
    assert [e["id"] for e in entries(w.auditor, until=log[2]["at"])] == [e["id"] for e in log[3:]]

    # Pages of two follow the cursors across both kinds.
    seen, after = [], None
    while True:
        page = w.auditor.execute(LOG, {"first": 2, "after": after})["documentAccessLog"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [e["id"] for e in log]


def test_who_reads_it(downloads: World) -> None:
    w = downloads
    assert len(entries(w.admin)) == 6
    for refused in (w.staff,):
        for query in (LOG, EXPORT):
            answer = refused.raw(query, {})
            assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", answer
    # Another firm's admin: its own (empty) report, nothing of this firm through its ids.
    assert entries(w.other_admin) == []
    assert entries(w.other_admin, documentId=w.document) == []
    assert entries(w.other_admin, organizationId=w.org) == []


def test_a_manager_sees_only_its_organizations(downloads: World, live_server: Any) -> None:
    w = downloads
    host = w.admin.host
    c = GraphQLClient(live_server.url, host)
    login(c, w.manager.email, w.manager.password)
    # Not assigned to the organization: nothing of it, report documents included.
    assert entries(c) == []
    assigned = w.admin.execute(
        """mutation($o: ID!, $m: ID!) { setClientOrganizationManagers(id: $o,
        responsibleManagerId: $m, moderatorIds: []) { __typename } }""",
        {"o": w.org, "m": gid("Person", w.manager.id)},
    )["setClientOrganizationManagers"]
    assert assigned["__typename"] == "ClientOrganization", assigned
    assert {e["documentKind"] for e in entries(c)} == {"DRIVE", "REPORT"}


def test_csv_export_holds_both_kinds(downloads: World, worker: Worker) -> None:
    w = downloads
    job = w.auditor.execute(EXPORT, {"filter": {"action": "DOWNLOADED"}})["exportDocumentAccessLog"]
    state = job_finished(
        lambda: w.auditor.execute(EXPORT_STATE, {"id": job["id"]})["driveAccessExport"],
        what="the export",
    )
    assert state["status"] == "DONE", state
    assert (state["rows"], state["done"], state["total"]) == (3, 3, 3)
    response = w.auditor.http.get(state["downloadUrl"], headers=w.auditor.headers())
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    listed = list(reversed(entries(w.auditor, action="DOWNLOADED")))  # the file: oldest first
    assert [(r["document_kind"], r["file"], r["user_agent"]) for r in rows] == [
        (e["documentKind"].lower(), e["documentName"], e["userAgent"]) for e in listed
    ]
    report_pk = base64.b64decode(w.report).decode().split(":")[1]
    assert [r["report_id"] for r in rows] == ["", report_pk, report_pk]
    assert {r["organization"] for r in rows} == {w.org_name}
    assert [r["version"] for r in rows] == ["1", "", ""]
    assert {r["action"] for r in rows} == {"downloaded"}
    # Another firm cannot follow the job.
    other = w.other_admin.execute(EXPORT_STATE, {"id": job["id"]})["driveAccessExport"]
    assert other == {"__typename": "NotFoundError", "code": "NOT_FOUND"}
