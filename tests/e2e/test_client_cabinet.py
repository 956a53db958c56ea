"""A contact person's way in, end to end in the browser: the firm admin invites them from the
client card with grants, the invitation e-mail lands in the outbox, its link opens the
firm's branded page, the person sets a password and is in the cabinet of their organization,
painted in the firm's colors and showing only what they were granted. The modules offered
are the API's (`availableModules`): only built ones, named in the cabinet's language."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from saas.settings import Settings
from tests.e2e.support import (
    BRANDS,
    FirmAdmin,
    Site,
    background,
    css_rgb,
    expect_text,
    invitation_link,
    log_in,
    no_horizontal_scroll,
)
from tests.support.mail import last_message_to, text_of

pytestmark = pytest.mark.usefixtures("branded")

NEW_PASSWORD = "Sunny-Meadow-2026"
AVAILABLE = "{ availableModules { nameRu nameEn enabledByDefault } }"
UPLOAD = "Загрузка первичных документов"
CHAT = "Чат с бухгалтером"
REQUESTS = "Заявки на услуги"
PERFORMERS = "Самозанятые исполнители"  # built, off by default


def accept_in_browser(page: Any, link: str, name: str, password: str = NEW_PASSWORD) -> None:
    page.goto(link)
    page.get_by_label("Ваше имя").fill(name)
    page.get_by_label("Новый пароль").fill(password)
    page.get_by_label("Повторите пароль").fill(password)
    page.locator("[data-testid=invite-submit]").click()


def test_invitation_from_the_client_card_to_the_cabinet(
    browser_context: Any,
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Any,
) -> None:
    admin = firm_admins["a"]
    org_name = f"ООО «Ромашка {uuid.uuid4().hex[:6]}»"
    org_id, org_pk = admin.create_organization(org_name)
    contact = f"contact-{uuid.uuid4().hex[:8]}@example.test"

    # What the API offers (built modules only), asked apart from the cabinet.
    offered = admin.api.execute(AVAILABLE)["availableModules"]
    assert [m["nameRu"] for m in offered] == [
        "Отчётность",
        "Документы",
        UPLOAD,
        CHAT,
        REQUESTS,
        PERFORMERS,
    ]

    # The firm admin finds the client by search and invites a contact with two grants.
    staff = browser_context.new_page()
    log_in(staff, site.firm_url(firms["a"], "/login"), admin.person.email, admin.person.password)
    staff.wait_for_url("**/clients")
    staff.get_by_label("Поиск").fill(org_name[5:12])
    staff.wait_for_url("**/clients?q=*")
    staff.get_by_role("link", name=org_name).click()
    expect_text(staff, "[data-testid=organization-name]", org_name)
    staff.locator("#invite-contact-email").fill(contact)
    # The form offers the API's modules, those on by default ticked; nothing not built.
    form = staff.locator("form:has(#invite-contact-email)")
    boxes = form.locator(".checkbox-grid input[type=checkbox]")
    boxes.first.wait_for()
    # A new organization has the modules on by default: the form offers those (the performers
    # module waits until the firm enables it for the organization).
    labels = form.locator(".checkbox-grid label").all_inner_texts()
    assert labels == [m["nameRu"] for m in offered if m["enabledByDefault"]]
    ticked = [box.is_checked() for box in boxes.all()]
    assert ticked == [True] * len(labels)
    form.get_by_role("checkbox", name=UPLOAD, exact=True).uncheck()
    staff.locator("[data-testid=invite-contact-submit]").click()
    staff.get_by_text(f"Приглашение отправлено на {contact}.").wait_for()
    row = staff.locator(f"[data-testid=contact][data-email='{contact}']")
    row.get_by_text("Приглашение отправлено").wait_for()
    assert (
        row.locator("[data-testid=contact-grants]").inner_text()
        == f"Отчётность, Документы, {CHAT}, {REQUESTS}"
    )

    # The e-mail is the firm's, with a link to the firm's own address.
    mail = last_message_to(e2e_settings, contact)
    assert BRANDS["a"].name in text_of(mail) and BRANDS["b"].name not in text_of(mail)
    link = invitation_link(e2e_settings, contact)
    assert urlsplit(link).hostname == site.firm_host(firms["a"])

    # The invited person opens it in their own browser.
    person_context = chromium.new_context(viewport={"width": 1280, "height": 860})
    try:
        page = person_context.new_page()
        accept_in_browser(page, link, "Ирина Клиентова")
        page.wait_for_url(f"**/cabinet/{org_pk}")
        expect_text(page, "[data-testid=organization-name]", org_name)
        expect_text(page, "[data-testid=firm-name]", BRANDS["a"].name)
        assert background(page, "[data-testid=brand-header]") == css_rgb(BRANDS["a"].color)
        page.locator("[data-testid=viewer-grants]").wait_for()
        assert page.locator("[data-testid=viewer-grants] li").all_inner_texts() == [
            "Отчётность",
            "Документы",
            CHAT,
            REQUESTS,
        ]
        page.locator("[data-testid=live-status][data-state=online]").wait_for()

        # The admin widens the grants; the client sees it on the next visit.
        staff.reload()
        row = staff.locator(f"[data-testid=contact][data-email='{contact}']")
        row.get_by_text("Ирина Клиентова").wait_for()
        assert row.get_by_text("Приглашение отправлено").count() == 0
        row.get_by_role("button", name="Изменить доступ: Ирина Клиентова").click()
        row.get_by_role("checkbox", name=UPLOAD).check()
        row.get_by_role("button", name="Сохранить").click()
        row.get_by_text("Доступ сохранён.").wait_for()
        assert (
            row.locator("[data-testid=contact-grants]").inner_text()
            == f"Отчётность, Документы, {UPLOAD}, {CHAT}, {REQUESTS}"
        )
        # In English, the names the API gives in English.
        staff.locator(".lang-switch button[lang=en]").click()
        expect_text(
            staff,
            f"[data-testid=contact][data-email='{contact}'] [data-testid=contact-grants]",
            ", ".join(m["nameEn"] for m in offered if m["enabledByDefault"]),
        )

        page.reload()
        page.locator("[data-testid=viewer-grants]").wait_for()
        assert page.locator("[data-testid=viewer-grants] li").all_inner_texts() == [
            "Отчётность",
            "Документы",
            UPLOAD,
            CHAT,
            REQUESTS,
        ]
        # The link works once.
        page.context.clear_cookies()
        page.goto(link)
        page.get_by_text("Это приглашение уже принято").wait_for()
    finally:
        person_context.close()


@pytest.mark.parametrize("key", ["a", "b"])
def test_each_cabinet_wears_its_firm_brand(
    page: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Any,
    key: str,
) -> None:
    brand, other = BRANDS[key], BRANDS["b" if key == "a" else "a"]
    admin = firm_admins[key]
    org_name = f"ООО «Клиент {key.upper()} {uuid.uuid4().hex[:4]}»"
    org_id, org_pk = admin.create_organization(org_name)
    contact = f"cabinet-{key}-{uuid.uuid4().hex[:8]}@example.test"
    admin.invite_contact(org_id, contact, ["REPORTS", "DOCUMENTS", "UPLOAD"])

    accept_in_browser(page, invitation_link(e2e_settings, contact), f"Контакт {key.upper()}")
    page.wait_for_url(f"**/cabinet/{org_pk}")
    expect_text(page, "[data-testid=organization-name]", org_name)
    expect_text(page, "[data-testid=firm-name]", brand.name)
    expect_text(page, "[data-testid=firm-phone]", brand.phone)
    assert background(page, "[data-testid=brand-header]") == css_rgb(brand.color)
    body = page.inner_text("body")
    assert other.name not in body and other.phone not in body
    page.locator("[data-testid=live-status][data-state=online]").wait_for()
    page.screenshot(path=str(artifacts / f"cabinet-firm-{key}.png"), full_page=True)

    # The same cabinet on a phone: nothing sticks out sideways.
    page.set_viewport_size({"width": 375, "height": 760})
    page.reload()
    expect_text(page, "[data-testid=organization-name]", org_name)
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / f"cabinet-firm-{key}-phone.png"), full_page=True)


def test_a_contact_cannot_open_the_firm_workspace(
    page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], e2e_settings: Settings
) -> None:
    admin = firm_admins["a"]
    org_id, org_pk = admin.create_organization(f"ООО «Закрытое {uuid.uuid4().hex[:4]}»")
    contact = f"nosy-{uuid.uuid4().hex[:8]}@example.test"
    admin.invite_contact(org_id, contact, ["REPORTS"])
    accept_in_browser(page, invitation_link(e2e_settings, contact), "Любопытный")
    page.wait_for_url(f"**/cabinet/{org_pk}")
    page.goto(site.firm_url(firms["a"], "/clients"))
    page.wait_for_url(f"**/cabinet/{org_pk}")
    assert page.get_by_role("link", name="Клиенты").count() == 0


def test_the_contacts_panel_follows_the_permission_the_api_gives(
    page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], e2e_settings: Settings
) -> None:
    """The organization's client admin manages its contacts in the cabinet; a plain contact of
    the same organization is not offered the panel (the cabinet reads `viewerPermissions`)."""
    admin = firm_admins["a"]
    org_id, org_pk = admin.create_organization(f"ООО «Контакты {uuid.uuid4().hex[:4]}»")
    boss = f"boss-{uuid.uuid4().hex[:8]}@example.test"
    plain = f"plain-{uuid.uuid4().hex[:8]}@example.test"
    admin.invite_contact(org_id, boss, ["REPORTS"], client_admin=True)
    admin.invite_contact(org_id, plain, ["REPORTS"])

    accept_in_browser(page, invitation_link(e2e_settings, boss), "Главный Контакт")
    page.wait_for_url(f"**/cabinet/{org_pk}")
    page.locator(f"[data-testid=contact][data-email='{plain}']").wait_for()
    assert page.locator("[data-testid=invite-contact-submit]").count() == 1

    page.context.clear_cookies()
    accept_in_browser(page, invitation_link(e2e_settings, plain), "Простой Контакт")
    page.wait_for_url(f"**/cabinet/{org_pk}")
    page.locator("[data-testid=viewer-grants]").wait_for()
    assert page.locator("[data-testid=contact]").count() == 0
    assert page.locator("[data-testid=invite-contact-submit]").count() == 0
