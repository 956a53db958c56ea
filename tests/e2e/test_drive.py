"""The document drive in the browser: a client contact uploads into "From client" from the
cabinet (the progress bar reaches 100%), the responsible manager finds the file on the client
card and downloads it, and the firm admin's access log shows that download. The direction
rule shows in the UI: no upload control where the viewer may not upload. Filtered by the
organization, the log exports to CSV: the progress bar reaches done and the file holds the row."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dramatiq import Worker
from playwright.sync_api import expect
from strawberry.relay import GlobalID

from saas.settings import Settings
from tests.e2e.support import (
    CREATE_ORG,
    FirmAdmin,
    Site,
    accept_invitation,
    expect_text,
    invitation_token,
    log_in,
    open_section,
    png,
)
from tests.support.auth import create_person
from tests.support.clients import inn10, ogrn13

FOR_CLIENT = "Данные для клиента"
FROM_CLIENT = "Данные от клиента"
PASSWORD = "Quiet-River-2026"


def open_folder(page: Any, name: str) -> None:
    page.locator("[data-testid=drive-folder]", has_text=name).click()
    expect_text(page, "[data-testid=drive-folder-name]", name)


def test_upload_download_and_access_log(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
    e2e_settings: Settings,
    artifacts: Path,
    e2e_worker: Worker,
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    manager = create_person(
        db_engine,
        f"drive-manager-{suffix}@example.test",
        display_name=f"Менеджер {suffix}",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    org_name = f"ООО «Документ {suffix}»"
    created = admin.api.execute(
        CREATE_ORG,
        {
            "input": {
                "name": org_name,
                "legalForm": "OOO",
                "inn": inn10(),
                "kpp": "773601001",
                "ogrn": ogrn13(),
                "taxRegime": "USN_INCOME",
                "responsibleManagerId": str(GlobalID("Person", str(manager.id))),
            }
        },
    )["createClientOrganization"]
    assert created["__typename"] == "ClientOrganization", created
    org_id = created["id"]
    org_pk = int(GlobalID.from_id(org_id).node_id)

    contact = f"drive-client-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["DOCUMENTS", "UPLOAD"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )

    file_name = f"scan-{suffix}.png"
    body = png(40, 30, (200, 80, 40)) + b"\x00" * 300_000  # big enough for progress events

    contexts = []

    def new_page() -> Any:
        context = chromium.new_context(
            viewport={"width": 1280, "height": 900}, locale="ru-RU", accept_downloads=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        # The client uploads into "From client"; the progress bar reaches 100%.
        client = new_page()
        log_in(client, site.firm_url(firm, "/login"), contact, PASSWORD)
        client.wait_for_url(f"**/cabinet/{org_pk}")
        client.locator("[data-testid=drive]").wait_for()
        open_folder(client, FOR_CLIENT)
        # The firm's folder: no upload control for the client.
        client.locator("[data-testid=drive-readonly]").wait_for()
        assert client.locator("[data-testid=drive-upload]").count() == 0
        assert client.locator("[data-testid=drive-file-input]").count() == 0

        open_folder(client, FROM_CLIENT)
        client.locator("[data-testid=drive-upload]").wait_for()
        client.locator("[data-testid=drive-file-input]").set_input_files(
            {"name": file_name, "mimeType": "image/png", "buffer": body}
        )
        expect_text(client, "[data-testid=upload-percent]", "100%")
        assert client.locator("[data-testid=upload-progress]").get_attribute("value") == "100"
        client.get_by_text(f"Файл «{file_name}» загружен.").wait_for()
        row = client.locator(f"[data-testid=drive-file][data-name='{file_name}']")
        row.wait_for()
        client.screenshot(path=str(artifacts / "drive-client-uploaded.png"), full_page=True)
        # Clients may not delete.
        assert row.locator("[data-testid=drive-delete]").count() == 0

        # The manager opens the client card and downloads it.
        staff = new_page()
        log_in(staff, site.firm_url(firm, "/login"), manager.email, manager.password)
        staff.wait_for_url("**/clients")
        staff.goto(site.firm_url(firm, f"/clients/{org_id}"))
        expect_text(staff, "[data-testid=organization-name]", org_name)
        open_folder(staff, FROM_CLIENT)
        # The client's folder: staff do not upload there.
        staff.locator("[data-testid=drive-readonly]").wait_for()
        assert staff.locator("[data-testid=drive-upload]").count() == 0
        staff_row = staff.locator(f"[data-testid=drive-file][data-name='{file_name}']")
        staff_row.wait_for()
        assert f"Клиент {suffix}" in staff_row.inner_text()
        with staff.expect_download() as info:
            staff_row.locator("[data-testid=drive-download]").click()
        download = info.value
        assert download.suggested_filename == file_name
        assert Path(download.path()).read_bytes() == body
        # A preview of the image opens in the page.
        staff_row.locator("[data-testid=drive-view]").click()
        staff.locator("[data-testid=drive-preview] img").wait_for()
        staff.screenshot(path=str(artifacts / "drive-manager-card.png"), full_page=True)
        # The firm's folder: staff upload there.
        open_folder(staff, FOR_CLIENT)
        staff.locator("[data-testid=drive-upload]").wait_for()

        # The firm admin's access log shows the manager's download link, the preview link,
        # and the fetches of them (the browser got the bytes).
        audit = new_page()
        log_in(audit, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        audit.wait_for_url("**/clients")
        open_section(audit, "Журнал документов")
        audit.wait_for_url("**/audit/documents")
        rows = audit.locator("[data-testid=access-row]", has_text=file_name)
        entry = rows.filter(has_text="Выдана ссылка для скачивания")
        entry.first.wait_for()
        text = entry.first.inner_text()
        assert f"Менеджер {suffix}" in text and org_name in text
        assert rows.filter(has_text="Выдана ссылка для просмотра").count() == 1
        fetched = rows.filter(has_text="Скачано")
        assert fetched.count() >= 2  # the download and the preview's image
        assert f"Менеджер {suffix}" in fetched.first.inner_text()
        logged = rows.count()  # two links issued and each fetch of them
        audit.screenshot(path=str(artifacts / "drive-access-log.png"), full_page=True)

        # Filter by the organization, then export to CSV from the keyboard.
        audit.locator("[data-testid=filter-organization-search]").fill(suffix)
        audit.locator(f"[data-testid=filter-organization] option[value='{org_id}']").wait_for(
            state="attached"
        )
        audit.locator("[data-testid=filter-organization]").select_option(value=org_id)
        audit.locator("[data-testid=filter-apply]").click()
        expect(audit.locator("[data-testid=access-row]")).to_have_count(logged)
        audit.locator("[data-testid=export-csv]").focus()
        audit.keyboard.press("Enter")
        box = audit.locator("[data-testid=export-progress-box][data-status=DONE]")
        box.wait_for(timeout=30_000)
        expect_text(
            audit,
            "[data-testid=export-status]",
            f"Выгрузка готова · Выгрузка: {logged} из {logged} · Строк: {logged}",
        )
        progress = audit.locator("[data-testid=export-progress]")
        assert progress.get_attribute("value") == progress.get_attribute("max") == str(logged)
        link = audit.locator("[data-testid=export-download]")
        assert link.inner_text() == "Скачать CSV"
        audit.screenshot(path=str(artifacts / "drive-access-export.png"), full_page=True)
        with audit.expect_download() as info:
            link.click()
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == logged, rows
        downloads = [r for r in rows if r["action"] == "download"]
        assert len(downloads) == 1, rows
        assert downloads[0]["person_email"] == manager.email
        fetches = [r for r in rows if r["action"] == "downloaded"]
        assert len(fetches) == logged - 2 and fetches[0]["person_email"] == manager.email
        assert file_name in text and org_name in text
    finally:
        for context in contexts:
            context.close()
