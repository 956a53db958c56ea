"""Documents of report events over GraphQL against the live server: recording them with an
event, idempotent and conflicting replays, refused executables, the client's download rule
(only complete flows, only granted organizations), cross-tenant attempts; "overdue" and the
ATTENTION order with paging.

Uses the reports test world (tests/support/reports.py): firm A's admin, integrator,
client1 (org1, 'reports' granted), client2 (org2, only 'chat'), firm B's admin."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from saas.tenants.provisioning import schema_for
from tests.support.client import GraphQLClient, refused_outright
from tests.support.clients import llc
from tests.support.documents import EXE, PDF, fetch
from tests.support.ids import gid, pk
from tests.support.people import session_client
from tests.support.report_documents import (
    LINK,
    ONE,
    RECEIPT,
    XML,
    doc,
    link,
    record,
    stored_objects,
)
from tests.support.reports import World, add_contact, at, build_world, external_id, new_report

FEED = """query($first: Int, $after: String, $org: ID, $overdue: Boolean, $order: ReportOrder) {
  reports(first: $first, after: $after, organizationId: $org, overdue: $overdue,
          orderBy: $order) {
    pageInfo { hasNextPage endCursor }
    edges { node { id status overdue followUpDue documentCount
                   documents { id name downloadable } } } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def test_event_documents_are_stored_and_replay_is_idempotent(
    world: World, firms: dict[str, Any], live_server: Any, db_engine: sa.Engine
) -> None:
    c = world.integrator_a
    report = new_report(c, world.org1)
    ext = external_id("sent")
    files = [
        doc("REPORT_FILE", "NO_NDS_7701.xml", XML),
        doc("OTHER", "../Пояснения.pdf", PDF),
    ]
    before = stored_objects(live_server, firms["a"].id)
    first = record(c, report["id"], "SENT", at(0), files, ext)
    assert (first["__typename"], first["duplicate"]) == ("ReportEventRecorded", False), first
    documents = first["event"]["documents"]
    assert [(d["kind"], d["name"], d["size"]) for d in documents] == [
        ("REPORT_FILE", "NO_NDS_7701.xml", len(XML)),
        ("OTHER", "Пояснения.pdf", len(PDF)),
    ]
    assert documents[1]["contentType"] == "application/pdf"
    assert all(d["downloadable"] for d in documents)  # an integrator always may
    assert first["report"]["documentCount"] == 2
    assert [d["id"] for d in first["report"]["documents"]] == [d["id"] for d in documents]
    added = stored_objects(live_server, firms["a"].id) - before
    assert len(added) == 2

    # The same event with the same documents (in any order): nothing changes.
    again = record(c, report["id"], "SENT", at(0), list(reversed(files)), ext)
    assert (again["__typename"], again["duplicate"]) == ("ReportEventRecorded", True), again
    assert [d["id"] for d in again["event"]["documents"]] == [d["id"] for d in documents]
    assert again["report"]["documentCount"] == 2
    assert stored_objects(live_server, firms["a"].id) - before == added

    # Other documents under the same external id: a conflict, nothing stored or written.
    for other in (
        [files[0]],
        [files[0], doc("OTHER", "Пояснения.pdf", PDF + b"\n")],
        [files[0], doc("RECEIPT", "../Пояснения.pdf", PDF)],
        None,
    ):
        clash = record(c, report["id"], "SENT", at(0), other, ext)
        assert (clash["__typename"], clash["code"]) == ("ConflictError", "EXTERNAL_ID_CONFLICT")
    assert stored_objects(live_server, firms["a"].id) - before == added
    view = world.admin_a.execute(ONE, {"id": report["id"]})["report"]
    assert view["documentCount"] == 2 and len(view["documents"]) == 2
    assert [len(e["documents"]) for e in view["timeline"]] == [2]
    with db_engine.connect() as conn:
        hashes = set(
            conn.execute(
                sa.text(
                    f'SELECT sha256 FROM "{schema_for(firms["a"].slug)}".report_documents '
                    "WHERE report_id = :r"
                ),
                {"r": pk(report["id"])},
            ).scalars()
        )
    assert hashes == {hashlib.sha256(XML).hexdigest(), hashlib.sha256(PDF).hexdigest()}


def test_bad_documents_are_refused_and_nothing_is_recorded(
    world: World, firms: dict[str, Any], live_server: Any
) -> None:
    c = world.integrator_a
    report = new_report(c, world.org1)
    before = stored_objects(live_server, firms["a"].id)
    cases = [
        ([doc("REPORT_FILE", "report.pdf", EXE)], "EXECUTABLE_REFUSED", "documents.0.content"),
        (
            [doc("RECEIPT", "ok.xml", RECEIPT), doc("OTHER", "run.sh", b"#!/bin/sh\nrm -rf /\n")],
            "EXECUTABLE_REFUSED",
            "documents.1.content",
        ),
        (
            [{"kind": "OTHER", "filename": "x.pdf", "contentBase64": "%%%"}],
            "INVALID_BASE64",
            "documents.0.contentBase64",
        ),
        ([doc("OTHER", " .. ", PDF)], "INVALID_FILENAME", "documents.0.filename"),
        ([doc("OTHER", f"{n}.pdf", PDF) for n in range(11)], "TOO_MANY_DOCUMENTS", "documents"),
    ]
    for documents, code, field in cases:
        refused = record(c, report["id"], "SENT", at(0), documents)
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "ValidationError",
            code,
            field,
        ), refused
    view = world.admin_a.execute(ONE, {"id": report["id"]})["report"]
    assert (view["status"], view["timeline"], view["documentCount"]) == ("DRAFT", [], 0)
    assert stored_objects(live_server, firms["a"].id) == before


def test_client_downloads_only_complete_flows(
    world: World, firms: dict[str, Any], db_engine: sa.Engine
) -> None:
    c = world.integrator_a
    report = new_report(c, world.org1)
    sent = record(c, report["id"], "SENT", at(0), [doc("REPORT_FILE", "6-НДФЛ.xml", XML)])
    file_id = sent["event"]["documents"][0]["id"]

    # Before acceptance: the client sees the document, but may not download it.
    view = world.client1.execute(ONE, {"id": report["id"]})["report"]
    assert (view["flowComplete"], view["documents"][0]["downloadable"]) == (False, False)
    early = link(world.client1, file_id)
    assert (early["__typename"], early["code"]) == ("ConflictError", "FLOW_INCOMPLETE")
    assert "завершён" in early["message"]
    english = world.client1.execute(LINK, {"d": file_id}, headers={"accept-language": "en"})
    assert english["reportDocumentLink"]["code"] == "FLOW_INCOMPLETE"
    assert "once its flow is complete" in english["reportDocumentLink"]["message"]
    # Staff and the integrator always may.
    assert link(world.admin_a, file_id)["__typename"] == "ReportDocumentLink"
    assert link(c, file_id)["__typename"] == "ReportDocumentLink"

    accepted = record(
        c, report["id"], "ACCEPTED", at(60), [doc("RECEIPT", "Квитанция.xml", RECEIPT)]
    )
    assert accepted["report"]["flowComplete"] is True
    view = world.client1.execute(ONE, {"id": report["id"]})["report"]
    assert [d["downloadable"] for d in view["documents"]] == [True, True]
    for document, body in zip(view["documents"], (XML, RECEIPT), strict=True):
        got = link(world.client1, document["id"])
        assert got["__typename"] == "ReportDocumentLink", got
        assert datetime.fromisoformat(got["expiresAt"]) <= datetime.now(UTC) + timedelta(minutes=6)
        response = fetch(world.client1, got["url"])
        assert response.status_code == 200, response.text
        assert hashlib.sha256(response.content).hexdigest() == hashlib.sha256(body).hexdigest()
        assert "attachment" in response.headers.get("content-disposition", "")
    # Every link handed out is logged (who, which document, from where), and each fetch.
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f'SELECT person_id, token_id, organization_id, ip, action FROM "'
                f'{schema_for(firms["a"].slug)}".report_document_access WHERE document_id = :d '
                "ORDER BY id"
            ),
            {"d": pk(file_id)},
        ).all()
    fetched = [r for r in rows if r.action == "downloaded"]
    assert [r.person_id for r in fetched] == [rows[-1].person_id]  # the client's one fetch
    rows = [r for r in rows if r.action == "link_issued"]
    assert len(rows) == 3  # admin, integrator, client (the refused early try is not)
    assert rows[1].token_id is not None and rows[2].person_id is not None
    assert {r.organization_id for r in rows} == {pk(world.org1)} and rows[2].ip


def test_rejected_flow_is_complete_too(world: World) -> None:
    c = world.integrator_a
    report = new_report(c, world.org1)
    record(c, report["id"], "SENT", at(0), [doc("REPORT_FILE", "rsv.xml", XML)])
    rejected = record(
        c, report["id"], "REJECTED", at(30), [doc("REJECTION_NOTICE", "Отказ.pdf", PDF)]
    )
    assert rejected["report"]["flowComplete"] is True
    notice = rejected["event"]["documents"][0]
    assert notice["kind"] == "REJECTION_NOTICE"
    assert link(world.client1, notice["id"])["__typename"] == "ReportDocumentLink"


def test_documents_of_other_organizations_and_firms_are_not_found(
    world: World, firms: dict[str, Any], db_engine: sa.Engine, live_server: Any
) -> None:
    c = world.integrator_a
    theirs = new_report(c, world.org2)
    record(c, theirs["id"], "SENT", at(0))
    accepted = record(c, theirs["id"], "ACCEPTED", at(5), [doc("RECEIPT", "r.xml", RECEIPT)])
    document = accepted["event"]["documents"][0]["id"]
    a = firms["a"]
    # A contact of org1 with 'reports' (client1); org2's contact without 'reports' (client2);
    # a contact of org2 with 'reports' but asking about org1's document below.
    _, secret, csrf = add_contact(db_engine, a.slug, a.id, pk(world.org2), ["reports"])
    client3 = session_client(live_server.url, a.host, secret, csrf)
    for outsider in (world.client1, world.client2, world.admin_b):
        refused = link(outsider, document)
        assert (refused["__typename"], refused["code"]) == ("NotFoundError", "NOT_FOUND")
        node = outsider.execute("query($id: ID!) { node(id: $id) { id } }", {"id": document})
        assert node["node"] is None
    assert link(client3, document)["__typename"] == "ReportDocumentLink"
    mine = new_report(c, world.org1)
    done = record(c, mine["id"], "ACCEPTED", at(5), [doc("RECEIPT", "m.xml", RECEIPT)])
    assert link(client3, done["event"]["documents"][0]["id"])["code"] == "NOT_FOUND"
    for bogus in ("nonsense", gid("Report", pk(document)), gid("ReportDocument", 999999999)):
        assert link(world.admin_a, bogus)["code"] == "NOT_FOUND"
    # Firm A's integrator token at firm B's host is refused outright.
    foreign = GraphQLClient(live_server.url, world.host_b, token=world.token_a)
    refused_outright(
        foreign.post({"query": LINK, "variables": {"d": document}}), 403, "WRONG_TENANT"
    )


def _organization(world: World) -> str:
    result = world.admin_a.execute(
        """mutation($input: CreateClientOrganizationInput!) {
             createClientOrganization(input: $input) {
               __typename ... on ClientOrganization { id } ... on Error { code message } } }""",
        {"input": llc(f"Василёк {uuid.uuid4().hex[:4]}")},
    )["createClientOrganization"]
    assert result["__typename"] == "ClientOrganization", result
    return str(result["id"])


def test_overdue_filter_and_attention_order_with_paging(world: World) -> None:
    c = world.integrator_a
    org = _organization(world)
    now = datetime.now(UTC).replace(microsecond=0)
    # Thursday 30 April 2026, before the May holidays (1-3 May off in the official 2026
    # calendar): a follow-up due in 5 business days falls on Friday 8 May.
    long_ago = datetime(2026, 4, 30, 12, tzinfo=ZoneInfo("Europe/Moscow"))
    made = {name: new_report(c, org)["id"] for name in ("plain", "rejected", "late", "ok", "draft")}
    record(c, made["late"], "REJECTED", long_ago)
    record(c, made["rejected"], "REJECTED", now - timedelta(hours=2))
    record(c, made["plain"], "SENT", now - timedelta(hours=1))
    # Re-sent after the rejection: status SENT, the follow-up still open and past due.
    record(c, made["late"], "SENT", long_ago + timedelta(days=20))
    record(c, made["ok"], "ACCEPTED", now - timedelta(minutes=30))

    def page(**variables: Any) -> dict[str, Any]:
        return c.execute(FEED, {"org": org, "first": 30, **variables})["reports"]

    def ids(**variables: Any) -> list[str]:
        return [e["node"]["id"] for e in page(**variables)["edges"]]

    late = world.admin_a.execute(ONE, {"id": made["late"]})["report"]
    assert (late["status"], late["overdue"]) == ("SENT", True)
    assert late["followUpDue"] == "2026-05-08"
    fresh = world.admin_a.execute(ONE, {"id": made["rejected"]})["report"]
    assert (fresh["overdue"], fresh["followUpDue"] is not None) == (False, True)
    assert ids(overdue=True) == [made["late"]]
    assert set(ids(overdue=False)) == set(made.values()) - {made["late"]}

    newest_first = ids()
    attention = ids(order="ATTENTION")
    # Rejected and overdue first (newest updated first), then the rest as in the plain feed.
    assert attention[:2] == [made["late"], made["rejected"]]
    assert attention[2:] == [i for i in newest_first if i not in attention[:2]]
    # Paging by one walks the same order without repeats or gaps.
    walked, after = [], None
    while True:
        got = page(order="ATTENTION", first=1, after=after)
        walked += [e["node"]["id"] for e in got["edges"]]
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    assert walked == attention
    two = page(order="ATTENTION", first=2)
    rest = page(order="ATTENTION", after=two["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in two["edges"] + rest["edges"]] == attention
    # Accepting closes the follow-up: no longer overdue nor first.
    record(c, made["late"], "ACCEPTED", now - timedelta(minutes=1))
    assert ids(overdue=True) == []
    assert ids(order="ATTENTION")[0] == made["rejected"]
