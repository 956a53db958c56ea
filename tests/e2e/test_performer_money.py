"""The performer's money page in the browser (issue 17): «Доходы» (/performer/money).

A performer of firm A has a paid history this year (1 915 000 ₽ from «Клиент», January) and
one real act of 10 000 ₽ that a customer put in a registry and marked paid (so a real НПД
receipt with the organization's name and INN, its PDF stored), plus one payment held with its
reason. The performer opens «Доходы» from the menu: the income is 1 925 000 ₽, 80,2% of the
2 400 000 ₽ limit with the 80% warning, 475 000 ₽ left; the tax estimate (6% from organizations,
less the whole 10 000 ₽ deduction: 105 500 ₽); the statistics (one response, chosen once, the
average of two orders). The payments list shows the held one with its reason; the receipts
list the organization's name and INN and the exact amount; the receipt downloads as a PDF.
Cancelling it asks for a reason first, then the receipt is «аннулирован (возврат средств)»,
the income drops to 1 915 000 ₽ (79,7%) and the warning is gone. The page at 390 px: nothing
scrolls sideways. Past 95% (2 290 000 ₽) the stronger warning shows, here in English.

The profile: an account whose control key does not match the BIK is refused under its own
field; former employers are saved and shown again; a portfolio item is refused for a non-http
link, then added and removed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    PHONE,
    FirmAdmin,
    Site,
    axe_violations,
    fits,
    log_in,
    open_section,
)
from tests.support.auth import create_person
from tests.support.clients import inn10
from tests.support.documents import schema_of
from tests.support.performer_pages import PerformersSetUp, new_page, rub
from tests.support.performers import ERR, add_profile, paid_history, signed_act

PAYER = {
    "bankName": "ПАО Сбербанк",
    "bik": "044525225",
    "corrAccount": "30101810400000000225",
    "account": "40702810938000000001",
}
SETTINGS = f"""mutation($o: ID!, $i: PerformerCustomerInput!) {{ savePerformerCustomer(
  organizationId: $o, input: $i) {{ __typename ... on PerformerCustomer {{ organizationId }}
  {ERR} }} }}"""
FORM = f"""mutation($o: ID!) {{ formPaymentRegistry(organizationId: $o) {{ __typename
  ... on PaymentRegistry {{ id totalKopecks }} {ERR} }} }}"""
PAID = f"""mutation($r: ID!) {{ markPaymentRegistryPaid(registryId: $r) {{ __typename
  ... on PaymentRegistry {{ id status }} {ERR} }} }}"""
HELD_REASON = "Исполнитель не указал банковские реквизиты"


@dataclass(frozen=True)
class MoneyWorld:
    org_name: str
    org_inn: str
    email: str
    password: str
    performer_name: str


@pytest.fixture(scope="module")
def world(
    site: Site,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    e2e_server: Any,
    db_engine: sa.Engine,
) -> Iterator[MoneyWorld]:
    suffix = uuid.uuid4().hex[:6]
    with PerformersSetUp(site, firm_admins["a"], e2e_settings, e2e_server, db_engine) as setup:
        customer = setup.customer(
            f"ООО «Деньги {suffix}»", f"money-customer-{suffix}@example.test", "Заказчик"
        )
        name = f"Морозова Мария {suffix}"
        performer = setup.performer(
            f"earner-{suffix}@example.test", name, display_name=f"Earner {suffix}"
        )
        person, slug, org_pk = performer.person, setup.firm.slug, customer.org_pk
        # January of this year: 1 915 000 ₽ paid by «Клиент» (an organization).
        paid_history(
            db_engine, slug, org_pk, person.id, [(f"{date.today().year}-01-01", 1_915_000_00)]
        )
        signed_act(e2e_settings, customer.party, performer.party, org_pk, 20_000_00, 10_000_00)
        client, org = customer.party.client, customer.org_id
        saved = client.execute(SETTINGS, {"o": org, "i": {"bank": PAYER}})
        assert saved["savePerformerCustomer"]["__typename"] == "PerformerCustomer", saved
        formed = client.execute(FORM, {"o": org})["formPaymentRegistry"]
        assert formed["__typename"] == "PaymentRegistry" and formed["totalKopecks"] == 10_000_00
        paid = client.execute(PAID, {"r": formed["id"]})["markPaymentRegistryPaid"]
        assert paid["status"] == "PAID", paid
        schema = schema_of(slug)
        with db_engine.begin() as conn:
            org_inn = conn.execute(
                sa.text(f"SELECT inn FROM {schema}.client_organizations WHERE id = :o"),
                {"o": org_pk},
            ).scalar_one()
            # A payment held (its act: the paid history's), with the reason the registry gave.
            act = conn.execute(
                sa.text(
                    f"SELECT min(id) FROM {schema}.performer_acts WHERE performer_person_id = :p"
                ),
                {"p": person.id},
            ).scalar_one()
            conn.execute(
                sa.text(
                    f"INSERT INTO {schema}.performer_payments (act_id, organization_id, "
                    "performer_person_id, amount_kopecks, status, held_reason) "
                    "VALUES (:a, :o, :p, 300000, 'held', :why)"
                ),
                {"a": act, "o": org_pk, "p": person.id, "why": HELD_REASON},
            )
        yield MoneyWorld(customer.org_name, str(org_inn), person.email, person.password, name)


def test_a_performer_sees_income_limit_tax_and_cancels_a_receipt(  # noqa: PLR0915
    chromium: Any, site: Site, firms: Any, world: MoneyWorld
) -> None:
    page = new_page(chromium)
    try:
        log_in(page, site.firm_url(firms["a"], "/login"), world.email, world.password)
        page.wait_for_url("**/performer")
        open_section(page, "Доходы")
        page.wait_for_url("**/performer/money")
        expect(page.get_by_role("heading", level=1)).to_have_text("Доходы и налог")

        limit = page.get_by_test_id("money-limit")
        expect(page.get_by_test_id("money-income")).to_have_text(rub("1 925 000,00"))
        expect(limit).to_have_attribute("data-level", "WARN_80")
        expect(page.get_by_test_id("money-share")).to_have_text(
            re.compile(r"80,2% лимита 2\s400\s000,00\s₽")
        )
        expect(page.get_by_test_id("money-bar")).to_have_attribute("aria-valuenow", "80.2")
        expect(page.get_by_test_id("money-left")).to_contain_text(rub("475 000,00"))
        warning = page.get_by_test_id("limit-warning")
        expect(warning).to_have_attribute("data-level", "WARN_80")
        expect(warning).to_contain_text("превысил 80% лимита НПД")
        # The tax: 6% of 1 925 000 ₽ less the whole deduction of 10 000 ₽.
        expect(page.get_by_test_id("money-tax-amount")).to_have_text(rub("105 500,00"))
        expect(page.get_by_test_id("money-deduction-used")).to_have_text(rub("10 000,00"))
        expect(page.get_by_test_id("money-deduction-left")).to_have_text(rub("0,00"))
        # January's history and this month's payment (one line when this month is January).
        expect(page.get_by_test_id("money-month")).to_have_count(
            1 if date.today().month == 1 else 2
        )
        expect(page.get_by_test_id("money-stat-responded")).to_have_text("1")
        expect(page.get_by_test_id("money-stat-won")).to_have_text("1")
        expect(page.get_by_test_id("money-stat-average")).to_have_text(rub("962 500,00"))

        # Payments: the paid one names the customer from its receipt; the held one its reason.
        held = page.locator("[data-testid=money-payment][data-status=HELD]")
        expect(held).to_have_count(1)
        expect(held.get_by_test_id("payment-status")).to_have_text("задержана")
        expect(held.get_by_test_id("payment-held")).to_contain_text(HELD_REASON)
        paid = page.locator("[data-testid=money-payment][data-status=PAID]").filter(
            has_text=world.org_name
        )
        expect(paid).to_have_count(1)
        expect(paid).to_contain_text(rub("10 000,00"))
        expect(paid.get_by_test_id("payment-customer")).to_contain_text(f"ИНН {world.org_inn}")

        receipts = page.get_by_test_id("money-receipt")
        expect(receipts).to_have_count(2)
        receipt = receipts.filter(has_text=world.org_name)
        expect(receipt).to_have_count(1)
        expect(receipt.get_by_test_id("receipt-customer")).to_have_text(
            f"Заказчик: {world.org_name}, ИНН {world.org_inn}"
        )
        expect(receipt.get_by_test_id("receipt-amount")).to_have_text(rub("10 000,00"))
        expect(receipt.get_by_test_id("receipt-status")).to_have_text("действует")
        with page.expect_download() as download:
            receipt.get_by_test_id("receipt-download").click()
        body = Path(download.value.path()).read_bytes()
        assert body.startswith(b"%PDF"), body[:40]
        assert download.value.suggested_filename.startswith("receipt-")
        assert axe_violations(page) == []

        # Cancelling asks for a reason; «Не аннулировать» leaves it valid.
        receipt.get_by_test_id("receipt-cancel").click()
        confirm = receipt.get_by_test_id("receipt-cancel-confirm")
        expect(confirm).to_contain_text(rub("10 000,00"))
        expect(confirm.get_by_test_id("receipt-cancel-yes")).to_be_disabled()
        confirm.get_by_test_id("receipt-cancel-no").click()
        expect(confirm).to_have_count(0)
        expect(receipt).to_have_attribute("data-status", "ISSUED")
        receipt.get_by_test_id("receipt-cancel").click()
        confirm.get_by_test_id("cancel-reason-REFUND").check()
        confirm.get_by_test_id("receipt-cancel-yes").click()
        expect(receipt).to_have_attribute("data-status", "CANCELLED")
        expect(receipt.get_by_test_id("receipt-status")).to_contain_text(
            "аннулирован (возврат средств)"
        )
        expect(receipt.get_by_test_id("receipt-cancel")).to_have_count(0)
        # A cancelled receipt no longer counts: under 80%, no warning.
        expect(page.get_by_test_id("money-income")).to_have_text(rub("1 915 000,00"))
        expect(page.get_by_test_id("money-share")).to_contain_text("79,7%")
        expect(limit).to_have_attribute("data-level", "OK")
        expect(page.get_by_test_id("limit-warning")).to_have_count(0)
        expect(page.get_by_test_id("money-tax-amount")).to_have_text(rub("104 900,00"))
        # The other receipt (the history's) is untouched.
        other = receipts.filter(has_text="Клиент, ИНН 7707083893")
        expect(other).to_have_attribute("data-status", "ISSUED")
    finally:
        page.context.close()


def test_the_money_page_fits_a_phone(
    chromium: Any, site: Site, firms: Any, world: MoneyWorld
) -> None:
    page = new_page(chromium, PHONE)
    try:
        log_in(page, site.firm_url(firms["a"], "/login"), world.email, world.password)
        page.wait_for_url("**/performer")
        expect(page.get_by_test_id("portfolio")).to_be_visible()
        fits(page, "the performer's profile")
        page.goto(site.firm_url(firms["a"], "/performer/money"))
        expect(page.get_by_test_id("money-limit")).to_be_visible()
        valid = page.locator("[data-testid=money-receipt][data-status=ISSUED]").first
        expect(valid).to_be_visible()
        valid.get_by_test_id("receipt-cancel").click()
        expect(page.get_by_test_id("receipt-cancel-confirm")).to_be_visible()
        fits(page, "the performer's money page")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
    finally:
        page.context.close()


def test_the_profile_shows_refusals_at_their_fields_and_keeps_a_portfolio(
    chromium: Any, site: Site, firms: Any, world: MoneyWorld
) -> None:
    page = new_page(chromium)
    try:
        log_in(page, site.firm_url(firms["a"], "/login"), world.email, world.password)
        page.wait_for_url("**/performer")
        form = page.get_by_test_id("profile-form")
        expect(form.get_by_test_id("profile-skill-chips")).to_contain_text("дизайн")
        # An account whose control key does not match the BIK: refused under «Расчётный счёт».
        form.get_by_test_id("profile-account").fill("40817810938160925983")
        form.get_by_test_id("profile-save").click()
        refusal = form.get_by_test_id("profile-field-error")
        expect(refusal).to_have_attribute("data-field", "account")
        expect(refusal).to_contain_text("Расчётный счёт не соответствует БИК")
        expect(form.get_by_test_id("profile-account")).to_have_attribute("aria-invalid", "true")
        expect(form.get_by_test_id("profile-bik")).not_to_have_attribute("aria-invalid", "true")
        # Fixed, and a former employer added: saved and shown again after a reload.
        form.get_by_test_id("profile-account").fill("40817810938160925982")
        employer = inn10()
        form.get_by_test_id("employer-add").click()
        form.get_by_test_id("employer-inn").fill(employer)
        form.get_by_test_id("employer-until").fill("2025-06-30")
        form.get_by_test_id("profile-save").click()
        expect(form).to_contain_text("Профиль сохранён.")
        expect(form.get_by_test_id("profile-field-error")).to_have_count(0)
        page.reload()
        expect(form.get_by_test_id("employer-inn")).to_have_value(employer)
        expect(form.get_by_test_id("employer-until")).to_have_value("2025-06-30")
        expect(form.get_by_test_id("profile-account")).to_have_value("40817810938160925982")

        # The portfolio: a link must be http(s); an item is added, then removed.
        portfolio = page.get_by_test_id("portfolio")
        expect(portfolio.get_by_test_id("portfolio-item")).to_have_count(0)
        title = f"Логотип {uuid.uuid4().hex[:4]}"
        portfolio.get_by_test_id("portfolio-title").fill(title)
        portfolio.get_by_test_id("portfolio-description").fill("Для кофейни")
        portfolio.get_by_test_id("portfolio-url").fill("ftp://example.test/logo")
        portfolio.get_by_test_id("portfolio-submit").click()
        wrong = portfolio.get_by_test_id("portfolio-field-error")
        expect(wrong).to_have_attribute("data-field", "url")
        expect(wrong).to_contain_text("http:// или https://")
        portfolio.get_by_test_id("portfolio-url").fill("https://example.test/logo")
        portfolio.get_by_test_id("portfolio-submit").click()
        item = portfolio.get_by_test_id("portfolio-item")
        expect(item).to_have_count(1)
        expect(item).to_contain_text(title)
        expect(item.get_by_role("link")).to_have_attribute("href", "https://example.test/logo")
        assert axe_violations(page) == []
        page.reload()
        expect(item).to_have_count(1)
        item.get_by_test_id("portfolio-remove").click()
        expect(item).to_have_count(0)
        page.reload()
        expect(page.get_by_test_id("profile-form")).to_be_visible()
        expect(item).to_have_count(0)

        page.get_by_test_id("npd-check").click()
        expect(page.get_by_test_id("npd-status")).to_have_attribute("data-status", "ACTIVE")
    finally:
        page.context.close()


def test_past_95_percent_the_warning_is_the_stronger_one_in_english(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
) -> None:
    """2 290 000 ₽ (95.4%): the 95% warning, 110 000 ₽ left, in the English cabinet; 21
    payments and receipts: a page of 20, then «Show more»."""
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    person = create_person(
        db_engine,
        f"near-limit-{suffix}@example.test",
        display_name=f"Near {suffix}",
        memberships=[(firm.id, "performer", ["performer"], None)],
    )
    _, org = firm_admins["a"].create_organization(f"ООО «Почти лимит {suffix}»")
    add_profile(db_engine, firm.slug, person.id, name=f"Near Limit {suffix}")
    # 21 payments (a page of 20 and one more): 20 x 100 000 ₽ and 290 000 ₽.
    january = f"{date.today().year}-01-01"
    history = [(january, 100_000_00)] * 20 + [(january, 290_000_00)]
    paid_history(db_engine, firm.slug, org, person.id, history)
    page = new_page(chromium)
    try:
        log_in(page, site.firm_url(firm, "/login"), person.email, person.password)
        page.wait_for_url("**/performer")
        page.get_by_role("button", name="EN", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Performer profile")
        page.goto(site.firm_url(firm, "/performer/money"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Income and tax")
        limit = page.get_by_test_id("money-limit")
        expect(limit).to_have_attribute("data-level", "WARN_95")
        expect(page.get_by_test_id("money-bar")).to_have_attribute("aria-valuenow", "95.4")
        warning = page.get_by_test_id("limit-warning")
        expect(warning).to_have_attribute("data-level", "WARN_95")
        expect(warning).to_contain_text("over 95% of the НПД limit")
        expect(warning).to_contain_text("110,000.00")
        # 6% of 2 290 000 ₽ less the whole deduction.
        expect(page.get_by_test_id("money-tax-amount")).to_contain_text("127,400.00")
        # A page of 20 of each, then «Show more» adds the oldest one.
        receipts = page.get_by_test_id("money-receipt")
        expect(receipts).to_have_count(20)
        expect(receipts.first).to_contain_text("Customer: Клиент, INN 7707083893")
        page.get_by_test_id("receipts-more").click()
        expect(receipts).to_have_count(21)
        expect(receipts.last.get_by_test_id("receipt-amount")).to_have_text("RUB 100,000.00")
        expect(page.get_by_test_id("receipts-more")).to_have_count(0)
        payments = page.get_by_test_id("money-payment")
        expect(payments).to_have_count(20)
        page.get_by_test_id("payments-more").click()
        expect(payments).to_have_count(21)
        page.set_viewport_size(PHONE)
        fits(page, "the money page in English")
    finally:
        page.context.close()
