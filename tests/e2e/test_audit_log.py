"""The audit log page in the browser: an auditor opens "Журнал действий" from the navigation,
narrows the log by action, by a person and by an object (clicking them in the list), pages
through a long log, sees a period that ends before it starts refused, switches to English,
and exports the filtered log to CSV (the progress bar reaches done, the file holds the rows
shown). A manager has neither the link nor the page. The views-and-downloads page shows
report documents next to the drive's files."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dramatiq import Worker
from playwright.sync_api import expect

from saas.tenants.provisioning import schema_for
from tests.e2e.support import FirmAdmin, Site, expect_text, log_in, open_section
from tests.support.auth import create_person

RENAME = """mutation($input: UpdateClientOrganizationInput!) {
  updateClientOrganization(input: $input) { __typename } }"""
CREATE_ROLE = """mutation($name: String!) { createRole(name: $name, permissions: [
  {object: "clients", action: "read"}]) { __typename } }"""


def test_auditor_filters_pages_and_exports_the_audit_log(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
    artifacts: Path,
    e2e_worker: Worker,
) -> None:
    firm = firms["a"]
    admin = firm_admins["a"]
    suffix = uuid.uuid4().hex[:6]
    auditor = create_person(
        db_engine,
        f"e2e-auditor-{suffix}@example.test",
        display_name=f"Аудитор {suffix}",
        memberships=[(firm.id, "staff", ["auditor"], None)],
    )
    manager = create_person(
        db_engine,
        f"e2e-audit-manager-{suffix}@example.test",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    # What the firm admin does through the API: an organization created and renamed, a role.
    org_id, org_pk = admin.create_organization(f"ООО «Журнал {suffix}»")
    new_name = f"ООО «Журнал-2 {suffix}»"
    renamed = admin.api.execute(RENAME, {"input": {"id": org_id, "name": new_name}})
    assert renamed["updateClientOrganization"]["__typename"] == "ClientOrganization"
    role = f"e2e_audit_{suffix}"
    assert admin.api.execute(CREATE_ROLE, {"name": role})["createRole"]["__typename"] == "Role"
    # A long log of the platform's operator on one object: 60 entries, a page holds 50.
    start = datetime(2022, 6, 1, 9, 0, tzinfo=UTC)
    with db_engine.begin() as conn:
        for i in range(60):
            conn.execute(
                sa.text(
                    f'INSERT INTO "{schema_for(firm.slug)}".audit_log '
                    "(actor, action, object_type, object_id, data, at) "
                    "VALUES ('operator:cli', 'security.update', 'firm', :o, :d, :at)"
                ),
                {"o": f"e2e-{suffix}", "d": json.dumps({"n": i}), "at": start + timedelta(hours=i)},
            )
    today = datetime.now().date().isoformat()
    admin_name = f"E2E Admin {firm.slug}"

    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="ru-RU", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), auditor.email, auditor.password)
        page.wait_for_url("**/clients")
        open_section(page, "Журнал действий")
        page.wait_for_url("**/audit/log")
        rows = page.locator("[data-testid=audit-row]")
        rows.first.wait_for()

        # Roles' actions since today: the admin's new role.
        page.locator("[data-testid=audit-filter-action]").select_option(value="role.")
        page.locator("[data-testid=audit-filter-since]").fill(today)
        page.locator("[data-testid=audit-filter-apply]").click()
        page.wait_for_function(
            "() => { const rows = [...document.querySelectorAll('[data-testid=audit-row]')];"
            " return rows.length > 0 && rows.every(r => r.dataset.action.startsWith('role.')); }"
        )
        created = rows.filter(has_text=role)
        assert created.count() == 1
        assert "Создана роль" in created.first.inner_text()
        assert admin_name in created.first.inner_text()

        # Everything the admin did today (clicking the name), then only the organization
        # (clicking the object): its creation and its renaming, newest first.
        page.locator("[data-testid=audit-filter-action]").select_option(value="")
        page.locator("[data-testid=audit-filter-apply]").click()
        created.first.locator("[data-testid=audit-actor]").click()
        expect_text(page, "[data-testid=audit-filter-who]", f"{admin_name} ×")
        org_row = rows.filter(has_text=f"client_organization {org_pk}").first
        org_row.wait_for()
        org_row.locator("[data-testid=audit-object]").click()
        expect(rows).to_have_count(2)
        assert rows.evaluate_all("rows => rows.map(r => r.dataset.action)") == [
            "client_organization.update",
            "client_organization.create",
        ]
        assert "Изменена карточка клиента" in rows.first.inner_text()
        assert f"ООО «Журнал {suffix}»" in rows.nth(1).inner_text()  # the entry's details
        page.screenshot(path=str(artifacts / "audit-log.png"), full_page=True)

        # Exported as filtered: the progress bar reaches done, the file holds the two rows.
        page.locator("[data-testid=audit-export]").click()
        page.locator("[data-testid=audit-export-box][data-status=DONE]").wait_for(timeout=30_000)
        expect_text(
            page,
            "[data-testid=audit-export-status]",
            "Выгрузка готова · Выгрузка: 2 из 2 · Строк: 2",
        )
        progress = page.locator("[data-testid=audit-export-progress]")
        assert progress.get_attribute("value") == progress.get_attribute("max") == "2"
        with page.expect_download() as info:
            page.locator("[data-testid=audit-export-download]").click()
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        exported = list(csv.DictReader(io.StringIO(text)))
        assert [(r["action"], r["object_id"], r["actor_name"]) for r in exported] == [
            ("client_organization.update", str(org_pk), admin_name),
            ("client_organization.create", str(org_pk), admin_name),
        ]
        assert exported[1]["action_label"] == "Создана организация клиента"

        # A period ending before it starts is refused with the API's words.
        page.locator("[data-testid=audit-filter-until]").fill("2020-01-01")
        page.locator("[data-testid=audit-filter-apply]").click()
        expect_text(page, "[data-testid=audit-refusal]", "Начало периода позже его конца.")

        # The operator's long log, typed in: 60 entries, 50 on the first page, 10 on the next.
        page.goto(site.firm_url(firm, "/audit/log"))
        page.locator("[data-testid=audit-filter-actor]").fill("operator:cli")
        page.locator("[data-testid=audit-filter-object-type]").fill("firm")
        page.locator("[data-testid=audit-filter-object-id]").fill(f"e2e-{suffix}")
        page.locator("[data-testid=audit-filter-apply]").click()
        expect_text(page, "[data-testid=audit-total]", "Записей: 60")
        expect(rows).to_have_count(50)
        assert "Оператор платформы" in rows.first.inner_text()
        assert '"n"' not in rows.first.inner_text() and "59" in rows.first.inner_text()
        page.locator("[data-testid=audit-next]").click()
        expect(rows).to_have_count(10)
        assert "9" in rows.first.inner_text() and "Изменены настройки безопасности" in (
            rows.first.inner_text()
        )
        page.locator("[data-testid=audit-previous]").click()
        expect(rows).to_have_count(50)

        # In English: the API words actions and actors in the chosen language.
        page.get_by_role("button", name="EN").click()
        expect(rows.first.locator("[data-testid=audit-action]")).to_contain_text(
            "Security settings changed"
        )
        expect(rows.first.locator("[data-testid=audit-actor]")).to_have_text("Platform operator")
        page.screenshot(path=str(artifacts / "audit-log-en.png"), full_page=True)

        # A manager has no link, and the page shows the API's refusal.
        other = context.new_page()
        context.clear_cookies()
        log_in(other, site.firm_url(firm, "/login"), manager.email, manager.password)
        other.wait_for_url("**/clients")
        expect(other.get_by_role("link", name="Audit log")).to_have_count(0)
        expect(other.get_by_role("link", name="Журнал действий")).to_have_count(0)
        other.goto(site.firm_url(firm, "/audit/log"))
        other.get_by_role("alert").first.wait_for()
        assert other.locator("[data-testid=audit-row]").count() == 0
    finally:
        context.close()


REPORT = """mutation($o: ID!) { createReport(input: {organizationId: $o, formCode: "vat",
  periodYear: 2025, periodCode: "Q2", authorityCode: "7701"}) {
  __typename ... on Report { id } } }"""
RECORD_DOCUMENT = """mutation($r: ID!, $n: String!, $b: String!) { recordReportEvent(input: {
  reportId: $r, externalId: "sent", kind: SENT, occurredAt: "2026-01-01T00:00:00+00:00",
  documents: [{kind: REPORT_FILE, filename: $n, contentBase64: $b}]}) { __typename
  ... on ReportEventRecorded { event { documents { id } } } } }"""
REPORT_LINK = """mutation($d: ID!) { reportDocumentLink(documentId: $d) { __typename
  ... on ReportDocumentLink { url } } }"""


def test_document_access_page_shows_report_documents(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    artifacts: Path,
    e2e_worker: Worker,
) -> None:
    """A report document downloaded through its link is in the firm's views-and-downloads
    page next to the drive's files, marked «Отчётность», and in its CSV export."""
    firm = firms["a"]
    admin = firm_admins["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, _ = admin.create_organization(f"ООО «Отчёт {suffix}»")
    report = admin.api.execute(REPORT, {"o": org_id})["createReport"]
    assert report["__typename"] == "Report", report
    name = f"NDS-{suffix}.xml"
    body = b"<report/>"
    recorded = admin.api.execute(
        RECORD_DOCUMENT,
        {"r": report["id"], "n": name, "b": base64.b64encode(body).decode()},
    )["recordReportEvent"]
    document = recorded["event"]["documents"][0]["id"]
    link = admin.api.execute(REPORT_LINK, {"d": document})["reportDocumentLink"]
    fetched = admin.api.http.get(link["url"], headers=admin.api.headers())
    assert fetched.status_code == 200 and fetched.content == body

    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="ru-RU", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        page.wait_for_url("**/clients")
        open_section(page, "Журнал документов")
        page.wait_for_url("**/audit/documents")
        page.locator("[data-testid=filter-kind]").select_option(value="REPORT")
        page.locator("[data-testid=filter-apply]").click()
        page.wait_for_function(
            "() => { const rows = [...document.querySelectorAll('[data-testid=access-row]')];"
            " return rows.length > 0 && rows.every(r => r.dataset.kind === 'REPORT'); }"
        )
        rows = page.locator("[data-testid=access-row]", has_text=name)
        expect(rows).to_have_count(2)  # the link issued, then fetched
        assert [
            r.strip() for r in rows.locator("[data-testid=access-action]").all_inner_texts()
        ] == [
            "Скачано",
            "Выдана ссылка для скачивания",
        ]
        assert {k.strip() for k in rows.locator("[data-testid=access-kind]").all_inner_texts()} == {
            "Отчётность"
        }
        assert f"ООО «Отчёт {suffix}»" in rows.first.inner_text()
        page.screenshot(path=str(artifacts / "document-access-report.png"), full_page=True)

        page.locator("[data-testid=export-csv]").click()
        page.locator("[data-testid=export-progress-box][data-status=DONE]").wait_for(timeout=30_000)
        with page.expect_download() as info:
            page.locator("[data-testid=export-download]").click()
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        exported = [r for r in csv.DictReader(io.StringIO(text)) if r["file"] == name]
        assert [(r["document_kind"], r["action"]) for r in exported] == [
            ("report", "download"),
            ("report", "downloaded"),
        ]
        assert {r["document_kind"] for r in csv.DictReader(io.StringIO(text))} == {"report"}
    finally:
        context.close()
