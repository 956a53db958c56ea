"""Performers in the browser (issue 17): a customer (a client contact of an organization the
firm serves with performers) publishes an order in «Исполнители» (budget in rubles); a
performer, in another browser, lands on their own cabinet (/performer), fills the profile
(INN, name, skills, bank details), checks the НПД status («самозанятый»), finds the order by
skill, asks a question in the order's conversation and responds with a message and a price
in rubles. The customer answers the question under the response (it reaches the performer's
open conversation live); the firm's chat inbox lists it as the order's and opens it. The
customer sees the response (name,
НПД status, rating) and chooses it: refused while the tax service says they are not
self-employed, given once it says they are; the customer makes the contract and signs it
with the code from their e-mail; the performer signs it in «Моя работа» with the code from
theirs: the contract is «подписан». The customer accepts work into an act; both sign the act
the same way."""

from __future__ import annotations

import re
import uuid
from typing import Any

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
)
from tests.support.auth import create_person
from tests.support.clients import inn12
from tests.support.mail import messages_to
from tests.support.performers import BANK, code_for, enable_performers, set_status
from tests.support.waiting import eventually


def sign_by_code(box: Any, settings: Settings, address: str) -> None:
    """Request the code, read it from the new e-mail, type it and sign."""
    before = len(messages_to(settings, address))
    box.get_by_test_id("request-code").click()
    # The address is masked on screen (pe***@example.test).
    expect(box).to_contain_text(f"Код отправлен на {address[:2]}***@")
    eventually(
        lambda: len(messages_to(settings, address)) == before + 1,
        within=15,
        what="the e-mail with the code",
    )
    box.get_by_test_id("sign-code").fill(code_for(settings, address))
    box.get_by_test_id("sign-submit").click()


def test_a_customer_and_a_performer_make_and_sign_a_contract(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    e2e_server: Any,
    db_engine: Any,
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Заказчик {suffix}»")
    enable_performers(db_engine, firm.slug, org_pk)
    contact = f"performers-customer-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["PERFORMERS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Заказчик {suffix}"
    )
    worker = create_person(
        db_engine,
        f"performer-{suffix}@example.test",
        display_name=f"Исполнитель {suffix}",
        memberships=[(firm.id, "performer", ["performer"], None)],
    )
    title = f"Логотип для кофейни {suffix}"
    skill = f"дизайн-{suffix}"
    full_name = f"Петров Пётр {suffix}"

    contexts = []

    def new_page() -> Any:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        customer = new_page()
        log_in(customer, site.firm_url(firm, "/login"), contact, PASSWORD)
        customer.wait_for_url(f"**/cabinet/{org_pk}")
        customer.get_by_test_id("performers-link").click()
        customer.wait_for_url(f"**/cabinet/{org_pk}/performers")
        form = customer.get_by_test_id("publish-form")
        form.get_by_test_id("order-title").fill(title)
        form.get_by_test_id("order-description").fill("Нужен логотип и фирменные цвета")
        form.get_by_test_id("order-budget").fill("30 000")
        form.get_by_test_id("order-skills").fill(f"{skill}, figma")
        form.get_by_test_id("publish-submit").click()
        expect(form).to_contain_text("Заказ опубликован.")
        order = customer.get_by_test_id("customer-order").filter(has_text=title)
        expect(order).to_contain_text(re.compile(r"Бюджет: 30\s000,00\s₽"))
        expect(order.get_by_test_id("order-status")).to_have_text("открыт")
        expect(order).to_contain_text("Откликов пока нет.")
        assert axe_violations(customer) == []
        # Every page of the organization's cabinet leads there.
        expect(
            customer.get_by_test_id("shell-nav").get_by_role("link", name="Исполнители")
        ).to_have_count(1)

        performer = new_page()
        log_in(performer, site.firm_url(firm, "/login"), worker.email, worker.password)
        performer.wait_for_url("**/performer")
        profile = performer.get_by_test_id("profile-form")
        inn = inn12()
        profile.get_by_test_id("profile-inn").fill(inn)
        profile.get_by_test_id("profile-fullName").fill(full_name)
        profile.get_by_test_id("profile-phone").fill("+79001234567")
        profile.get_by_test_id("profile-skills").fill(f"{skill}, figma")
        profile.get_by_test_id("profile-about").fill("Рисую логотипы")
        profile.get_by_test_id("profile-bankName").fill(BANK["bankName"])
        profile.get_by_test_id("profile-bik").fill(BANK["bik"])
        profile.get_by_test_id("profile-corrAccount").fill(BANK["corrAccount"])
        profile.get_by_test_id("profile-account").fill(BANK["account"])
        profile.get_by_test_id("profile-save").click()
        expect(performer.get_by_test_id("profile-form")).to_contain_text("Профиль сохранён.")
        performer.get_by_test_id("npd-check").click()
        expect(performer.get_by_test_id("npd-status")).to_have_attribute("data-status", "ACTIVE")
        expect(performer.get_by_test_id("npd-status")).to_contain_text("самозанятый")
        assert axe_violations(performer) == []

        performer.get_by_test_id("shell-nav").get_by_role("link", name="Заказы").click()
        performer.wait_for_url("**/performer/orders")
        performer.get_by_test_id("order-skill").fill(skill)
        performer.get_by_test_id("order-skill").press("Enter")
        offered = performer.get_by_test_id("performer-order")
        expect(offered).to_have_count(1)
        expect(offered).to_contain_text(title)
        # A question first, in the order's conversation (before responding).
        offered.get_by_test_id("order-discuss").click()
        asked = offered.get_by_test_id("order-conversation")
        asked.get_by_test_id("chat-text").fill("Нужен ли брендбук?")
        asked.get_by_test_id("chat-send").click()
        expect(asked.get_by_test_id("chat-message")).to_have_count(1)
        expect(asked.locator(".chat-own")).to_contain_text("Нужен ли брендбук?")
        offered.get_by_test_id("respond-message").fill("Сделаю за неделю")
        offered.get_by_test_id("respond-price").fill("25 000,50")
        offered.get_by_test_id("respond-submit").click()
        expect(offered).to_contain_text("Вы откликнулись.")

        customer.reload()
        response = order.get_by_test_id("order-response")
        expect(response).to_have_count(1)
        expect(response).to_contain_text(full_name)
        expect(response).to_contain_text("Статус НПД: самозанятый")
        expect(response).to_contain_text("Выполнено заказов: 0")
        expect(response).to_contain_text(re.compile(r"Цена: 25\s000,50\s₽"))
        expect(response).to_contain_text("Сделаю за неделю")
        # The customer answers the question in the same conversation; it reaches the
        # performer's open thread live.
        response.get_by_test_id("order-discuss").click()
        talk = response.get_by_test_id("order-conversation")
        expect(talk.locator(".chat-other")).to_contain_text("Нужен ли брендбук?")
        expect(talk.locator(".chat-other")).to_contain_text(f"Исполнитель {suffix}")
        talk.get_by_test_id("chat-text").fill("Нет, только логотип.")
        talk.get_by_test_id("chat-send").click()
        expect(talk.locator(".chat-own")).to_contain_text("Нет, только логотип.")
        expect(asked.locator(".chat-other")).to_contain_text("Нет, только логотип.")
        response.get_by_test_id("order-discuss").click()  # hide it again
        # The firm's chat inbox lists it as the order's conversation with that performer and
        # opens that conversation (not the organization's own).
        staff = new_page()
        log_in(staff, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        staff.wait_for_url(lambda url: "/login" not in url)
        staff.goto(site.firm_url(firm, "/chat"))
        inbox_row = staff.locator(f"[data-testid=chat-inbox-row][data-organization-id='{org_id}']")
        about = inbox_row.get_by_test_id("chat-inbox-order")
        expect(about).to_have_text(f"Заказ исполнителю: Исполнитель {suffix}")
        about.locator("xpath=..").get_by_role("link").click()
        staff.wait_for_url("**/chat/conversation/*")
        expect(staff.get_by_test_id("chat-about-order")).to_contain_text(f"Исполнитель {suffix}")
        expect(staff.get_by_test_id("chat-body")).to_have_text(
            ["Нужен ли брендбук?", "Нет, только логотип."]
        )
        # The tax service now says they are not self-employed: the choice is refused in its
        # words, the order stays open.
        set_status(e2e_server, inn, False)
        response.get_by_test_id("choose-response").click()
        refusal = order.get_by_test_id("choose-error")
        expect(refusal).to_have_attribute("data-code", "NOT_SELF_EMPLOYED")
        expect(refusal).not_to_be_empty()
        expect(order.get_by_test_id("order-status")).to_have_text("открыт")
        set_status(e2e_server, inn, True)
        response.get_by_test_id("choose-response").click()
        expect(order.get_by_test_id("order-status")).to_have_text("исполнитель выбран")
        expect(order.get_by_test_id("order-performer")).to_contain_text(full_name)
        order.get_by_test_id("make-contract").click()
        contract = order.get_by_test_id("performer-contract")
        expect(contract).to_contain_text(re.compile(r"Сумма: 25\s000,50\s₽"))
        expect(contract.get_by_test_id("contract-status")).to_have_text("на подписании")
        href = contract.get_by_test_id("contract-download").get_attribute("href")
        assert href, "no PDF link"
        sign_by_code(contract, e2e_settings, contact)
        expect(contract.get_by_test_id("signed-by")).to_contain_text("заказчик")
        expect(contract.get_by_test_id("request-code")).to_have_count(0)

        performer.get_by_test_id("shell-nav").get_by_role("link", name="Моя работа").click()
        performer.wait_for_url("**/performer/work")
        mine = performer.get_by_test_id("performer-order").filter(has_text=title)
        expect(mine.get_by_test_id("order-status")).to_have_text("исполнитель выбран")
        theirs = performer.get_by_test_id("performer-contract")
        expect(theirs).to_have_count(1)
        sign_by_code(theirs, e2e_settings, worker.email)
        expect(theirs.get_by_test_id("contract-status")).to_have_text("подписан")
        expect(theirs.get_by_test_id("signed-by")).to_contain_text("заказчик, исполнитель")

        customer.reload()
        expect(contract.get_by_test_id("contract-status")).to_have_text("подписан")
        contract.get_by_test_id("accept-amount").fill("10 000")
        contract.get_by_test_id("accept-submit").click()
        act = contract.get_by_test_id("performer-act")
        expect(act).to_have_count(1)
        expect(act).to_contain_text(re.compile(r"Сумма: 10\s000,00\s₽"))
        sign_by_code(act, e2e_settings, contact)
        expect(act.get_by_test_id("signed-by")).to_contain_text("заказчик")

        performer.reload()
        their_act = theirs.get_by_test_id("performer-act")
        sign_by_code(their_act, e2e_settings, worker.email)
        expect(their_act).to_have_attribute("data-status", "SIGNED")
        assert axe_violations(performer) == []
    finally:
        for context in contexts:
            context.close()
