"""The calendars in the browser (issue 14): the firm's manager sets a data-exchange date on
the client card; the client contact (holding 'reports') opens «Календарь» from its cabinet and
sees it in the next 15 days, the tax calendar of the year with a due date moved off a
Saturday and what the firm will do about each filing, gets its calendar link (shown once)
and the .ics at that link holds the same event. The page has no axe violation and fits a
phone's width. The manager then states the organization has no employees on the card, and
its tax calendar loses the РСВ."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from icalendar import Calendar
from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    PASSWORD,
    FirmAdmin,
    Site,
    accept_invitation,
    axe_violations,
    invitation_token,
    log_in,
    no_horizontal_scroll,
)


def test_the_client_sees_its_calendar_and_subscribes_to_it(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Path,
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Календарь {suffix}»")
    contact = f"calendar-client-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REPORTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )
    title = f"Выписки банка {suffix}"
    day = date.today() + timedelta(days=2)

    contexts = []

    def new_page(width: int = 1280, height: int = 900) -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        manager = new_page()
        log_in(manager, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        manager.wait_for_url("**/clients")
        manager.goto(site.firm_url(firm, f"/clients/{org_pk}"))
        form = manager.get_by_test_id("exchange-form")
        form.get_by_label("Дата").fill(day.isoformat())
        form.get_by_label("Чем обмениваемся").fill(title)
        form.get_by_label("Примечание").fill("за прошлый месяц")
        manager.get_by_test_id("exchange-submit").click()
        expect(manager.get_by_test_id("exchange-dates")).to_contain_text(title)

        client = new_page()
        log_in(client, site.firm_url(firm, "/login"), contact, PASSWORD)
        client.wait_for_url(f"**/cabinet/{org_pk}")
        client.get_by_test_id("calendar-link").click()
        client.wait_for_url(f"**/cabinet/{org_pk}/calendar")
        event = client.get_by_test_id("calendar-event").filter(has_text=title)
        expect(event).to_contain_text("Обмен данными")
        expect(event).to_contain_text("за прошлый месяц")
        # The client cannot set exchange dates.
        expect(client.get_by_test_id("exchange-form")).to_have_count(0)

        # The tax calendar of 2025 (an LLC on УСН, an employer): РСВ for Q4 2024 was due on
        # Saturday 25 January 2025, so on Monday 27 January; the УСН return, no VAT.
        client.get_by_test_id("tax-year").select_option("2025")
        rsv = (
            client.get_by_test_id("tax-entry").filter(has_text="РСВ").filter(has_text="4 кв. 2024")
        )
        expect(rsv).to_contain_text("27.01.2025")
        expect(rsv).to_contain_text("перенесено с 25.01.2025")
        expect(rsv).to_contain_text("Запланировано")
        expect(
            client.get_by_test_id("tax-entry").filter(has_text="Декларация по УСН")
        ).to_contain_text("25.03.2025")
        expect(client.get_by_test_id("tax-entry").filter(has_text="НДС")).to_have_count(0)
        assert axe_violations(client) == []

        client.get_by_test_id("calendar-feed-rotate").click()
        url = client.get_by_test_id("calendar-feed-url").input_value()
        assert "/calendar/" in url and url.endswith(".ics")
        parts = urlsplit(url)
        response = httpx.get(
            f"http://127.0.0.1:{site.port}{parts.path}", headers={"host": site.firm_host(firm)}
        )
        assert response.status_code == 200, response.text
        summaries = [str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
        assert any(title in s for s in summaries), summaries
        client.screenshot(path=str(artifacts / "calendar-client.png"), full_page=True)

        # The firm states the organization has no employees: РСВ leaves its tax calendar.
        card = manager.get_by_test_id("client-calendar")
        expect(card.get_by_test_id("tax-entry").filter(has_text="РСВ").first).to_be_visible()
        manager.get_by_test_id("edit-client").click()
        manager.get_by_test_id("edit-employer").select_option("no")
        manager.get_by_test_id("save-client").click()
        manager.get_by_text("Реквизиты сохранены.").wait_for()  # saved before the reload
        manager.reload()
        card.get_by_test_id("tax-entry").first.wait_for()
        expect(card.get_by_test_id("tax-entry").filter(has_text="РСВ")).to_have_count(0)
        expect(card.get_by_test_id("tax-entry").filter(has_text="Декларация по УСН")).to_have_count(
            1
        )

        phone = new_page(390, 844)
        log_in(phone, site.firm_url(firm, "/login"), contact, PASSWORD)
        phone.wait_for_url(f"**/cabinet/{org_pk}")
        phone.goto(site.firm_url(firm, f"/cabinet/{org_pk}/calendar"))
        expect(phone.get_by_test_id("calendar-event").filter(has_text=title)).to_be_visible()
        phone.get_by_test_id("tax-entry").first.wait_for()
        assert no_horizontal_scroll(phone)
        phone.screenshot(path=str(artifacts / "calendar-phone.png"), full_page=True)
    finally:
        for context in contexts:
            context.close()
