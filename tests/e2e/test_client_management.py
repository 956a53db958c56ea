"""The firm runs its clients from the browser (issue 12): the client card edits the numbers
(checked again, the refusal under its field), sets the responsible manager and moderators,
writes the firm's own contact card for a person (shown only inside that firm), archives and
restores with a confirmation, and leads to the client's reports. The client's home shows its
manager with name, position, phone and e-mail; a client admin who is the organization's last
admin cannot deactivate themselves, and the dialog speaks to them. A person renames
themselves on their account page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    FirmAdmin,
    Site,
    accept_invitation,
    expect_text,
    invitation_token,
    log_in,
    no_horizontal_scroll,
)
from tests.support.auth import create_person
from tests.support.ids import person_gid

pytestmark = pytest.mark.usefixtures("branded")

PASSWORD = "Calm-Harbor-2026"
SET_CARD = """mutation($p: ID!, $l: String!, $ph: String!) {
  setContactCard(personId: $p, label: $l, phone: $ph) { __typename } }"""
SET_MANAGER = """mutation($id: ID!, $m: ID) {
  setClientOrganizationManagers(id: $id, responsibleManagerId: $m) { __typename } }"""


def staff_member(db_engine: sa.Engine, firms: Any, name: str, *, both: bool = False) -> Any:
    """A manager of firm A (and of firm B too when `both`)."""
    memberships = [(firms["a"].id, "staff", ["manager"], None)]
    if both:
        memberships.append((firms["b"].id, "staff", ["manager"], None))
    return create_person(
        db_engine,
        f"mgr-{uuid.uuid4().hex[:8]}@example.test",
        display_name=name,
        memberships=memberships,
    )


def test_the_client_card_edits_assigns_and_archives(
    page: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
    artifacts: Any,
) -> None:
    admin, admin_b = firm_admins["a"], firm_admins["b"]
    tag = uuid.uuid4().hex[:6]
    org_id, _ = admin.create_organization(f"ООО «Клён {tag}»")
    manager = staff_member(db_engine, firms, f"Ольга Ведущая {tag}", both=True)
    staff_member(db_engine, firms, f"Пётр Помощник {tag}")
    # Firm B's words for the same person never show at firm A.
    admin_b.api.execute(SET_CARD, {"p": person_gid(manager.id), "l": "Метка Веги", "ph": ""})

    log_in(page, site.firm_url(firms["a"], "/login"), admin.person.email, admin.person.password)
    page.wait_for_url("**/clients")
    page.goto(site.firm_url(firms["a"], f"/clients/{org_id}"))
    expect_text(page, "[data-testid=organization-name]", f"ООО «Клён {tag}»")

    # The numbers are checked again: a bad INN is refused under the INN field.
    page.get_by_role("button", name=f"Изменить реквизиты: ООО «Клён {tag}»").click()
    page.get_by_label("ИНН").fill("7707083894")
    page.locator("[data-testid=save-client]").click()
    error = page.locator("[data-testid=error-inn]")
    expect(error).to_contain_text("ИНН")
    assert page.get_by_label("ИНН").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("ИНН").get_attribute("aria-describedby") == "edit-inn-error"
    page.get_by_label("ИНН").fill("7707083893")
    page.get_by_label("КПП").fill("773601002")
    page.get_by_label("Название").fill(f"ООО «Клён и Ко {tag}»")
    page.locator("[data-testid=save-client]").click()
    page.get_by_text("Реквизиты сохранены.").wait_for()
    expect_text(page, "[data-testid=organization-name]", f"ООО «Клён и Ко {tag}»")
    expect(page.locator("[data-testid=organization-details]")).to_contain_text("773601002")

    # The sections of the cabinet offered to this client.
    upload = "Загрузка первичных документов"
    sections = page.locator("section[aria-labelledby=card-modules] ul")
    expect(sections).to_contain_text(upload)
    page.locator("[data-testid=edit-modules]").click()
    page.locator("[data-testid=modules-form]").get_by_role("checkbox", name=upload).uncheck()
    page.locator("[data-testid=save-modules]").click()
    page.get_by_text("Разделы сохранены.").wait_for()
    expect(sections).not_to_contain_text(upload)

    # The responsible manager and a moderator, picked from the firm's staff.
    page.locator("[data-testid=edit-managers]").click()
    page.get_by_label("Ответственный менеджер").select_option(label=f"Ольга Ведущая {tag}")
    page.get_by_role("checkbox", name=f"Пётр Помощник {tag}").check()
    page.locator("[data-testid=save-managers]").click()
    page.get_by_text("Ответственные сохранены.").wait_for()
    details = page.locator("[data-testid=organization-details]")
    expect(details.locator("dt:has-text('Ответственный менеджер') + dd")).to_have_text(
        f"Ольга Ведущая {tag}"
    )
    expect(details.locator("dt:has-text('Модераторы') + dd")).to_have_text(f"Пётр Помощник {tag}")

    expect(page.locator("[data-testid=card-moderator]")).to_contain_text(f"Пётр Помощник {tag}")

    # The firm's own contact card for the manager: position and phone, firm A's only.
    card = page.locator("[data-testid=card-manager]")
    assert "Метка Веги" not in card.inner_text()
    card.get_by_role("button", name=f"Карточка контакта: Ольга Ведущая {tag}").click()
    page.get_by_label("Должность или метка").fill("Главный бухгалтер")
    page.get_by_label("Телефон").fill("звоните")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("alert")).to_contain_text("Телефон")
    assert page.get_by_label("Телефон").get_attribute("aria-invalid") == "true"
    page.get_by_label("Телефон").fill("+7 495 765-43-21")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Карточка сохранена.").wait_for()
    expect(card).to_contain_text("Главный бухгалтер · +7 495 765-43-21")
    assert "Метка Веги" not in card.inner_text()
    page.screenshot(path=str(artifacts / "client-card-managers.png"), full_page=True)

    # From the card to the client's reports: the feed filtered by this organization.
    page.locator("[data-testid=client-reports-link]").click()
    page.wait_for_url("**/reports?org=*")
    expect(page.locator("[data-testid=filter-org]")).to_have_value(org_id)

    # Archive (with a confirmation) and restore.
    page.go_back()
    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.locator("[data-testid=archive-client]").click()
    page.locator("[data-testid=archived-badge]").wait_for()
    assert dialogs and "в архив" in dialogs[0]
    # An archived client is not edited until restored.
    assert page.locator("[data-testid=edit-client]").count() == 0
    page.locator("[data-testid=restore-client]").click()
    page.get_by_text("Организация возвращена из архива.").wait_for()
    page.locator("[data-testid=edit-client]").wait_for()

    # On a phone the card's forms fit the screen.
    page.set_viewport_size({"width": 390, "height": 860})
    page.locator("[data-testid=edit-client]").click()
    page.locator("[data-testid=edit-managers]").click()
    page.locator("[data-testid=managers-form]").wait_for()
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(artifacts / "client-card-forms-390.png"), full_page=True)


def test_the_client_sees_its_manager_and_cannot_leave_as_last_admin(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
    e2e_settings: Settings,
    artifacts: Any,
) -> None:
    admin = firm_admins["a"]
    tag = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Ясень {tag}»")
    manager = staff_member(db_engine, firms, f"Анна Ответственная {tag}")
    admin.api.execute(SET_MANAGER, {"id": org_id, "m": person_gid(manager.id)})
    admin.api.execute(
        SET_CARD, {"p": person_gid(manager.id), "l": "Ваш бухгалтер", "ph": "+7 495 222-33-44"}
    )
    email = f"boss-{tag}@example.test"
    admin.invite_contact(org_id, email, ["REPORTS", "DOCUMENTS"], client_admin=True)
    accept_invitation(
        site, firms["a"], invitation_token(e2e_settings, email), PASSWORD, f"Борис {tag}"
    )

    dialogs: list[str] = []
    for width, lang in ((1280, "ru"), (390, "en")):
        context = chromium.new_context(viewport={"width": width, "height": 860})
        try:
            page = context.new_page()
            if lang == "en":
                page.add_init_script("window.localStorage.setItem('kabinet.lang', 'en')")
            log_in(page, site.firm_url(firms["a"], "/login"), email, PASSWORD)
            page.wait_for_url(f"**/cabinet/{org_pk}")
            card = page.locator("[data-testid=manager-card]")
            expect(card.locator("[data-testid=manager-name]")).to_have_text(
                f"Анна Ответственная {tag}"
            )
            expect(card.locator("[data-testid=manager-label]")).to_have_text("Ваш бухгалтер")
            phone = card.locator("[data-testid=manager-phone]")
            expect(phone).to_have_text("+7 495 222-33-44")
            assert phone.get_attribute("href") == "tel:+74952223344"
            assert card.locator("[data-testid=manager-email]").inner_text() == manager.email
            title = "Your manager" if lang == "en" else "Ваш менеджер"
            expect(card.get_by_role("heading")).to_have_text(title)
            card.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / f"client-manager-card-{width}.png"))
            if width == 390:
                assert no_horizontal_scroll(page)
                continue

            # The last admin: the dialog speaks to them, and the API refuses.
            me = page.locator(f"[data-testid=contact][data-email='{email}']")
            expect(me.locator(".title")).to_have_text(f"Борис {tag} (вы)")
            page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
            me.get_by_role("button", name="Отключить себя").click()
            expect(me.get_by_role("alert")).to_contain_text("Вы единственный администратор")
            assert dialogs and dialogs[0].startswith("Отключить вас от этой организации?")
        finally:
            context.close()


def test_a_person_renames_themselves_on_the_account_page(
    page: Any, site: Site, firms: Any, db_engine: sa.Engine
) -> None:
    person = staff_member(db_engine, firms, "Имя До")
    log_in(page, site.firm_url(firms["a"], "/login"), person.email, person.password)
    page.wait_for_url("**/clients")
    page.goto(site.firm_url(firms["a"], "/account/security"))
    field = page.get_by_label("Ваше имя")
    expect(field).to_have_value("Имя До")
    field.fill(" ")
    page.locator("[data-testid=save-name]").click()
    expect(page.locator("#profile-name-error")).to_contain_text("Имя")
    assert field.get_attribute("aria-invalid") == "true"
    field.fill("Имя После")
    page.locator("[data-testid=save-name]").click()
    page.get_by_text("Имя сохранено.").wait_for()
    page.reload()
    expect(page.get_by_label("Ваше имя")).to_have_value("Имя После")
