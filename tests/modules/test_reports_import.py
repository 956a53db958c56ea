"""Bulk import of report events (JSON lines or CSV) as a dramatiq job, over GraphQL: good and
bad rows, per-row errors, idempotent duplicates, progress; clients and other firms refused."""

from __future__ import annotations

from typing import Any

import pytest
from dramatiq import Worker

from tests.support.client import GraphQLClient, error_codes
from tests.support.jobs import job_finished
from tests.support.reports import (
    IMPORT,
    ONE,
    STATE,
    World,
    at,
    build_world,
    external_id,
    line,
    new_report,
    record,
    wait_done,
)


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


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
    assert state["status"] == "DONE", state
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
    assert error_codes(world.client1.raw(IMPORT, {"lines": rows})) == ["FORBIDDEN"]
    empty = world.integrator_a.execute(IMPORT, {"lines": "\n \n"})["importReportEvents"]
    assert (empty["code"], empty["field"]) == ("INVALID_IMPORT_SIZE", "jsonLines")
    started = world.integrator_a.execute(IMPORT, {"lines": rows})["importReportEvents"]
    assert wait_done(world, started["id"])["recorded"] == 1
    # Firm B does not see firm A's import, and its import cannot touch A's report.
    assert world.admin_b.execute(STATE, {"id": started["id"]})["reportImport"] == {
        "__typename": "NotFoundError",
        "code": "NOT_FOUND",
    }
    assert error_codes(world.client1.raw(STATE, {"id": started["id"]})) == ["FORBIDDEN"]
    foreign = world.admin_b.execute(IMPORT, {"lines": rows.replace('"SENT"', '"ACCEPTED"')})
    state_b = wait_done(world, foreign["importReportEvents"]["id"], client=world.admin_b)
    assert [e["code"] for e in state_b["errors"]] == ["NOT_FOUND"]
    assert world.admin_a.execute(ONE, {"id": report["id"]})["report"]["status"] == "SENT"


# ------------------------------------------------------------------------------------ CSV

IMPORT_CSV = """mutation($csv: String, $lines: String) {
  importReportEvents(csv: $csv, jsonLines: $lines) {
    __typename ... on ReportImport { id status total }
    ... on ValidationError { code field message } } }"""
STATE_FIELDS = """query($id: ID!) { reportImport(id: $id) { __typename
  ... on ReportImport { status done total recorded duplicates failed
                        errors { line code field message } } } }"""
ORG_INN = """query($id: ID!) { node(id: $id) { ... on ClientOrganization { inn kpp } } }"""


def start_csv(c: GraphQLClient, text: str, **headers: str) -> dict[str, Any]:
    return c.execute(IMPORT_CSV, {"csv": text}, headers=headers)["importReportEvents"]


def finished(c: GraphQLClient, import_id: str, **headers: str) -> dict[str, Any]:
    return job_finished(
        lambda: c.execute(STATE_FIELDS, {"id": import_id}, headers=headers)["reportImport"],
        what=f"import {import_id}",
    )


def test_csv_rows_are_recorded_and_bad_rows_reported_by_line(world: World, worker: Worker) -> None:
    c = world.integrator_a
    first, second, third = (new_report(c, world.org1) for _ in range(3))
    org = c.execute(ORG_INN, {"id": world.org1})["node"]
    good, rejected, by_inn = external_id("csv"), external_id("csv"), external_id("csv")
    text = "\n".join(
        [
            "reportId,inn,kpp,formCode,periodYear,periodCode,correction,externalId,kind,"
            "occurredAt,text,reasonCode",
            f"{first['id']},,,,,,,{good},delivered,{at(10).isoformat()},,",  # 2
            f"{first['id']},,,,,,,{external_id()},teleported,{at(11).isoformat()},,",  # 3
            f"999999999,,,,,,,{external_id()},sent,{at(12).isoformat()},,",  # 4
            f"{first['id']},,,,,,,{external_id()},sent,20.04.2026 09:00,,",  # 5
            f"{first['id']},,,,,,,{external_id()},,{at(13).isoformat()},,",  # 6: no kind
            # 7-8: a quoted text with a comma, a quote and a newline: one record, two lines
            f"{second['id']},,,,,,,{rejected},REJECTED,{at(20).isoformat()},"
            '"Ошибка в КПП, см. ""требование""\nстрока 2",0400300003',
            f",{org['inn']},{org['kpp']},pers_sved,{third['periodYear']},"  # 9: by INN
            f"{third['periodCode']},0,{by_inn},accepted,{at(30).isoformat()},Принят,",
            f",{org['inn']},,pers_sved,1999,01,0,{external_id()},sent,{at(1).isoformat()},,",  # 10
            f"{first['id']},{external_id()},sent",  # 11: too few fields
            f"{first['id']},,,,,,,{good},delivered,{at(10).isoformat()},,",  # 12: the same again
            "",
            "",
        ]
    )
    started = start_csv(c, text)
    assert (started["__typename"], started["total"]) == ("ReportImport", 10), started
    state = finished(c, started["id"], **{"accept-language": "en"})
    assert state["status"] == "DONE", state
    assert (state["done"], state["total"]) == (10, 10)
    assert (state["recorded"], state["duplicates"], state["failed"]) == (3, 1, 6)
    assert [(e["line"], e["code"], e["field"]) for e in state["errors"]] == [
        (3, "INVALID_KIND", "kind"),
        (4, "NOT_FOUND", None),
        (5, "INVALID_TIME", "occurredAt"),
        (6, "MISSING_FIELD", "kind"),
        # No such report: the row creates it, and 1999 is no year of a report.
        (10, "INVALID_YEAR", "periodYear"),
        (11, "FIELD_COUNT", None),
    ]
    assert state["errors"][0]["message"].startswith("`kind` is one of")
    in_russian = finished(c, started["id"], **{"accept-language": "ru"})
    assert in_russian["errors"][0]["message"].startswith("`kind` — одно из")

    assert [e["kind"] for e in c.execute(ONE, {"id": first["id"]})["report"]["timeline"]] == [
        "DELIVERED"
    ]
    two = c.execute(ONE, {"id": second["id"]})["report"]
    assert (two["status"], two["beingFixed"]) == ("REJECTED", True)
    assert two["timeline"][0]["text"] == 'Ошибка в КПП, см. "требование"\nстрока 2'
    assert two["timeline"][0]["reasonCode"] == "0400300003"
    three = c.execute(ONE, {"id": third["id"]})["report"]
    assert (three["status"], three["timeline"][0]["text"]) == ("ACCEPTED", "Принят")

    # The same file again records nothing twice.
    again = finished(c, start_csv(c, text)["id"])
    assert (again["recorded"], again["duplicates"], again["failed"]) == (0, 4, 6)


def test_semicolon_csv_with_bom_and_crlf(world: World, worker: Worker) -> None:
    """As 1C and Russian Excel save it: BOM, `;`, CRLF, header names in another case."""
    c = world.admin_a
    report = new_report(c, world.org1)
    text = (
        "\ufeffReport_Id;External_Id;Kind;Occurred_At;Text\r\n"
        f'{report["id"]};{external_id()};sent;{at(0).isoformat()};"Отправлен; оператор"\r\n'
        f"{report['id']};{external_id()};accepted;not a time;\r\n"
        f"{report['id']};{external_id()};delivered;{at(5).isoformat()};\r\n"
        "\r\n"
    )
    started = start_csv(c, text)
    assert started["total"] == 3, started
    state = finished(c, started["id"])
    assert (state["done"], state["recorded"], state["failed"]) == (3, 2, 1)
    assert [(e["line"], e["code"]) for e in state["errors"]] == [(3, "INVALID_TIME")]
    one = c.execute(ONE, {"id": report["id"]})["report"]
    assert one["status"] == "DELIVERED"
    assert one["timeline"][0]["text"] == "Отправлен; оператор"


def test_csv_file_errors_are_clear(world: World) -> None:
    c = world.integrator_a
    en = {"accept-language": "en"}

    def refused(variables: dict[str, Any]) -> dict[str, Any]:
        result = c.execute(IMPORT_CSV, variables, headers=en)["importReportEvents"]
        assert result["__typename"] == "ValidationError", result
        return result

    header = "reportId,externalId,kind,occurredAt\r\n"
    assert refused({"csv": header + "\r\n\r\n"})["code"] == "NO_ROWS"
    assert refused({"csv": "\ufeff\n\n"})["code"] == "EMPTY_CSV"
    unknown = refused({"csv": "reportId,externalId,kind,occurredAt,colour,Size\n1,e,sent,x\n"})
    assert (unknown["code"], unknown["field"]) == ("UNKNOWN_COLUMNS", "csv")
    assert "«colour», «Size»" in unknown["message"]
    missing = refused({"csv": "reportId,kind\n1,sent\n"})
    assert missing["code"] == "MISSING_COLUMNS"
    assert "externalId, occurredAt" in missing["message"]
    assert refused({"csv": 'reportId,externalId,kind,occurredAt\n1,"e,sent,x\n'})["code"] == (
        "INVALID_CSV"
    )
    both = refused({"csv": header + "1,e,sent,x", "lines": "{}"})
    neither = refused({})
    assert both["code"] == neither["code"] == "ONE_FORMAT"
    too_many = header + "1,e,sent,x\n" * 5001
    assert (refused({"csv": too_many})["code"], refused({"csv": too_many})["field"]) == (
        "INVALID_IMPORT_SIZE",
        "csv",
    )


def test_csv_import_is_refused_to_clients_and_names_nothing_at_another_firm(
    world: World, worker: Worker
) -> None:
    report = new_report(world.integrator_a, world.org1)
    org = world.admin_a.execute(ORG_INN, {"id": world.org1})["node"]
    text = (
        "reportId,inn,formCode,periodYear,periodCode,externalId,kind,occurredAt\n"
        f"{report['id']},,,,,{external_id()},accepted,{at(0).isoformat()}\n"
        f",{org['inn']},pers_sved,{report['periodYear']},{report['periodCode']},"
        f"{external_id()},accepted,{at(0).isoformat()}\n"
    )
    assert error_codes(world.client1.raw(IMPORT_CSV, {"csv": text})) == ["FORBIDDEN"]
    # Firm B names firm A's report by its id and by the organization's INN: neither exists there.
    state = finished(world.admin_b, start_csv(world.admin_b, text)["id"])
    assert [(e["line"], e["code"]) for e in state["errors"]] == [(2, "NOT_FOUND"), (3, "NOT_FOUND")]
    assert world.admin_a.execute(ONE, {"id": report["id"]})["report"]["status"] == "DRAFT"


def test_a_nul_in_the_file_refuses_its_row_alone(world: World, worker: Worker) -> None:
    """A U+0000 (PostgreSQL refuses it in text) was INTERNAL for the whole import: now that
    line is reported and the good rows are recorded, in both formats."""
    c = world.integrator_a
    report = new_report(c, world.org1)
    good = [external_id("nul") for _ in range(4)]
    lines = [
        line(reportId=report["id"], externalId=good[0], kind="SENT", occurredAt=at(0).isoformat()),
        line(
            reportId=report["id"],
            externalId=external_id("nul"),
            kind="DELIVERED",
            occurredAt=at(5).isoformat(),
            text="a\x00b",
        ),
        '{"reportId": "x", "externalId": "raw\x00nul"}',
        line(
            reportId=report["id"],
            externalId=good[1],
            kind="DELIVERED",
            occurredAt=at(9).isoformat(),
        ),
    ]
    state = finished(
        c, c.execute(IMPORT_CSV, {"lines": "\n".join(lines)})["importReportEvents"]["id"]
    )
    assert (state["status"], state["recorded"], state["failed"]) == ("DONE", 2, 2), state
    assert [(e["line"], e["code"], e["field"]) for e in state["errors"]] == [
        (2, "CONTROL_CHARACTER", "text"),
        (3, "INVALID_JSON", None),
    ]
    assert all("\x00" not in e["message"] for e in state["errors"])
    csv_text = "\r\n".join(
        [
            "reportId,externalId,kind,occurredAt,text",
            f"{report['id']},{good[2]},ACCEPTED,{at(20).isoformat()},ok",
            f"{report['id']},{external_id('nul')},ACCEPTED,{at(21).isoformat()},bad\x00cell",
            f'{report["id"]},{good[3]},ACCEPTED,{at(22).isoformat()},"line\nbreak"',
        ]
    )
    state = finished(c, start_csv(c, csv_text)["id"], **{"accept-language": "en"})
    assert (state["status"], state["recorded"], state["failed"]) == ("DONE", 2, 1), state
    (error,) = state["errors"]
    assert (error["line"], error["code"], error["field"]) == (3, "CONTROL_CHARACTER", "text")
    assert "control character" in error["message"], error
    timeline = world.admin_a.execute(ONE, {"id": report["id"]})["report"]["timeline"]
    assert {e["externalId"] for e in timeline} >= set(good), timeline
