"""A bulk import creates the reports it names by INN, form and period when they do not exist
yet (in the importer's scope), then records their events; an unknown INN, or an organization
out of the importer's reach, is the row's error and creates nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from dramatiq import Worker

from tests.support.client import GraphQLClient
from tests.support.ids import gid, pk
from tests.support.jobs import job_finished
from tests.support.people import add_membership, make_person, open_session, session_client
from tests.support.reports import World, at, build_world, external_id, line

ORG = """query($id: ID!) { node(id: $id) { ... on ClientOrganization { inn kpp } } }"""
IMPORT = """mutation($csv: String, $lines: String) {
  importReportEvents(csv: $csv, jsonLines: $lines) {
    __typename ... on ReportImport { id total } ... on ValidationError { code field } } }"""
STATE = """query($id: ID!) { reportImport(id: $id) { ... on ReportImport {
  status recorded duplicates failed created errors { line code field message } } } }"""
REPORTS = """query($o: ID!, $f: String) { reports(organizationId: $o, formCode: $f, first: 20) {
  edges { node { id formCode periodYear periodCode correction authorityCode status
  responsibleManager { id } timeline { externalId kind } } } } }"""
AUDIT = """{ auditLog(first: 20, filter: {action: "report.create"}) {
  ... on AuditEntryConnection { edges { node { objectId data } } } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def run(c: GraphQLClient, **file: str) -> dict[str, Any]:
    started = c.execute(IMPORT, file)["importReportEvents"]
    assert started["__typename"] == "ReportImport", started
    return job_finished(
        lambda: c.execute(STATE, {"id": started["id"]}, headers={"accept-language": "en"})[
            "reportImport"
        ],
        what=f"import {started['id']}",
    )


def reports_of(c: GraphQLClient, org: str, form: str) -> list[dict[str, Any]]:
    edges = c.execute(REPORTS, {"o": org, "f": form})["reports"]["edges"]
    return [e["node"] for e in edges]


def test_rows_create_missing_reports_then_record_their_events(world: World, worker: Worker) -> None:
    c = world.admin_a
    org = c.execute(ORG, {"id": world.org1})["node"]
    sent, delivered, efs = external_id("new"), external_id("new"), external_id("efs")

    def row(**fields: Any) -> str:
        base = {"inn": org["inn"], "formCode": "vat", "periodYear": 2026, "kind": "sent"}
        return line(**{**base, "occurredAt": at(0).isoformat(), **fields})

    rows = [
        # 1: no VAT report for Q2 2026 yet: created (its tax office from the KPP), then SENT.
        row(periodCode="q2", externalId=sent),
        # 2: the same report again: found, not created twice.
        row(
            periodYear="2026",
            periodCode="Q2",
            externalId=delivered,
            kind="delivered",
            occurredAt=at(5).isoformat(),
        ),
        # 3: nobody has this INN.
        row(inn="0000000000", periodCode="Q2", externalId=external_id()),
        # 4: a social fund form needs its authority's code to be created.
        row(formCode="efs1", periodCode="E", externalId=external_id()),
        # 5: ... given: created.
        row(
            formCode="efs1", periodCode="E", authorityCode="087001", externalId=efs, kind="accepted"
        ),
        # 6: a bad event creates no report.
        row(periodCode="Q3", externalId=external_id(), kind="teleported"),
        # 7: an event refused after the report was created: the row's savepoint takes both.
        row(periodCode="Q4", externalId=external_id(), occurredAt="2126-01-01T00:00:00+00:00"),
        # 8: a period the form does not have.
        row(periodCode="07", externalId=external_id()),
    ]
    state = run(c, lines="\n".join(rows))
    assert state["status"] == "DONE", state
    assert (state["recorded"], state["created"], state["failed"]) == (3, 2, 5), state
    assert [(e["line"], e["code"], e["field"]) for e in state["errors"]] == [
        (3, "NOT_FOUND", "inn"),
        (4, "MISSING_FIELD", "authorityCode"),
        (6, "INVALID_KIND", "kind"),
        (7, "FUTURE_EVENT", "occurredAt"),
        (8, "INVALID_PERIOD", "periodCode"),
    ]
    assert state["errors"][0]["message"].startswith("No client organization of yours")

    (vat,) = reports_of(c, world.org1, "vat")
    assert (vat["periodYear"], vat["periodCode"], vat["correction"]) == (2026, "Q2", 0)
    assert vat["authorityCode"] == (org["kpp"] or org["inn"])[:4]
    assert vat["status"] == "DELIVERED"
    assert [e["externalId"] for e in vat["timeline"]] == [sent, delivered]
    # The organization's responsible manager, as for a report created through the API.
    assert vat["responsibleManager"]["id"] == gid("Person", world.manager_a_id)
    (efs1,) = reports_of(c, world.org1, "efs1")
    assert (efs1["authorityCode"], efs1["status"]) == ("087001", "ACCEPTED")
    created = {e["node"]["objectId"] for e in c.execute(AUDIT)["auditLog"]["edges"]}
    assert {str(pk(vat["id"])), str(pk(efs1["id"]))} <= created

    # The same file again: nothing is created twice; row 4 now finds the EFS-1 report that
    # row 5 created, so its event is recorded.
    again = run(c, lines="\n".join(rows))
    assert (again["recorded"], again["duplicates"], again["created"]) == (1, 3, 0), again
    assert [e["line"] for e in again["errors"]] == [3, 6, 7, 8]


def test_csv_creates_reports_only_for_organizations_the_importer_sees(
    world: World, worker: Worker, db_engine: sa.Engine, firms, live_server
) -> None:  # type: ignore[no-untyped-def]
    org = world.admin_a.execute(ORG, {"id": world.org2})["node"]
    text = (
        "inn;kpp;formCode;periodYear;periodCode;correction;authorityCode;externalId;kind;"
        "occurredAt;text\r\n"
        f"{org['inn']};{org['kpp'] or ''};6ndfl;2026;Q1;1;7702;{external_id('csv')};sent;"
        f"{at(0).isoformat()};Корректировка\r\n"
    )
    # A manager not assigned to the organization: its INN names nothing for them.
    stranger = make_person(db_engine, "Менеджер Чужой")
    add_membership(db_engine, stranger, firms["a"].id, "staff", ["manager"])
    other = session_client(
        live_server.url, firms["a"].host, *open_session(db_engine, stranger, firms["a"].id)
    )
    refused = run(other, csv=text)
    assert [(e["line"], e["code"], e["field"]) for e in refused["errors"]] == [
        (2, "NOT_FOUND", "inn")
    ]
    assert reports_of(world.admin_a, world.org2, "6ndfl") == []
    # Another firm: the INN is not one of its clients.
    foreign = run(world.admin_b, csv=text)
    assert [e["code"] for e in foreign["errors"]] == ["NOT_FOUND"]

    done = run(world.admin_a, csv=text)
    assert (done["recorded"], done["created"], done["failed"]) == (1, 1, 0), done
    (report,) = reports_of(world.admin_a, world.org2, "6ndfl")
    assert (report["correction"], report["authorityCode"], report["status"]) == (1, "7702", "SENT")
