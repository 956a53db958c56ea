"""The firm's workspace in the browser: the client list with search and filters, onboarding a
client (the API's INN message reaches the form), and the branding page whose live preview
and contrast message match what the API derives and saves."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from saas.modules.branding.service.theme import derive_theme
from saas.settings import Settings
from tests.e2e.support import (
    BRANDS,
    FirmAdmin,
    Site,
    background,
    css_rgb,
    expect_text,
    log_in,
    open_section,
    png,
)
from tests.support.clients import inn10, ogrn13
from tests.support.mail import last_message_to, link_in

pytestmark = pytest.mark.usefixtures("branded")


@pytest.fixture
def admin_page(page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin]) -> Any:
    admin = firm_admins["a"].person
    log_in(page, site.firm_url(firms["a"], "/login"), admin.email, admin.password)
    page.wait_for_url("**/clients")
    return page


def test_client_list_search_and_filters(
    admin_page: Any, firm_admins: dict[str, FirmAdmin], artifacts: Any
) -> None:
    page, admin = admin_page, firm_admins["a"]
    tag = uuid.uuid4().hex[:6]
    admin.create_organization(f"ООО «Лютик {tag}»")
    admin.create_organization(f"ООО «Василёк {tag}»")
    page.get_by_label("Поиск").fill(tag)
    page.wait_for_url(f"**/clients?q={tag}")
    list_ = page.locator("[data-testid=client-list] .title")
    expect_text(page, "[data-testid=clients-count]", "Найдено: 2")
    assert sorted(list_.all_inner_texts()) == [f"ООО «Василёк {tag}»", f"ООО «Лютик {tag}»"]
    page.screenshot(path=str(artifacts / "workspace-clients.png"), full_page=True)

    page.get_by_label("Поиск").fill(f"Лютик {tag}")
    expect_text(page, "[data-testid=clients-count]", "Найдено: 1")
    # Filters narrow the list: nobody with this name is archived or on the patent.
    page.get_by_label("Система налогообложения").select_option("PATENT")
    expect_text(page, "[data-testid=clients-count]", "Найдено: 0")
    page.get_by_label("Система налогообложения").select_option("")
    page.get_by_label("Статус").select_option("ARCHIVED")
    expect_text(page, "[data-testid=clients-count]", "Найдено: 0")
    # The filters are in the address: a reload keeps them.
    page.reload()
    assert page.get_by_label("Статус").input_value() == "ARCHIVED"


def test_onboarding_a_client_shows_the_api_refusal(admin_page: Any) -> None:
    page = admin_page
    page.get_by_role("link", name="Новый клиент").click()
    page.get_by_label("Название").fill("ООО «Опечатка»")
    page.get_by_label("ИНН").fill("7707083894")  # one digit off a real INN: bad check digit
    page.get_by_label("КПП").fill("773601001")
    page.get_by_label("ОГРН").fill("1027700132195")
    page.get_by_role("button", name="Добавить клиента").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "ИНН" in alert.inner_text()
    assert page.get_by_label("ИНН").get_attribute("aria-invalid") == "true"


def test_a_client_onboarded_in_the_cabinet_is_its_creators(
    admin_page: Any, firm_admins: dict[str, FirmAdmin]
) -> None:
    """The form's manager field defaults to the person creating the client, and the new card
    shows them."""
    page = admin_page
    me = firm_admins["a"].api.execute("{ viewer { email displayName } }")["viewer"]
    page.get_by_role("link", name="Новый клиент").click()
    chosen = page.get_by_label("Ответственный менеджер").locator("option:checked")
    expect(chosen).to_have_text(f"{me['displayName'] or me['email']} (вы)")
    name = f"ООО «Своё {uuid.uuid4().hex[:6]}»"
    page.get_by_label("Название").fill(name)
    page.get_by_label("ИНН").fill(inn10())
    page.get_by_label("КПП").fill("773601001")
    page.get_by_label("ОГРН").fill(ogrn13())
    page.get_by_role("button", name="Добавить клиента").click()
    expect_text(page, "[data-testid=organization-name]", name)
    details = page.locator("[data-testid=organization-details]")
    details.wait_for()
    expected = me["displayName"] or me["email"]
    manager = details.locator("dt:has-text('Ответственный менеджер') + dd")
    expect(manager).to_have_text(expected)


@pytest.fixture
def restore_brand(firm_admins: dict[str, FirmAdmin]) -> Iterator[None]:
    yield
    firm_admins["a"].api.execute("mutation { removeLogo(kind: LOGO) { logoUrl } }")
    brand = BRANDS["a"]
    firm_admins["a"].set_branding(
        displayName=brand.name, phone=brand.phone, primaryColor=brand.color
    )


@pytest.mark.usefixtures("restore_brand")
def test_branding_preview_and_contrast_message(
    admin_page: Any, artifacts: Any, tmp_path: Any
) -> None:
    page = admin_page
    open_section(page, "Оформление")  # the row may have moved it under "more"
    page.wait_for_url("**/settings/branding")
    color_field = page.get_by_label("Основной цвет", exact=True)
    assert color_field.input_value() == BRANDS["a"].color

    # A pale yellow cannot carry white text: the preview darkens it as the API will.
    expected = derive_theme("#FFD400")
    color_field.fill("#FFD400")
    page.get_by_label("Название фирмы").fill("Альфа Жёлтая")
    warning = page.locator("[data-testid=contrast-preview]")
    warning.wait_for()
    assert expected.primary in warning.inner_text()
    assert background(page, "[data-testid=preview-button]") == css_rgb(expected.primary)
    # The cabinet itself keeps the saved color until the admin saves.
    assert background(page, "[data-testid=brand-header]") == css_rgb(BRANDS["a"].color)
    page.screenshot(path=str(artifacts / "branding-preview.png"), full_page=True)

    page.locator("[data-testid=branding-save]").click()
    message = page.locator("[data-testid=contrast-message]")
    message.wait_for()
    # The API's own words, in Russian, with the shade it applied.
    assert expected.adjustments[0].message_ru == message.inner_text().strip()
    # The whole cabinet is repainted at once, in the adjusted color.
    # Playwright's expect polls from outside the page: the cabinet's CSP refuses the string
    # evaluation wait_for_function needs.
    expect(page.locator("[data-testid=brand-header]")).to_have_css(
        "background-color", css_rgb(expected.primary)
    )
    expect_text(page, "[data-testid=firm-name]", "Альфа Жёлтая")

    # The logo, uploaded from the page, shows in the cabinet's header.
    logo = tmp_path / "logo.png"
    logo.write_bytes(png(96, 32, (11, 110, 79)))
    page.get_by_role("group", name="Логотип").get_by_label("Выбрать файл").set_input_files(
        str(logo)
    )
    header_logo = page.locator("[data-testid=brand-header] img.brand-logo")
    header_logo.wait_for()
    assert header_logo.get_attribute("src").startswith("/branding/logo")
    expect(header_logo).to_have_js_property("naturalWidth", 96)

    # In English the same message comes in English.
    page.get_by_role("button", name="EN", exact=True).click()
    page.reload()
    message.wait_for()
    assert message.inner_text().strip() == expected.adjustments[0].message_en
    page.screenshot(path=str(artifacts / "branding-saved-en.png"), full_page=True)


def test_password_reset_by_e_mail(
    page: Any, site: Site, firms: Any, db_engine: Any, e2e_settings: Settings
) -> None:
    from tests.support.auth import create_person

    person = create_person(
        db_engine,
        f"forgetful-{uuid.uuid4().hex[:8]}@example.test",
        memberships=[(firms["b"].id, "staff", ["manager"], None)],
    )
    page.goto(site.firm_url(firms["b"], "/login"))
    page.get_by_role("link", name="Забыли пароль?").click()
    # The page is loaded on demand: until its form is there, the login form's e-mail field
    # (the same label) is still on the screen and would take the address.
    send = page.get_by_role("button", name="Прислать ссылку")
    send.wait_for()
    page.get_by_label("Электронная почта").fill(person.email)
    send.click()
    page.get_by_text("письмо со ссылкой уже в пути").wait_for()

    link = link_in(last_message_to(e2e_settings, person.email), "/reset-password")
    page.goto(link)
    expect_text(page, "[data-testid=firm-name]", BRANDS["b"].name)
    page.get_by_label("Новый пароль").fill("Fresh-Password-2026")
    page.get_by_label("Повторите пароль").fill("Fresh-Password-2026")
    page.get_by_role("button", name="Сохранить пароль").click()
    page.get_by_text("Пароль изменён").wait_for()

    log_in(page, site.firm_url(firms["b"], "/login"), person.email, "Fresh-Password-2026")
    page.wait_for_url("**/clients")
    # The link worked once.
    page.goto(link)
    page.get_by_label("Новый пароль").fill("Another-Password-2026")
    page.get_by_label("Повторите пароль").fill("Another-Password-2026")
    page.get_by_role("button", name="Сохранить пароль").click()
    page.get_by_role("alert").wait_for()
