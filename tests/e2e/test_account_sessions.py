"""The sessions list in the browser: a person sees where they are logged in (device, address,
this one marked) on the account security page, ends one login and then all others, and the
ended logins stop working; a firm admin sets the idle timeout on the firm settings page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from saas.tenants.provisioning import provision_tenant
from tests.e2e.support import Site, expect_text, log_in, no_horizontal_scroll, open_section
from tests.support.auth import create_person, login_result
from tests.support.client import GraphQLClient
from tests.support.firms import Firm

pytestmark = pytest.mark.usefixtures("branded")

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
VIEWER = "{ viewer { id } }"


def api_login(site: Site, firm: Firm, person: Any, user_agent: str) -> GraphQLClient:
    c = site.api(site.firm_host(firm))
    c.http.headers["user-agent"] = user_agent
    assert login_result(c, person.email, person.password)["__typename"] == "LoginSuccess"
    return c


def test_a_person_sees_and_ends_their_other_logins(
    page: Any, site: Site, firms: Any, db_engine: sa.Engine, artifacts: Any
) -> None:
    firm = firms["a"]
    person = create_person(
        db_engine, display_name="Сеансов Много", memberships=[(firm.id, "staff", ["manager"], None)]
    )
    phone = api_login(site, firm, person, IPHONE)
    laptop = api_login(site, firm, person, FIREFOX)
    log_in(page, site.firm_url(firm, "/login"), person.email, person.password)
    page.wait_for_url("**/clients")
    open_section(page, "Безопасность входа")
    page.wait_for_url("**/account/security")
    rows = page.locator("[data-testid=session]")
    rows.nth(2).wait_for()
    assert rows.count() == 3
    current = page.locator("[data-testid=session][data-current=true]")
    assert current.count() == 1
    expect_text(page, "[data-testid=session][data-current=true] .badge", "Это устройство")
    assert current.get_by_role("button").count() == 0  # this one is ended by logging out
    iphone_row = rows.filter(has_text="Mobile Safari 17 · iOS 17.1 · iPhone")
    firefox_row = rows.filter(has_text="Firefox 121 · Ubuntu")
    assert iphone_row.count() == 1 and firefox_row.count() == 1
    assert "Адрес 127.0.0.1 · вход" in iphone_row.inner_text()
    assert "последняя активность" in iphone_row.inner_text()
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "account-sessions.png"), full_page=True)

    # "End" on the phone's login: gone from the list, and the phone is logged out.
    iphone_row.get_by_role("button", name="Завершить: Mobile Safari 17 · iOS 17.1 · iPhone").click()
    expect_text(page, "[data-testid=sessions] .alert-ok", "Завершено входов: 1.")
    assert rows.count() == 2
    assert phone.execute(VIEWER)["viewer"] is None
    assert laptop.execute(VIEWER)["viewer"] is not None

    # "End all others" (confirmed): only this browser stays logged in.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Завершить все остальные").click()
    expect_text(page, "[data-testid=sessions] .alert-ok", "Завершено входов: 1.")
    assert rows.count() == 1 and current.count() == 1
    assert page.locator("[data-testid=sessions-end-others]").count() == 0
    assert laptop.execute(VIEWER)["viewer"] is None
    page.reload()
    page.locator("[data-testid=session]").first.wait_for()
    assert page.locator("[data-testid=session]").count() == 1
    phone.close()
    laptop.close()


def test_a_firm_admin_sets_the_idle_timeout(page: Any, site: Site, db_engine: sa.Engine) -> None:
    slug = f"e2e-idle-{uuid.uuid4().hex[:4]}"
    tenant_id = provision_tenant(db_engine, slug, "Бдительный учёт")
    firm = Firm(tenant_id, slug, "Бдительный учёт", f"{slug}.localhost")
    admin = create_person(
        db_engine,
        display_name="Idle Admin",
        memberships=[(tenant_id, "staff", ["firm_admin"], None)],
    )
    log_in(page, site.firm_url(firm, "/login"), admin.email, admin.password)
    page.wait_for_url("**/clients")
    open_section(page, "Настройки фирмы")
    field = page.get_by_label("Выход при бездействии, минут")
    expect_text(
        page,
        "#idle-minutes-hint",
        "Вход, которым не пользовались дольше, завершается. От 15 минут до 14 дней (20160); "
        "по умолчанию 720 (12 часов).",
    )
    expect(field).to_have_value("720")
    field.fill("30")
    page.locator("[data-testid=idle-save]").click()
    expect_text(page, "form[aria-labelledby=idle-title] .alert-ok", "Сохранено.")
    api = site.api(site.firm_host(firm))
    assert login_result(api, admin.email, admin.password)["__typename"] == "LoginSuccess"
    assert api.execute("{ securitySettings { sessionIdleMinutes } }") == {
        "securitySettings": {"sessionIdleMinutes": 30}
    }
    api.close()
    page.reload()
    expect(page.get_by_label("Выход при бездействии, минут")).to_have_value("30")
