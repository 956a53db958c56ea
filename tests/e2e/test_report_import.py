"""Report event import in the browser: a manager opens the import page from the workspace
navigation, drops in a small `;`-separated CSV (as Russian Excel saves it) with one good and
one bad row, sees the row count, starts the import, watches the progress finish, and reads
the bad row's error with its line number; the good event is recorded (checked over GraphQL)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dramatiq import Worker
from strawberry.relay import GlobalID

from tests.e2e.support import CREATE_ORG, FirmAdmin, Site, expect_text, log_in
from tests.support.auth import create_person
from tests.support.clients import inn10, ogrn13

CREATE_REPORT = """mutation($o: ID!) { createReport(input: {organizationId: $o, formCode: "vat",
  periodYear: 2026, periodCode: "Q1", authorityCode: "7701"}) { __typename
  ... on Report { id } ... on Error { code message } } }"""
REPORT = """query($id: ID!) { report(id: $id) { __typename
  ... on Report { status timeline { externalId kind text } } } }"""


def test_manager_imports_a_csv_and_reads_the_bad_rows_error(
    page: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
    artifacts: Path,
    e2e_worker: Worker,
) -> None:
    admin, firm = firm_admins["a"], firms["a"]
    suffix = uuid.uuid4().hex[:6]
    manager = create_person(
        db_engine,
        f"import-manager-{suffix}@example.test",
        display_name=f"Менеджер {suffix}",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    inn = inn10()
    org = admin.api.execute(
        CREATE_ORG,
        {
            "input": {
                "name": f"ООО «Импорт {suffix}»",
                "legalForm": "OOO",
                "inn": inn,
                "kpp": "773601001",
                "ogrn": ogrn13(),
                "taxRegime": "USN_INCOME",
                "responsibleManagerId": str(GlobalID("Person", str(manager.id))),
            }
        },
    )["createClientOrganization"]
    assert org["__typename"] == "ClientOrganization", org
    report = admin.api.execute(CREATE_REPORT, {"o": org["id"]})["createReport"]
    assert report["__typename"] == "Report", report

    good = f"e2e-import-{suffix}-accepted"
    csv_text = (
        "\ufeffinn;formCode;periodYear;periodCode;externalId;kind;occurredAt;text\r\n"
        f'{inn};vat;2026;Q1;{good};accepted;2026-04-27T10:00:00+03:00;"Принят; квитанция"\r\n'
        f"{inn};vat;2026;Q1;e2e-import-{suffix}-bad;teleported;2026-04-27T10:00:00+03:00;\r\n"
    )

    log_in(page, site.firm_url(firm, "/login"), manager.email, manager.password)
    page.wait_for_url("**/clients")
    page.get_by_role("link", name="Импорт событий").click()
    page.wait_for_url("**/reports/import")
    expect_text(page, "h1", "Импорт событий отчётности")
    # Only the import item is current, not "Reports" whose path is its parent.
    nav = page.locator("nav.shell-nav")
    assert nav.get_by_role("link", name="Импорт событий").get_attribute("aria-current") == "page"
    assert nav.get_by_role("link", name="Отчётность").get_attribute("aria-current") is None
    template = page.locator("[data-testid=import-template]")
    assert (template.get_attribute("href") or "").startswith("data:text/csv")

    page.locator("[data-testid=import-file]").set_input_files(
        {"name": "statuses.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    picked = page.locator("[data-testid=import-picked]")
    picked.wait_for()
    assert picked.get_attribute("data-rows") == "2"
    assert "statuses.csv" in picked.inner_text()

    page.locator("[data-testid=import-start]").click()
    page.locator("[data-testid=import-progress-box][data-status=DONE]").wait_for(timeout=30_000)
    progress = page.locator("[data-testid=import-progress]")
    assert (progress.get_attribute("value"), progress.get_attribute("max")) == ("2", "2")
    expect_text(page, "[data-testid=import-recorded]", "Записано: 1")
    expect_text(page, "[data-testid=import-failed]", "С ошибками: 1")
    rows = page.locator("[data-testid=import-error]")
    assert rows.count() == 1
    assert (rows.first.get_attribute("data-line"), rows.first.get_attribute("data-code")) == (
        "3",
        "INVALID_KIND",
    )
    cells = rows.first.locator("td")
    assert cells.nth(0).inner_text() == "3"
    assert cells.nth(1).inner_text() == "kind"
    assert "одно из" in cells.nth(2).inner_text()
    page.screenshot(path=str(artifacts / "report-import-done.png"), full_page=True)

    recorded = admin.api.execute(REPORT, {"id": report["id"]})["report"]
    assert recorded["status"] == "ACCEPTED"
    assert [(e["externalId"], e["text"]) for e in recorded["timeline"]] == [
        (good, "Принят; квитанция")
    ]
