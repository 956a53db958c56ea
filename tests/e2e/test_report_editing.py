"""The firm runs its reports from the browser, without an integration: a new report from the
feed page (a refusal of the API shown on its field), a status recorded with a document, a
follow-up closed and another handed to a colleague, the report's responsible manager changed;
in Russian and, after the switch, in English; an import that creates the reports it names."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from dramatiq import Worker
from playwright.sync_api import expect

from tests.e2e.support import (
    CREATE_REPORT,
    RECORD,
    FirmAdmin,
    Site,
    axe_violations,
    log_in,
    no_horizontal_scroll,
)
from tests.support.auth import create_person
from tests.support.ids import pk

pytestmark = pytest.mark.usefixtures("branded")

DETAIL = """query($id: ID!) { report(id: $id) { ... on Report { status beingFixed
  responsibleManager { displayName } documents { name kind }
  followUps { status manager { displayName } } } } }"""


@pytest.fixture
def admin_page(page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin]) -> Any:
    admin = firm_admins["a"].person
    log_in(page, site.firm_url(firms["a"], "/login"), admin.email, admin.password)
    page.wait_for_url("**/clients")
    return page


def new_report(admin: FirmAdmin, org: str, period: str) -> str:
    data = admin.api.execute(
        CREATE_REPORT,
        {
            "input": {
                "organizationId": org,
                "formCode": "vat",
                "periodYear": 2025,
                "periodCode": period,
                "authorityCode": "7701",
            }
        },
    )["createReport"]
    assert data["__typename"] == "Report", data
    return str(data["id"])


def rejected(admin: FirmAdmin, report: str) -> None:
    data = admin.api.execute(
        RECORD,
        {
            "input": {
                "reportId": report,
                "externalId": f"e2e-{uuid.uuid4().hex}",
                "kind": "REJECTED",
                "occurredAt": "2026-04-20T09:00:00+03:00",
                "text": "Ошибка в КПП",
            }
        },
    )["recordReportEvent"]
    assert data["__typename"] == "ReportEventRecorded", data


def test_creating_a_report_in_the_browser(
    admin_page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], artifacts: Any
) -> None:
    page, admin = admin_page, firm_admins["a"]
    tag = uuid.uuid4().hex[:6]
    org, _ = admin.create_organization(f"ООО «Отчётная {tag}»")
    page.goto(site.firm_url(firms["a"], "/reports"))
    page.get_by_role("button", name="Новый отчёт").click()
    form = page.locator("[data-testid=new-report-form]")
    form.get_by_label("Найти клиента").fill(tag)
    organization = form.get_by_label("Организация")
    expect(organization.locator("option")).to_have_count(2)
    organization.select_option(org)
    form.get_by_label("Форма").select_option("vat")
    form.get_by_label("Год").fill("2026")
    form.get_by_label("Период").select_option("Q2")
    form.get_by_label("Код органа").fill("77")  # too short: the API says so on the field
    page.screenshot(path=str(artifacts / "report-new-form.png"), full_page=True)
    assert axe_violations(page) == []
    form.get_by_role("button", name="Создать отчёт").click()
    alert = form.get_by_role("alert")
    expect(alert).to_contain_text("Код органа")
    assert form.get_by_label("Код органа").get_attribute("aria-invalid") == "true"

    form.get_by_label("Код органа").fill("7701")
    form.get_by_role("button", name="Создать отчёт").click()
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    expect(page.locator("[data-testid=report-title]")).to_contain_text("2 квартал 2026")
    expect(page.locator("[data-testid=report-organization]")).to_have_text(f"ООО «Отчётная {tag}»")
    number = page.url.rsplit("/", 1)[1]
    report = admin.api.execute(
        "query($id: ID!) { report(id: $id) { ... on Report { formCode periodCode authorityCode "
        "status } } }",
        {"id": number},
    )["report"]
    assert report == {
        "formCode": "vat",
        "periodCode": "Q2",
        "authorityCode": "7701",
        "status": "DRAFT",
    }

    # From the feed filtered by this client (where its card links): a correction of it.
    page.goto(site.firm_url(firms["a"], f"/reports?org={org}"))
    page.get_by_role("button", name="Новый отчёт").click()
    form = page.locator("[data-testid=new-report-form]")
    expect(form.locator("[data-testid=new-report-organization]")).to_contain_text(tag)
    form.get_by_label("Форма").select_option("vat")
    form.get_by_label("Год").fill("2026")
    form.get_by_label("Период").select_option("Q2")
    form.get_by_label("Код органа").fill("7701")
    form.get_by_label("Номер корректировки").fill("1")
    form.get_by_role("button", name="Создать отчёт").click()
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    assert page.url.rsplit("/", 1)[1] != number
    expect(page.locator("main")).to_contain_text("Корректировка 1")


def test_recording_a_status_with_a_document_then_closing_the_fix(
    admin_page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], artifacts: Any
) -> None:
    page, admin = admin_page, firm_admins["a"]
    org, _ = admin.create_organization(f"ООО «Статусная {uuid.uuid4().hex[:6]}»")
    report = new_report(admin, org, "Q1")
    page.goto(site.firm_url(firms["a"], f"/reports/{pk(report)}"))
    page.get_by_role("button", name="Записать статус").click()
    form = page.locator("[data-testid=record-event-form]")
    form.get_by_label("Статус", exact=True).select_option("REJECTED")
    form.get_by_label("Когда это произошло").fill("2026-04-22T15:30")
    form.get_by_label("Комментарий").fill("Ошибка в КПП; см. уведомление")
    form.get_by_label("Код причины").fill("0400300003")
    form.get_by_label("Документы").set_input_files(
        {"name": "уведомление.xml", "mimeType": "text/xml", "buffer": b"<notice>refused</notice>"}
    )
    # The file's kind follows the status (a rejection notice), and can be changed.
    expect(form.get_by_label("Вид документа «уведомление.xml»")).to_have_value("REJECTION_NOTICE")
    page.screenshot(path=str(artifacts / "report-record-status.png"), full_page=True)
    assert axe_violations(page) == []
    form.get_by_role("button", name="Записать", exact=True).click()
    expect(page.get_by_text("Статус записан.")).to_be_visible()
    event = page.locator("[data-testid=timeline-event][data-kind=REJECTED]")
    expect(event).to_contain_text("Ошибка в КПП; см. уведомление")
    expect(event.locator("[data-testid=event-documents]")).to_contain_text("уведомление.xml")
    expect(page.locator("[data-testid=being-fixed-note]")).to_be_visible()
    state = admin.api.execute(DETAIL, {"id": report})["report"]
    assert (state["status"], state["beingFixed"]) == ("REJECTED", True)
    assert state["documents"] == [{"name": "уведомление.xml", "kind": "REJECTION_NOTICE"}]

    # The fix is done: close it; the report is no longer "being fixed".
    follow_up = page.locator("[data-testid=follow-up]")
    follow_up.get_by_role("button", name=re.compile("Закрыть исправление")).click()
    expect(page.locator("[data-testid=follow-up][data-status=done]")).to_be_visible()
    expect(page.locator("[data-testid=being-fixed-note]")).to_have_count(0)
    state = admin.api.execute(DETAIL, {"id": report})["report"]
    assert (state["beingFixed"], state["followUps"][0]["status"]) == (False, "done")


def test_handing_a_fix_over_and_changing_the_manager(
    admin_page: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
    artifacts: Any,
) -> None:
    page, admin = admin_page, firm_admins["a"]
    name = f"Ирина Коллегова {uuid.uuid4().hex[:4]}"
    create_person(
        db_engine, display_name=name, memberships=[(firms["a"].id, "staff", ["manager"], None)]
    )
    org, _ = admin.create_organization(f"ООО «Передача {uuid.uuid4().hex[:6]}»")
    report = new_report(admin, org, "Q3")
    rejected(admin, report)
    page.goto(site.firm_url(firms["a"], f"/reports/{pk(report)}"))

    follow_up = page.locator("[data-testid=follow-up]")
    follow_up.get_by_label("Передать").select_option(label=name)
    follow_up.get_by_role("button", name="Передать исправление").click()
    expect(page.get_by_text("Исправление передано.")).to_be_visible()
    expect(follow_up).to_contain_text(f"исполнитель: {name}")
    state = admin.api.execute(DETAIL, {"id": report})["report"]
    assert state["followUps"][0]["manager"]["displayName"] == name
    assert state["beingFixed"] is True  # handing over closes nothing

    page.get_by_role("button", name="Сменить ответственного").click()
    page.locator("[data-testid=report-manager-form]").get_by_label(
        "Ответственный менеджер"
    ).select_option(label=name)
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("[data-testid=report-manager]")).to_contain_text(name)
    expect(page.get_by_text("Ответственный за отчёт изменён.")).to_be_visible()
    state = admin.api.execute(DETAIL, {"id": report})["report"]
    assert state["responsibleManager"]["displayName"] == name
    page.screenshot(path=str(artifacts / "report-follow-ups.png"), full_page=True)
    assert axe_violations(page) == []

    # On a phone the actions stay inside the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Записать статус").click()
    expect(page.locator("[data-testid=record-event-form]")).to_be_visible()
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "report-follow-ups-390.png"), full_page=True)
    page.get_by_role("button", name="Отмена").click()
    page.set_viewport_size({"width": 1280, "height": 860})

    # In English.
    page.locator(".lang-switch button[lang=en]").click()
    expect(page.get_by_role("button", name="Change the manager")).to_be_visible()
    expect(page.get_by_role("button", name="Record a status")).to_be_visible()
    expect(follow_up.get_by_role("button", name="Hand over the fix")).to_be_visible()
    expect(follow_up).to_contain_text(f"assigned to {name}")


def test_an_import_creates_the_reports_it_names(
    admin_page: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_worker: Worker,
) -> None:
    """A season of filings from the operator's export: the report does not exist yet."""
    page, admin = admin_page, firm_admins["a"]
    org, _ = admin.create_organization(f"ООО «Сезонная {uuid.uuid4().hex[:6]}»")
    inn = admin.api.execute(
        "query($id: ID!) { node(id: $id) { ... on ClientOrganization { inn kpp } } }", {"id": org}
    )["node"]
    key = uuid.uuid4().hex[:8]
    csv_text = (
        "\ufeffinn;formCode;periodYear;periodCode;externalId;kind;occurredAt\r\n"
        f"{inn['inn']};rsv;2026;Q1;e2e-{key}-sent;sent;2026-04-24T10:00:00+03:00\r\n"
        f"{inn['inn']};rsv;2026;Q1;e2e-{key}-ok;accepted;2026-04-27T10:00:00+03:00\r\n"
        f"0000000000;rsv;2026;Q1;e2e-{key}-stranger;sent;2026-04-24T10:00:00+03:00\r\n"
    )
    page.goto(site.firm_url(firms["a"], "/reports/import"))
    expect(page.get_by_text("создаёт его, если такого ещё нет")).to_be_visible()
    page.locator("[data-testid=import-file]").set_input_files(
        {"name": "season.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.locator("[data-testid=import-start]").click()
    page.locator("[data-testid=import-progress-box][data-status=DONE]").wait_for(timeout=30_000)
    expect(page.locator("[data-testid=import-created]")).to_have_text("Создано отчётов: 1")
    expect(page.locator("[data-testid=import-recorded]")).to_have_text("Записано: 2")
    error = page.locator("[data-testid=import-error]")
    assert (error.get_attribute("data-line"), error.get_attribute("data-code")) == (
        "4",
        "NOT_FOUND",
    )
    expect(error).to_contain_text("inn")

    edges = admin.api.execute(
        "query($o: ID!) { reports(organizationId: $o, first: 5) { edges { node { formCode "
        "periodCode authorityCode status } } } }",
        {"o": org},
    )["reports"]["edges"]
    tax_office = (inn["kpp"] or inn["inn"])[:4]
    assert [e["node"] for e in edges] == [
        {"formCode": "rsv", "periodCode": "Q1", "authorityCode": tax_office, "status": "ACCEPTED"}
    ]
