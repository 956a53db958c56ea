"""Notification settings in the browser: a client contact opens them from the bell, switches
the e-mail of rejected reports off, and after a reload the choice is still there (and the API
agrees); a staff member does the same in English from the workspace."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from saas.settings import Settings
from tests.e2e.support import (
    PASSWORD,
    FirmAdmin,
    Site,
    accept_invitation,
    expect_text,
    invitation_token,
    log_in,
)
from tests.support.auth import create_person, login

PREFERENCES = "{ notificationPreferences { kind email } }"


def open_settings_from_the_bell(page: Any) -> None:
    page.locator("[data-testid=notification-bell]").click()
    page.locator("[data-testid=notification-settings]").click()
    page.wait_for_url("**/account/notifications")
    page.locator("[data-testid=notification-email-REPORT_REJECTED]").wait_for()


def test_client_switches_email_off_and_it_sticks(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Any,
) -> None:
    admin, firm = firm_admins["a"], firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Тишина {suffix}»")
    contact = f"quiet-client-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REPORTS"])
    accept_invitation(site, firm, invitation_token(e2e_settings, contact), PASSWORD, "Клиент")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{org_pk}")
        open_settings_from_the_bell(page)
        expect_text(page, "h1", "Настройки уведомлений")
        assert contact in page.locator(".notification-settings").inner_text()
        rejected = page.locator("[data-testid=notification-email-REPORT_REJECTED]")
        clarification = page.locator("[data-testid=notification-email-CLARIFICATION_REQUESTED]")
        assert rejected.is_checked() and clarification.is_checked()  # the defaults
        assert (
            "Отчёт отклонён"
            in page.locator("label[for=notification-email-REPORT_REJECTED]").inner_text()
        )

        rejected.click()
        expect_text(page, "[data-testid=notification-settings-saved]", "Сохранено.")
        page.reload()
        page.locator("[data-testid=notification-email-REPORT_REJECTED]").wait_for()
        page.screenshot(path=str(artifacts / "notification-settings.png"), full_page=True)
        assert not page.locator("[data-testid=notification-email-REPORT_REJECTED]").is_checked()
        assert page.locator("[data-testid=notification-email-CLARIFICATION_REQUESTED]").is_checked()

        api = site.api(site.firm_host(firm))
        try:
            login(api, contact, PASSWORD)
            assert api.execute(PREFERENCES)["notificationPreferences"] == [
                {"kind": "REPORT_REJECTED", "email": False},
                {"kind": "CLARIFICATION_REQUESTED", "email": True},
                # The chat's kinds (issue 13), untouched: e-mail by default.
                {"kind": "CHAT_MESSAGE", "email": True},
                {"kind": "CHAT_NOTICE", "email": True},
                {"kind": "CHAT_NOTICE_REMINDER", "email": True},
                # The requests' hard-deadline warning (issue 14), untouched too.
                {"kind": "REQUEST_DEADLINE_WARNING", "email": True},
            ]
        finally:
            api.close()

        back = page.locator("[data-testid=notification-settings-back]")
        # The arrow is a drawn SVG, hidden from screen readers: the link's name is its words.
        assert back.locator("svg[data-icon=arrow-left]").get_attribute("aria-hidden") == "true"
        assert "←" not in back.inner_text()
        page.get_by_role("link", name="Вернуться в кабинет", exact=True).click()
        page.wait_for_url(f"**/cabinet/{org_pk}")
    finally:
        context.close()


def test_staff_switches_email_in_english(
    chromium: Any, site: Site, firms: Any, db_engine: sa.Engine
) -> None:
    firm = firms["a"]
    person = create_person(
        db_engine,
        f"quiet-manager-{uuid.uuid4().hex[:6]}@example.test",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), person.email, person.password)
        page.wait_for_url("**/clients")
        page.locator(".lang-switch button[lang=en]").click()
        open_settings_from_the_bell(page)
        expect_text(page, "h1", "Notification settings")
        assert page.locator(".shell-nav").count() == 1  # the workspace's navigation stays
        clarification = page.locator("[data-testid=notification-email-CLARIFICATION_REQUESTED]")
        assert (
            "Clarification is requested"
            in page.locator("label[for=notification-email-CLARIFICATION_REQUESTED]").inner_text()
        )
        clarification.click()
        expect_text(page, "[data-testid=notification-settings-saved]", "Saved.")
        page.reload()
        page.locator("[data-testid=notification-email-CLARIFICATION_REQUESTED]").wait_for()
        assert not page.locator(
            "[data-testid=notification-email-CLARIFICATION_REQUESTED]"
        ).is_checked()
        assert page.locator("[data-testid=notification-email-REPORT_REJECTED]").is_checked()
    finally:
        context.close()
