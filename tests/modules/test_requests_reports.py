"""A report rejected by the tax authority opens a service request for the responsible
department (issue 14): recorded over GraphQL by the reports module, the request is opened by
the requests module's announce hook (reports never imports it), once per follow-up, under
review, performed by the report's responsible manager, due on the follow-up's date, linked
to the report and the follow-up; a clarification request or a duplicate event opens none;
the fix service never shows in the client's catalog."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.announcements import announced
from tests.support.ids import pk
from tests.support.reports import ONE, World, at, build_world, external_id, new_report, record
from tests.support.waiting import eventually

LIST = """query($o: ID) { serviceRequests(organizationId: $o, first: 50) { id title status
  dueDate hardDueDate departmentId reportId reportFollowUpId performer { id } serviceId
  comments { side body } } }"""
DEPARTMENTS = "{ requestDepartments { id key } }"
CATALOG = "query($o: ID!) { serviceCatalog(organizationId: $o) { id name } }"


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def requests_of(world: World, report: str) -> list[dict[str, Any]]:
    found = world.admin_a.execute(LIST, {"o": world.org1})["serviceRequests"]
    return [r for r in found if r["reportId"] == report]


def test_a_rejected_report_opens_one_request_for_its_department(world: World) -> None:
    admin = world.admin_a
    departments = {d["key"]: d["id"] for d in admin.execute(DEPARTMENTS)["requestDepartments"]}
    payroll = new_report(admin, world.org1)  # персонифицированные сведения: HR
    record(admin, payroll["id"], "SENT", at(0))
    ext = external_id("rej")
    rejected = record(admin, payroll["id"], "REJECTED", at(30), ext, text="Ошибка в СНИЛС")
    assert rejected["report"]["status"] == "REJECTED", rejected

    [opened] = eventually(lambda: requests_of(world, payroll["id"]), within=15, what="the request")
    report = admin.execute(ONE, {"id": payroll["id"]})["report"]
    follow_up = report["followUps"][0]
    assert opened["status"] == "UNDER_REVIEW"
    assert opened["departmentId"] == departments["hr"]
    assert opened["title"].startswith("Исправить отчёт: ")
    assert (opened["dueDate"], opened["hardDueDate"]) == (follow_up["dueDate"],) * 2
    assert opened["performer"]["id"] == report["responsibleManager"]["id"]
    assert opened["reportFollowUpId"]
    assert opened["comments"] == [
        {"side": "SYSTEM", "body": "Заявка открыта автоматически: налоговый орган отклонил отчёт"}
    ]
    english = admin.execute(LIST, {"o": world.org1}, headers={"accept-language": "en"})
    mine = [r for r in english["serviceRequests"] if r["id"] == opened["id"]]
    assert mine[0]["comments"][0]["body"] == (
        "Opened automatically: the tax authority rejected the report"
    )

    # The same event again: a duplicate, no second request.
    again = record(admin, payroll["id"], "REJECTED", at(30), ext, text="Ошибка в СНИЛС")
    assert again["duplicate"] is True
    assert len(requests_of(world, payroll["id"])) == 1

    # Another form: Accounting; the fix service is the same, never in the client's catalog.
    vat = new_report(admin, world.org1, formCode="vat", periodCode="Q1", periodYear=2031)
    record(admin, vat["id"], "SENT", at(0))
    record(admin, vat["id"], "REJECTED", at(40))
    [accounting] = eventually(
        lambda: requests_of(world, vat["id"]), within=15, what="the VAT request"
    )
    assert accounting["departmentId"] == departments["accounting"]
    assert accounting["serviceId"] == opened["serviceId"]
    catalog = admin.execute(CATALOG, {"o": world.org1})["serviceCatalog"]
    assert opened["serviceId"] not in {s["id"] for s in catalog}
    assert pk(opened["id"]) != pk(accounting["id"])


def test_a_clarification_request_opens_none_and_another_firm_sees_nothing(world: World) -> None:
    admin = world.admin_a
    report = new_report(admin, world.org1)
    record(admin, report["id"], "SENT", at(0))
    asked = record(admin, report["id"], "CLARIFICATION_REQUESTED", at(10))
    assert asked["report"]["beingFixed"] is True, asked
    # A rejection recorded after it does open one: once the clarification request's
    # announcement is done (the answer does not wait for it), none was opened for it.
    announced()
    before = requests_of(world, report["id"])
    assert before == []
    record(admin, report["id"], "REJECTED", at(20))
    eventually(lambda: requests_of(world, report["id"]), within=15, what="request")
    outsider = world.admin_b.execute(LIST)["serviceRequests"]
    assert not [r for r in outsider if r["reportId"] == report["id"]]
