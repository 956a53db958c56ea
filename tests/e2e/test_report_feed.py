"""The report status feed in the browser: a client contact has the cabinet open while the
firm's integrator (an API token) records a rejection over GraphQL/HTTP; without a reload the
row turns "Rejected" with the "being fixed" mark, the summary count follows, and the report
page shows the rejection in its timeline with its notice, which the client may now download
(a report still in flight explains instead that its documents come once it is accepted or
rejected). The page prints without the cabinet's chrome. The firm's staff see the rejected
report first on the workspace's Reports page."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    CREATE_REPORT,
    CREATE_TOKEN,
    PASSWORD,
    RECORD,
    FirmAdmin,
    Site,
    accept_invitation,
    expect_text,
    invitation_token,
    log_in,
    no_horizontal_scroll,
    row,
)

REJECTION_TEXT = "Несоответствие контрольных соотношений"
XML = '<?xml version="1.0" encoding="UTF-8"?>\n<Файл ИдФайл="{name}"><Документ/></Файл>\n'


def document(kind: str, name: str) -> dict[str, str]:
    body = XML.format(name=name).encode()
    return {"kind": kind, "filename": name, "contentBase64": base64.b64encode(body).decode()}


def test_feed_updates_live_when_an_integrator_records_a_rejection(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
    e2e_settings: Settings,
    artifacts: Path,
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Лента {suffix}»")
    contact = f"feed-client-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REPORTS", "DOCUMENTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )

    # The firm's e-filing software: an integrator token, speaking GraphQL over HTTP.
    created = admin.api.execute(CREATE_TOKEN, {"name": f"feed-e2e-{suffix}"})["createApiToken"]
    assert created["__typename"] == "ApiTokenCreated", created
    integrator = site.api(site.firm_host(firm))
    integrator.token = created["token"]

    def create(form: str, year: int, period: str) -> str:
        out = integrator.execute(
            CREATE_REPORT,
            {
                "input": {
                    "organizationId": org_id,
                    "formCode": form,
                    "periodYear": year,
                    "periodCode": period,
                    "authorityCode": "7701",
                }
            },
        )["createReport"]
        assert out["__typename"] == "Report", out
        return str(out["id"])

    def record(report: str, key: str, kind: str, at: str, **extra: Any) -> dict[str, Any]:
        out = integrator.execute(
            RECORD,
            {
                "input": {
                    "reportId": report,
                    "externalId": f"{key}-{suffix}",
                    "kind": kind,
                    "occurredAt": at,
                    **extra,
                }
            },
        )["recordReportEvent"]
        assert out["__typename"] == "ReportEventRecorded", out
        return dict(out["report"])

    usn = create("usn", 2025, "Y")
    ndfl = create("6ndfl", 2025, "Q4")
    vat = create("vat", 2026, "Q1")
    record(usn, "usn-sent", "SENT", "2026-03-20T10:00:00+03:00")
    record(usn, "usn-ok", "ACCEPTED", "2026-03-21T10:00:00+03:00")
    # Still in flight: its report file is there, but not for the client yet.
    record(
        ndfl,
        "ndfl-sent",
        "SENT",
        "2026-02-20T10:00:00+03:00",
        documents=[document("REPORT_FILE", "NO_NDFL6_7701.xml")],
    )
    record(
        vat,
        "vat-sent",
        "SENT",
        "2026-04-20T10:00:00+03:00",
        documents=[document("REPORT_FILE", "NO_NDS_7701.xml")],
    )

    contexts = []

    def new_page(width: int = 1280, height: int = 900) -> Any:
        context = chromium.new_context(
            viewport={"width": width, "height": height}, locale="ru-RU", accept_downloads=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        page = new_page()
        log_in(page, site.firm_url(firm, "/login"), contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{org_pk}")
        # The feed is the cabinet's home: both reports, the VAT return "Sent".
        vat_row = row(page, vat)
        vat_row.wait_for()
        assert vat_row.get_attribute("data-status") == "SENT"
        assert (
            vat_row.locator("[data-testid=report-status]")
            .inner_text()
            .strip()
            .endswith("Отправлен")
        )
        assert vat_row.locator("[data-testid=being-fixed]").count() == 0
        assert row(page, usn).get_attribute("data-status") == "ACCEPTED"
        assert "1 квартал 2026" in vat_row.inner_text()
        assert "Документов: 1" in vat_row.inner_text()
        expect_text(page, "[data-testid=count-ALL]", "3 Все")
        assert page.locator("[data-testid=count-REJECTED]").count() == 0
        # The drive is still in the cabinet, below the feed.
        page.locator("[data-testid=drive]").wait_for()

        # A filter lives in the URL.
        page.locator("[data-testid=filter-status]").select_option("ACCEPTED")
        page.wait_for_url("**status=ACCEPTED")
        page.locator(f"[data-testid=reports-list] [data-report-id='{usn}']").wait_for()
        expect(page.locator(f"[data-testid=reports-list] [data-report-id='{vat}']")).to_have_count(
            0
        )
        page.locator("[data-testid=count-ALL]").click()
        vat_row.wait_for()

        # The live channel is up; a marker on the window tells a reload apart.
        page.locator("[data-testid=live-status][data-state=online]").wait_for()
        page.evaluate("window.__noReload = true")
        page.wait_for_timeout(1000)  # the feed's own subscription starts with the page

        status = record(
            vat,
            "vat-rejected",
            "REJECTED",
            "2026-04-21T09:30:00+03:00",
            text=REJECTION_TEXT,
            reasonCode="0400300003",
            documents=[document("REJECTION_NOTICE", "UVOTKAZ_7701.xml")],
        )
        assert status == {"status": "REJECTED", "beingFixed": True}

        page.wait_for_selector(
            f"[data-testid=reports-list] [data-report-id='{vat}'][data-status=REJECTED]",
            timeout=5_000,
        )
        vat_row.locator("[data-testid=being-fixed]").wait_for(timeout=5_000)
        assert "Исправляем" in vat_row.locator("[data-testid=being-fixed]").inner_text()
        assert vat_row.locator("[data-testid=report-status]").inner_text().strip().endswith("Отказ")
        # Status shapes are drawn SVGs (a cross for a rejection, a pencil for "being fixed"),
        # not dingbat characters a font may lack.
        assert vat_row.locator("[data-testid=report-status] svg[data-icon=cross]").count() == 1
        assert vat_row.locator("[data-testid=being-fixed] svg[data-icon=pencil]").count() == 1
        expect_text(page, "[data-testid=count-REJECTED]", "1 Отказ", timeout=5)
        expect_text(
            page,
            f"[data-report-id='{vat}'] [data-testid=report-document-count]",
            "· Документов: 2",
            timeout=5,
        )
        assert page.evaluate("window.__noReload === true"), "the page was reloaded"
        assert "flash" in (vat_row.get_attribute("class") or "")
        page.screenshot(path=str(artifacts / "report-feed-live.png"), full_page=True)

        # The report page: the rejection in the timeline, with its reason code.
        vat_row.locator("[data-testid=report-link]").click()
        page.wait_for_url(f"**/cabinet/{org_pk}/reports/**")
        rejected = page.locator("[data-testid=timeline-event][data-kind=REJECTED]")
        rejected.wait_for()
        assert REJECTION_TEXT in rejected.inner_text()
        assert "0400300003" in rejected.inner_text()
        kinds = page.locator("[data-testid=timeline-event]").evaluate_all(
            "els => els.map(e => e.dataset.kind)"
        )
        assert kinds == ["SENT", "REJECTED"]
        notice = rejected.locator("[data-testid=report-document][data-kind=REJECTION_NOTICE]")
        assert "UVOTKAZ_7701.xml" in notice.inner_text()
        # The flow is complete (rejected): the client downloads the notice.
        with page.expect_download() as downloaded:
            notice.locator("[data-testid=report-document-download]").click()
        assert downloaded.value.suggested_filename == "UVOTKAZ_7701.xml"
        assert "Документ" in Path(downloaded.value.path()).read_text(encoding="utf-8")
        assert page.locator("[data-testid=downloads-later]").count() == 0
        page.locator("[data-testid=being-fixed-note]").wait_for()
        assert "Лента" in page.locator("[data-testid=report-organization]").inner_text()
        page.screenshot(path=str(artifacts / "report-page.png"), full_page=True)
        # Printed: no header, navigation or buttons; the timeline on white.
        page.emulate_media(media="print")
        assert not page.locator("[data-testid=brand-header]").is_visible()
        assert not page.locator("[data-testid=report-print]").is_visible()
        assert page.locator("[data-testid=timeline]").is_visible()
        assert (
            page.eval_on_selector("body", "e => getComputedStyle(e).backgroundColor")
            == "rgb(255, 255, 255)"
        )
        page.screenshot(path=str(artifacts / "report-page-print.png"), full_page=True)
        page.emulate_media(media="screen")
        # In English: the form's English name, the period, status words and dates.
        page.locator(".lang-switch button[lang=en]").click()
        expect_text(page, "[data-testid=report-title]", "VAT return · Q1 2026")
        assert rejected.locator("[data-testid=event-kind]").inner_text() == "Rejected"
        assert "21/04/2026" in rejected.inner_text()  # the cabinet's one date style, in English
        assert "Being fixed" in page.locator("[data-testid=being-fixed]").inner_text()
        page.locator(".lang-switch button[lang=ru]").click()
        expect_text(page, "[data-testid=report-title]", "Декларация по НДС · 1 квартал 2026")

        # A report still in flight: its file is listed, no download button but the reason.
        page.goto(site.firm_url(firm, f"/cabinet/{org_pk}"))
        row(page, ndfl).locator("[data-testid=report-link]").click()
        page.locator("[data-testid=all-documents] [data-testid=report-document]").wait_for()
        assert page.locator("[data-testid=report-document-download]").count() == 0
        assert "когда налоговая примет отчёт или откажет" in (
            page.locator("[data-testid=downloads-later]").inner_text()
        )

        # On a phone the feed fits the width.
        phone = new_page(390, 844)
        log_in(phone, site.firm_url(firm, "/login"), contact, PASSWORD)
        phone.wait_for_url(f"**/cabinet/{org_pk}")
        row(phone, vat).wait_for()
        assert no_horizontal_scroll(phone)

        # The firm's staff: the workspace's Reports page, the rejected report first.
        staff = new_page()
        log_in(staff, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        staff.wait_for_url("**/clients")
        staff.locator("nav a[href='/reports']").click()
        staff.wait_for_url("**/reports")
        first = staff.locator("[data-testid=reports-list] [data-testid=report-row]").first
        first.wait_for()
        assert first.get_attribute("data-report-id") == vat
        assert first.get_attribute("data-status") == "REJECTED"
        assert "Лента" in first.locator("[data-testid=report-organization]").inner_text()
        # Filtered to the organization: the rejected report first, although another one
        # changed after it.
        record(ndfl, "ndfl-delivered", "DELIVERED", "2026-02-20T10:05:00+03:00")
        staff.goto(site.firm_url(firm, f"/reports?org={org_id}"))
        ours = staff.locator("[data-testid=reports-list] [data-testid=report-row]")
        ours.nth(2).wait_for()
        order = ours.evaluate_all("els => els.map(e => e.dataset.reportId)")
        assert order[:2] == [vat, ndfl] and set(order) == {vat, ndfl, usn}, order
        staff.screenshot(path=str(artifacts / "report-feed-staff.png"), full_page=True)
        # The staff's report page: the fix's due date, which the client does not see.
        ours.first.locator("[data-testid=report-link]").click()
        staff.wait_for_url("**/reports/*")
        note = staff.locator("[data-testid=being-fixed-note]")
        note.wait_for()
        assert note.inner_text().startswith("Исправляем: срок")
        staff.locator("[data-testid=follow-ups]").wait_for()
        assert staff.locator("[data-testid=report-document-download]").count() == 4
    finally:
        integrator.close()
        for context in contexts:
            context.close()
