"""The firm admin's pages and the account's security in the browser: TOTP set-up (and the
login that then asks for a code), a firm that requires 2FA sending its staff to the set-up,
an API token shown once that works as a Bearer and stops working once revoked, the client
cabinet switch that wants the storage consent, staff invitation and roles, and archiving a
client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from saas.tenants.provisioning import provision_tenant
from tests.e2e.support import (
    FirmAdmin,
    Site,
    axe_violations,
    expect_text,
    log_in,
    no_horizontal_scroll,
    open_section,
)
from tests.support import auth
from tests.support.auth import create_person, login, steady_clock, totp_code
from tests.support.client import GraphQLClient
from tests.support.firms import Firm

pytestmark = pytest.mark.usefixtures("branded")

SECURITY = """mutation($on: Boolean!) {
  updateSecuritySettings(requireStaffTotp: $on) { requireStaffTotp }
}"""
CABINET = """mutation($on: Boolean!, $consent: Boolean!) {
  updateCabinetAccess(enabled: $on, decryptedStorageConsent: $consent) {
    __typename ... on CabinetAccess { enabled decryptedStorageConsent } ... on Error { code }
  }
}"""
MEMBERS = """query($after: String) { members(kind: STAFF, first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { email roles } }
} }"""
CABINET_STATE = "{ brandingSettings { cabinetEnabled decryptedStorageConsent } }"
ORG_STATUS = """query($id: ID!) {
  clientOrganization(id: $id) { __typename ... on ClientOrganization { status } }
}"""


def enroll_in_browser(page: Any) -> str:
    """Starts TOTP set-up on the account page, reads the secret shown there and confirms it
    with a code computed from it; returns the secret."""
    page.get_by_role("button", name="Настроить приложение").click()
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    uri = page.locator("[data-testid=totp-uri]").inner_text().strip()
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    # The QR code is drawn (an SVG with the code's modules as a path), once the qrcode
    # library's chunk has loaded.
    expect(page.locator("[data-testid=totp-qr] svg path").first).to_be_attached()
    assert page.get_by_role("img", name="QR-код для приложения-аутентификатора").is_visible()
    page.get_by_label("Код из приложения").fill(totp_code(secret))
    page.get_by_role("button", name="Подтвердить и включить").click()
    expect_text(page, "[role=status].alert-ok", "Готово: двухфакторная аутентификация включена.")
    expect_text(
        page, "[data-testid=totp-state]", "Включена: при входе спрашиваем код из приложения."
    )
    return secret


@dataclass(frozen=True)
class StrictFirm:
    """A firm of this module's own, so its security and cabinet switches disturb no one."""

    firm: Firm
    admin: auth.TestPerson
    api: GraphQLClient


@pytest.fixture(scope="module")
def strict_firm(db_engine: sa.Engine, site: Site) -> Iterator[StrictFirm]:
    slug = "e2e-strict"
    tenant_id = provision_tenant(db_engine, slug, "Строгий учёт")
    firm = Firm(tenant_id, slug, "Строгий учёт", f"{slug}.localhost")
    admin = create_person(
        db_engine,
        f"admin-{uuid.uuid4().hex[:8]}@strict.test",
        display_name="Strict Admin",
        memberships=[(tenant_id, "staff", ["firm_admin"], None)],
    )
    api = site.api(site.firm_host(firm))
    login(api, admin.email, admin.password)
    # A rerun on the same database finds the switches as a previous run may have left them.
    assert (
        api.execute(SECURITY, {"on": False})["updateSecuritySettings"]["requireStaffTotp"] is False
    )
    assert api.execute(CABINET, {"on": True, "consent": True})["updateCabinetAccess"]["enabled"]
    yield StrictFirm(firm, admin, api)
    api.close()


def test_staff_member_enrolls_totp_and_the_next_login_asks_for_the_code(
    page: Any, site: Site, firms: Any, db_engine: sa.Engine, artifacts: Any
) -> None:
    steady_clock(margin=6)
    person = create_person(
        db_engine,
        display_name="Тот Самый",
        memberships=[(firms["a"].id, "staff", ["manager"], None)],
    )
    log_in(page, site.firm_url(firms["a"], "/login"), person.email, person.password)
    page.wait_for_url("**/clients")
    open_section(page, "Безопасность входа")
    page.wait_for_url("**/account/security")
    expect_text(page, "[data-testid=totp-state]", "Выключена: для входа достаточно пароля.")
    # A wrong code is refused with the API's message, and the set-up stays open.
    page.get_by_role("button", name="Настроить приложение").click()
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    page.get_by_label("Код из приложения").fill(wrong)
    page.get_by_role("button", name="Подтвердить и включить").click()
    page.get_by_role("alert").wait_for()
    page.get_by_label("Код из приложения").fill(totp_code(secret))
    page.get_by_role("button", name="Подтвердить и включить").click()
    expect_text(
        page, "[data-testid=totp-state]", "Включена: при входе спрашиваем код из приложения."
    )
    page.screenshot(path=str(artifacts / "account-totp.png"), full_page=True)

    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
    log_in(page, site.firm_url(firms["a"], "/login"), person.email, person.password)
    otp = page.get_by_label("Код из приложения-аутентификатора")
    otp.wait_for()
    assert "/login" in page.url
    otp.fill(totp_code(secret, 1))  # the next step's code: the one used to confirm is spent
    page.locator("[data-testid=login-submit]").click()
    page.wait_for_url("**/clients")


def test_firm_requiring_2fa_sends_staff_without_it_to_the_setup(
    page: Any, chromium: Any, site: Site, strict_firm: StrictFirm, db_engine: sa.Engine
) -> None:
    steady_clock(margin=6)
    firm = strict_firm.firm
    manager = create_person(
        db_engine,
        display_name="Новый Сотрудник",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    # An admin of their own: this one ends up with a second factor, the module's does not.
    gatekeeper = create_person(
        db_engine,
        display_name="Строгий Админ",
        memberships=[(firm.id, "staff", ["firm_admin"], None)],
    )
    admin_page = page
    log_in(admin_page, site.firm_url(firm, "/login"), gatekeeper.email, gatekeeper.password)
    admin_page.wait_for_url("**/clients")
    open_section(admin_page, "Настройки фирмы")
    box = admin_page.get_by_label("Требовать от сотрудников двухфакторную аутентификацию")
    assert not box.is_checked()
    box.check()
    admin_page.locator("[data-testid=security-save]").click()
    # Not before the admin has a second factor: the rule would lock them out as well.
    expect_text(
        admin_page,
        "form[aria-labelledby=security-title] .alert-error",
        "Сначала подключите вход с одноразовым кодом себе: иначе требование закроет и ваш доступ.",
    )
    open_section(admin_page, "Безопасность входа")
    admin_page.wait_for_url("**/account/security")
    admin_secret = enroll_in_browser(admin_page)
    open_section(admin_page, "Настройки фирмы")
    box = admin_page.get_by_label("Требовать от сотрудников двухфакторную аутентификацию")
    box.check()
    admin_page.locator("[data-testid=security-save]").click()
    expect_text(admin_page, "form[aria-labelledby=security-title] .alert-ok", "Сохранено.")
    api = site.api(site.firm_host(firm))
    assert login(api, gatekeeper.email, gatekeeper.password, otp=totp_code(admin_secret, 1))
    try:
        assert api.execute("{ securitySettings { requireStaffTotp } }") == {
            "securitySettings": {"requireStaffTotp": True}
        }
        # The staff member on a phone, in a browser of their own.
        phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
        phone.set_default_timeout(15_000)
        page = phone.new_page()
        log_in(page, site.firm_url(firm, "/login"), manager.email, manager.password)
        page.wait_for_url("**/account/security")
        page.locator("[data-testid=totp-required]").wait_for()
        # Nothing else is reachable until then: the workspace sends back here.
        assert page.locator("nav.shell-nav").count() == 0
        page.goto(site.firm_url(firm, "/clients"))
        page.wait_for_url("**/account/security")
        secret = enroll_in_browser(page)
        assert no_horizontal_scroll(page)
        page.get_by_role("link", name="Перейти к работе").click()
        page.wait_for_url("**/clients")
        assert page.locator("[data-testid=totp-required]").count() == 0
        # And the next login asks for the code.
        fresh = site.api(site.firm_host(firm))
        assert login(fresh, manager.email, manager.password, otp=totp_code(secret, 1))
        fresh.close()
        phone.close()
    finally:
        assert api.execute(SECURITY, {"on": False}) == {
            "updateSecuritySettings": {"requireStaffTotp": False}
        }
        api.close()


def test_api_token_is_shown_once_works_as_bearer_and_revoke_stops_it(
    page: Any,
    browser_context: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    artifacts: Any,
) -> None:
    admin = firm_admins["a"].person
    origin = site.firm_url(firms["a"], "").rstrip("/")
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    log_in(page, site.firm_url(firms["a"], "/login"), admin.email, admin.password)
    page.wait_for_url("**/clients")
    open_section(page, "API-токены")
    page.wait_for_url("**/settings/api-tokens")
    name = f"1С {uuid.uuid4().hex[:6]}"
    page.get_by_label("Название").fill(name)
    page.get_by_label("Роль").select_option("integrator")
    page.get_by_label("Срок действия, дней").fill("30")
    page.locator("[data-testid=token-create]").click()
    shown = page.locator("[data-testid=new-token]")
    shown.wait_for()
    assert "он показан один раз" in shown.inner_text()
    secret = page.locator("[data-testid=token-secret]").inner_text().strip()
    assert len(secret) >= 20
    page.get_by_role("button", name="Скопировать").click()
    expect_text(page, "[data-testid=new-token] .alert-ok", "Скопировано")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    # On a phone the long secret wraps instead of widening the page.
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "api-token-created-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    row = page.locator(f"[data-testid=api-token][data-name='{name}']")
    row.wait_for()
    assert "integrator" in row.inner_text()

    # Shown once: after "saved" (or a reload) the secret is nowhere on the page.
    page.locator("[data-testid=token-done]").click()
    assert page.locator("[data-testid=new-token]").count() == 0
    page.reload()
    row.wait_for()
    assert secret not in page.content()

    query = {"query": "{ clientOrganizations(first: 1) { totalCount } }"}
    headers = {"host": site.firm_host(firms["a"]), "authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{site.port}", timeout=30) as http:
        works = http.post("/graphql", json=query, headers=headers)
        assert works.status_code == 200, works.text
        assert "errors" not in works.json(), works.text
        assert works.json()["data"]["clientOrganizations"]["totalCount"] >= 0

        page.on("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name=f"Отозвать: {name}").click()
        row.locator("[data-testid=token-revoked]").wait_for()

        refused = http.post("/graphql", json=query, headers=headers)
        body = (
            refused.json()
            if refused.headers.get("content-type", "").startswith("application/json")
            else {}
        )
        assert refused.status_code == 401 or body.get("errors"), refused.text
        assert not (body.get("data") or {}).get("clientOrganizations")


def test_cabinet_switch_refuses_without_consent_then_works_with_it(
    page: Any, site: Site, strict_firm: StrictFirm
) -> None:
    firm, api = strict_firm.firm, strict_firm.api
    try:
        log_in(
            page, site.firm_url(firm, "/login"), strict_firm.admin.email, strict_firm.admin.password
        )
        page.wait_for_url("**/clients")
        page.goto(site.firm_url(firm, "/settings/firm"))
        enabled = page.get_by_label("Кабинет клиента включён")
        consent = page.get_by_label("Согласие на хранение документов в расшифрованном виде")
        assert enabled.is_checked() and consent.is_checked()
        page.locator("[data-testid=consent-at]").wait_for()
        # Off, and the consent withdrawn.
        enabled.uncheck()
        consent.uncheck()
        page.locator("[data-testid=cabinet-save]").click()
        expect_text(page, "form[aria-labelledby=cabinet-title] .alert-ok", "Сохранено.")
        assert api.execute(CABINET_STATE)["brandingSettings"] == {
            "cabinetEnabled": False,
            "decryptedStorageConsent": False,
        }
        # On without the consent: the API's typed refusal reaches the form.
        enabled.check()
        page.locator("[data-testid=cabinet-save]").click()
        alert = page.locator("form[aria-labelledby=cabinet-title] [role=alert]")
        alert.wait_for()
        assert alert.inner_text().strip()
        assert api.execute(CABINET_STATE)["brandingSettings"]["cabinetEnabled"] is False
        # With it, the cabinet is on.
        consent.check()
        page.locator("[data-testid=cabinet-save]").click()
        expect_text(page, "form[aria-labelledby=cabinet-title] .alert-ok", "Сохранено.")
        assert page.locator("form[aria-labelledby=cabinet-title] [role=alert]").count() == 0
        assert api.execute(CABINET_STATE)["brandingSettings"] == {
            "cabinetEnabled": True,
            "decryptedStorageConsent": True,
        }
        # The page speaks English on the switch.
        page.locator(".lang-switch button[lang=en]").click()
        expect_text(page, "h1", "Firm settings")
        assert page.get_by_label("The client cabinet is on").is_checked()
    finally:
        result = api.execute(CABINET, {"on": True, "consent": True})["updateCabinetAccess"]
        assert result["enabled"] is True


def staff_roles(api: GraphQLClient, email: str) -> list[str] | None:
    after = None
    while True:
        page = api.execute(MEMBERS, {"after": after})["members"]
        for edge in page["edges"]:
            if edge["node"]["email"] == email:
                return list(edge["node"]["roles"])
        if not page["pageInfo"]["hasNextPage"]:
            return None
        after = page["pageInfo"]["endCursor"]


def test_staff_invitation_and_roles(
    page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], db_engine: sa.Engine
) -> None:
    member = create_person(
        db_engine,
        display_name=f"Роль {uuid.uuid4().hex[:6]}",
        memberships=[(firms["a"].id, "staff", ["staff"], None)],
    )
    admin = firm_admins["a"].person
    log_in(page, site.firm_url(firms["a"], "/login"), admin.email, admin.password)
    page.wait_for_url("**/clients")
    open_section(page, "Сотрудники")
    page.wait_for_url("**/staff")

    invited = f"new-{uuid.uuid4().hex[:8]}@example.test"
    page.get_by_label("Электронная почта").fill(invited)
    # Roles a staff member cannot hold are not offered.
    invite = page.locator("form[aria-labelledby=invite-staff-title]")
    assert invite.locator("input[value=client_member]").count() == 0
    assert invite.locator("input[value=staff]").is_checked()
    page.locator("[data-testid=invite-staff-submit]").click()
    expect_text(
        page,
        "form[aria-labelledby=invite-staff-title] .alert-ok",
        f"Приглашение отправлено на {invited}.",
    )

    row = page.locator(f"[data-testid=staff-member][data-email='{member.email}']")
    page.locator("[data-testid=staff-member]").first.wait_for()
    # Oldest first, 50 a page: the new member is on the last page.
    while not row.count():
        # Wait for the next page to replace this one before looking again (a fixed pause
        # skipped pages on a slow machine).
        first = page.locator("[data-testid=staff-member]").first.get_attribute("data-email")
        page.locator("[data-testid=staff-next-page]").click()
        expect(page.locator("[data-testid=staff-member]").first).not_to_have_attribute(
            "data-email", first or ""
        )
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    row.get_by_role("button", name="Изменить роли").click()
    form = row.locator("form")
    form.locator("input[value=manager]").check()
    form.locator("input[value=staff]").uncheck()
    form.get_by_role("button", name="Сохранить").click()
    form.wait_for(state="detached")
    row.get_by_role("button", name="Изменить роли").wait_for()
    assert staff_roles(firm_admins["a"].api, member.email) == ["manager"]


STAFF_CARD = """query($search: String!) { members(kind: STAFF, search: $search, first: 5) {
  edges { node { email personId label phone note } } } }"""


def test_the_staff_page_writes_a_persons_contact_card(
    page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], db_engine: sa.Engine
) -> None:
    """The firm's contact card of a staff member (position, phone, note) is written on the
    staff page's row: a bad phone is refused under its field (aria-invalid, described by the
    message), a good card shows on the row and in the API, at 1280 px and on a phone."""
    name = f"Карточка {uuid.uuid4().hex[:6]}"
    member = create_person(
        db_engine, display_name=name, memberships=[(firms["a"].id, "staff", ["staff"], None)]
    )
    admin = firm_admins["a"]
    log_in(page, site.firm_url(firms["a"], "/login"), admin.person.email, admin.person.password)
    page.wait_for_url("**/clients")
    page.goto(site.firm_url(firms["a"], f"/staff?q={name}"))
    row = page.locator(f"[data-testid=staff-member][data-email='{member.email}']")
    row.wait_for()
    row.get_by_role("button", name=f"Карточка контакта: {name}").click()
    form = row.get_by_test_id("contact-card-form")
    form.get_by_label("Должность или метка").fill("Главный бухгалтер")
    phone = form.get_by_label("Телефон")
    phone.fill("звоните днём")
    form.get_by_role("button", name="Сохранить").click()
    expect(phone).to_have_attribute("aria-invalid", "true")
    message = page.locator(f"#{phone.get_attribute('aria-describedby')}")
    expect(message).to_contain_text("Телефон: только цифры")
    assert axe_violations(page) == []

    phone.fill("+7 495 123-45-67")
    form.get_by_label("Заметка (видят только сотрудники фирмы)").fill("В офисе по вторникам")
    form.get_by_role("button", name="Сохранить").click()
    expect(form).to_be_hidden()
    expect(row.get_by_test_id("staff-card")).to_have_text("Главный бухгалтер · +7 495 123-45-67")
    expect(row).to_contain_text("В офисе по вторникам")
    found = admin.api.execute(STAFF_CARD, {"search": member.email})["members"]["edges"]
    assert [edge["node"]["label"] for edge in found] == ["Главный бухгалтер"], found
    assert found[0]["node"]["phone"] == "+7 495 123-45-67"
    assert found[0]["node"]["note"] == "В офисе по вторникам"

    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    row.get_by_role("button", name=f"Карточка контакта: {name}").click()
    expect(form.get_by_label("Телефон")).to_have_value("+7 495 123-45-67")
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []


def test_archive_and_restore_a_client(
    page: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], artifacts: Any
) -> None:
    admin = firm_admins["a"]
    org_id, _ = admin.create_organization(f"ООО «Архив {uuid.uuid4().hex[:6]}»")
    log_in(page, site.firm_url(firms["a"], "/login"), admin.person.email, admin.person.password)
    page.wait_for_url("**/clients")
    page.goto(site.firm_url(firms["a"], f"/clients/{org_id}"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="В архив").click()
    page.locator("[data-testid=archived-badge]").wait_for()
    assert (
        admin.api.execute(ORG_STATUS, {"id": org_id})["clientOrganization"]["status"] == "ARCHIVED"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "client-archived-phone.png"), full_page=True)
    page.get_by_role("button", name="Вернуть из архива").click()
    page.locator("[data-testid=archived-badge]").wait_for(state="detached")
    page.get_by_role("button", name="В архив").wait_for()
    assert admin.api.execute(ORG_STATUS, {"id": org_id})["clientOrganization"]["status"] == "ACTIVE"
