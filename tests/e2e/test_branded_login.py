"""Each firm's login page is its own: name, phone and color from the public `branding` query,
never another firm's; the platform's own host shows the neutral brand. Also: the language
switch, keyboard use and a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.support import BRANDS, Site, css_rgb, expect_text, no_horizontal_scroll

pytestmark = pytest.mark.usefixtures("branded")


@pytest.mark.parametrize("key", ["a", "b"])
def test_login_page_shows_its_own_firm_only(
    page: Any, site: Site, firms: Any, key: str, artifacts: Any
) -> None:
    brand, other = BRANDS[key], BRANDS["b" if key == "a" else "a"]
    page.goto(site.firm_url(firms[key], "/login"))
    expect_text(page, "[data-testid=firm-name]", brand.name)
    expect_text(page, "[data-testid=firm-phone]", brand.phone)
    header_bg = page.eval_on_selector(
        "[data-testid=brand-header]", "e => getComputedStyle(e).backgroundColor"
    )
    button_bg = page.eval_on_selector(
        "[data-testid=login-submit]", "e => getComputedStyle(e).backgroundColor"
    )
    assert header_bg == css_rgb(brand.color)
    assert button_bg == css_rgb(brand.color)
    body = page.inner_text("body")
    assert other.name not in body and other.phone not in body
    # The tab names the page and the firm (the shell has the firm's name before any script).
    assert page.title() == f"Вход в кабинет · {brand.name}"
    page.screenshot(path=str(artifacts / f"login-firm-{key}.png"), full_page=True)


def test_platform_host_shows_the_neutral_brand(page: Any, site: Site) -> None:
    page.goto(site.url("localhost", "/login"))
    expect_text(page, "[data-testid=firm-name]", "Кабинет")
    body = page.inner_text("body")
    for brand in BRANDS.values():
        assert brand.name not in body and brand.phone not in body
    assert page.eval_on_selector(
        "[data-testid=brand-header]", "e => getComputedStyle(e).backgroundColor"
    ) not in {css_rgb(b.color) for b in BRANDS.values()}


def test_language_switch_is_remembered(page: Any, site: Site, firms: Any) -> None:
    page.goto(site.firm_url(firms["a"], "/login"))
    expect_text(page, "[data-testid=login-submit]", "Войти")
    assert page.get_attribute("html", "lang") == "ru"
    page.get_by_role("button", name="EN", exact=True).click()
    expect_text(page, "[data-testid=login-submit]", "Log in")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_label("Password").count() == 1
    page.reload()
    expect_text(page, "[data-testid=login-submit]", "Log in")
    # The firm's own name is not translated.
    expect_text(page, "[data-testid=firm-name]", BRANDS["a"].name)


def test_login_form_works_from_the_keyboard(
    page: Any, site: Site, firms: Any, firm_admins: Any
) -> None:
    admin = firm_admins["a"].person
    page.goto(site.firm_url(firms["a"], "/login"))
    page.get_by_label("Электронная почта").wait_for()
    focus = (
        "({id: document.activeElement.id, testid: document.activeElement.dataset.testid,"
        " outline: getComputedStyle(document.activeElement).outlineColor})"
    )
    page.keyboard.press("Tab")  # the firm's phone in the header comes first
    on_header = page.evaluate(focus)
    assert on_header["testid"] == "firm-phone"
    assert on_header["outline"] == css_rgb("#FFFFFF")  # the text color on the firm's color
    page.keyboard.press("Tab")
    on_form = page.evaluate(focus)
    assert on_form["id"] == "login-email"
    assert on_form["outline"] == css_rgb(BRANDS["a"].color)  # the ring in the firm's color
    page.keyboard.type(admin.email)
    page.keyboard.press("Tab")
    page.keyboard.type(admin.password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/clients")
    expect_text(page, "h1", "Клиенты")


def test_wrong_password_is_explained(page: Any, site: Site, firms: Any, firm_admins: Any) -> None:
    page.goto(site.firm_url(firms["b"], "/login"))
    page.get_by_label("Электронная почта").fill(firm_admins["b"].person.email)
    page.get_by_label("Пароль").fill("not-the-password")
    page.get_by_role("button", name="Войти").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().strip()
    assert page.url.endswith("/login")


def test_login_page_fits_a_phone(chromium: Any, site: Site, firms: Any, artifacts: Any) -> None:
    context = chromium.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(site.firm_url(firms["a"], "/login"))
        expect_text(page, "[data-testid=firm-name]", BRANDS["a"].name)
        assert no_horizontal_scroll(page)
        page.screenshot(path=str(artifacts / "login-firm-a-phone.png"), full_page=True)
    finally:
        context.close()
