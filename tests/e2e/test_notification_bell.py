"""The notification bell in the browser: a client contact holding the Reports grant sees the
unread count of a rejection the integrator recorded, opens the bell, follows the notification
to the report's page in the cabinet (which marks it read), and "mark all read" clears a new
one."""

from __future__ import annotations

import uuid
from typing import Any

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
)


def test_bell_counts_lists_links_and_marks_read(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
) -> None:
    admin, firm = firm_admins["a"], firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Колокол {suffix}»")
    contact = f"bell-client-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REPORTS"])
    accept_invitation(site, firm, invitation_token(e2e_settings, contact), PASSWORD, "Клиент")
    created = admin.api.execute(CREATE_TOKEN, {"name": f"bell-e2e-{suffix}"})["createApiToken"]
    integrator = site.api(site.firm_host(firm))
    integrator.token = created["token"]

    def rejected(year: int) -> str:
        report = integrator.execute(
            CREATE_REPORT,
            {
                "input": {
                    "organizationId": org_id,
                    "formCode": "vat",
                    "periodYear": year,
                    "periodCode": "Q1",
                    "authorityCode": "7701",
                }
            },
        )["createReport"]
        assert report["__typename"] == "Report", report
        out = integrator.execute(
            RECORD,
            {
                "input": {
                    "reportId": report["id"],
                    "externalId": f"bell-{year}-{suffix}",
                    "kind": "REJECTED",
                    "occurredAt": f"{year}-04-21T09:30:00+03:00",
                    "text": "Ошибка в КПП",
                }
            },
        )["recordReportEvent"]
        assert out["__typename"] == "ReportEventRecorded", out
        return str(report["id"])

    rejected(2025)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{org_pk}")
        expect_text(page, "[data-testid=notification-count]", "1")
        bell = page.locator("[data-testid=notification-bell]")
        # The bell is drawn (an SVG, hidden from screen readers), not an emoji that renders as
        # an empty box without an emoji font; the button keeps its spoken name.
        icon = bell.locator("svg[data-icon=bell]")
        assert icon.get_attribute("aria-hidden") == "true"
        assert icon.bounding_box()["width"] > 8  # type: ignore[index]
        assert "\U0001f514" not in bell.inner_text()
        assert bell.get_attribute("aria-label") == "Уведомления: непрочитанных 1"
        bell.click()
        item = page.locator("[data-testid=notification-list] li").first
        item.wait_for()
        assert "Отчёт отклонён: Декларация по НДС, 1 кв. 2025" in item.inner_text()
        assert "Ошибка в КПП" in item.inner_text()
        item.locator("a").click()
        page.wait_for_url(f"**/cabinet/{org_pk}/reports/*")
        page.locator("[data-testid=notification-count]").wait_for(state="detached")

        rejected(2024)
        page.reload()
        expect_text(page, "[data-testid=notification-count]", "1")
        page.locator("[data-testid=notification-bell]").click()
        page.locator("[data-testid=notification-list] li").nth(1).wait_for()
        assert page.locator("[data-testid=notification-list] li.unread").count() == 1
        page.locator("[data-testid=notifications-mark-all]").click()
        page.locator("[data-testid=notification-count]").wait_for(state="detached")
        page.locator("[data-testid=notification-list] li.unread").first.wait_for(state="detached")
    finally:
        context.close()
