"""Performer payments in the browser (issue 17). A customer (a client contact of an
organization granting 'performers') opens «Выплаты исполнителям»: forming a registry is refused
until the payer's account is set (PAYER_ACCOUNT_MISSING, in Russian), a wrong BIK is shown under
its field, then the registry takes the signed act of a self-employed performer and holds the
other's payment (no longer self-employed: the reason shown). The 1C file is Windows-1251
1CClientBankExchange with the act's sum; «Отметить оплаченным» asks first, then the registry is
paid and the НПД receipt (the customer's name and INN, the exact amount) is listed and
downloadable. The risk signals of the organization's paid history are shown, never blocking.

A firm admin opens «Исполнители» in the workspace: the numbers of the period match the database
(performers, НПД active, the volume by month and by customer), the risk signal is listed, agency
documents are made for a month and the contract template refuses an unknown field. Both pages
at 390 px: nothing scrolls sideways."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    PASSWORD,
    PHONE,
    FirmAdmin,
    Site,
    axe_violations,
    fits,
    log_in,
    open_section,
)
from tests.support.auth import create_person
from tests.support.documents import schema_of
from tests.support.performer_pages import PerformersSetUp, new_page, rub
from tests.support.performers import paid_history, set_status, signed_act

PAYER_ACCOUNT = "40702810938000000001"  # keyed against BIK 044525225
HISTORY = [("2025-02-10", 50_000_00), ("2025-03-10", 50_000_00), ("2025-04-10", 50_000_00)]


@dataclass(frozen=True)
class PaymentsWorld:
    org_id: str
    org_pk: int
    org_name: str
    contact: str
    contact_name: str
    performer_name: str
    performer_inn: str
    held_name: str
    held_inn: str


@pytest.fixture(scope="module")
def world(
    site: Site,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    e2e_server: Any,
    db_engine: sa.Engine,
) -> Iterator[PaymentsWorld]:
    """An organization with performers, its contact, two performers with a signed act each
    (10 000 ₽ and 7 000 ₽), the second no longer self-employed, and three months of paid
    history of the first (a fixed monthly amount: a risk signal)."""
    suffix = uuid.uuid4().hex[:6]
    with PerformersSetUp(site, firm_admins["a"], e2e_settings, e2e_server, db_engine) as setup:
        org = setup.customer(
            f"ООО «Плательщик {suffix}»",
            f"payments-customer-{suffix}@example.test",
            f"Бухгалтер {suffix}",
        )
        first, held = (
            setup.performer(f"payee-{n}-{suffix}@example.test", name)
            for n, name in enumerate((f"Сидоров Семён {suffix}", f"Кузнецова Ксения {suffix}"))
        )
        for performer, accepted in ((first, 10_000_00), (held, 7_000_00)):
            signed_act(e2e_settings, org.party, performer.party, org.org_pk, 20_000_00, accepted)
        set_status(e2e_server, held.profile["inn"], False)
        paid_history(db_engine, setup.firm.slug, org.org_pk, first.person.id, HISTORY)
        yield PaymentsWorld(
            org_id=org.org_id,
            org_pk=org.org_pk,
            org_name=org.org_name,
            contact=org.contact,
            contact_name=org.contact_name,
            performer_name=first.profile["fullName"],
            performer_inn=first.profile["inn"],
            held_name=held.profile["fullName"],
            held_inn=held.profile["inn"],
        )


def fetch(page: Any, href: str) -> tuple[int, bytes]:
    """A link of the page fetched by the page itself (its cookies, its host)."""
    status, data = page.evaluate(
        """async (href) => {
          const answer = await fetch(href, { credentials: "same-origin" });
          return [answer.status, Array.from(new Uint8Array(await answer.arrayBuffer()))];
        }""",
        href,
    )
    return int(status), bytes(data)


def test_a_customer_forms_downloads_and_pays_a_registry(
    chromium: Any, site: Site, firms: Any, world: PaymentsWorld
) -> None:
    page = new_page(chromium)
    try:
        log_in(page, site.firm_url(firms["a"], "/login"), world.contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{world.org_pk}")
        # The client home leads to «Исполнители»; every page of it to the payments.
        page.get_by_test_id("performers-link").click()
        page.wait_for_url(f"**/cabinet/{world.org_pk}/performers")
        open_section(page, "Выплаты исполнителям")
        page.wait_for_url(f"**/cabinet/{world.org_pk}/performers/payments")
        expect(page.get_by_role("heading", level=1)).to_have_text("Выплаты исполнителям")

        # The paid history: the same sum three months running from this organization.
        risks = page.get_by_test_id("customer-risks")
        fixed = risks.locator("[data-testid=risk-signal][data-kind=FIXED_MONTHLY]")
        expect(fixed).to_have_count(1)
        expect(fixed).to_contain_text(world.performer_name)
        expect(fixed).to_contain_text("2025-02, 2025-03, 2025-04")

        # No payer's account yet: refused in the cabinet's words.
        page.get_by_test_id("form-registry-submit").click()
        refusal = page.get_by_test_id("registry-error")
        expect(refusal).to_have_attribute("data-code", "PAYER_ACCOUNT_MISSING")
        expect(refusal).to_contain_text("Укажите расчётный счёт организации")
        expect(page.get_by_test_id("payment-registry")).to_have_count(0)

        settings = page.get_by_test_id("customer-settings")
        settings.get_by_test_id("payer-bankName").fill("ПАО Сбербанк")
        settings.get_by_test_id("payer-bik").fill("04452522")  # 8 digits
        settings.get_by_test_id("payer-corrAccount").fill("30101810400000000225")
        settings.get_by_test_id("payer-account").fill(PAYER_ACCOUNT)
        settings.get_by_test_id("settings-save").click()
        wrong = settings.get_by_test_id("settings-field-error")
        expect(wrong).to_have_attribute("data-field", "bank.bik")
        expect(wrong).to_contain_text("БИК")
        expect(settings.get_by_test_id("payer-bik")).to_have_attribute("aria-invalid", "true")
        settings.get_by_test_id("payer-bik").fill("044525225")
        settings.get_by_test_id("payer-responsible").select_option(label=world.contact_name)
        settings.get_by_test_id("settings-save").click()
        expect(settings).to_contain_text("Настройки сохранены.")
        expect(settings.get_by_test_id("settings-field-error")).to_have_count(0)

        page.get_by_test_id("form-registry-submit").click()
        expect(page.get_by_test_id("form-registry")).to_contain_text("Реестр сформирован.")
        registry = page.get_by_test_id("payment-registry")
        expect(registry).to_have_count(1)
        expect(registry).to_have_attribute("data-status", "FORMED")
        expect(registry.get_by_test_id("registry-total")).to_contain_text(rub("10 000,00"))
        included = registry.locator("[data-testid=registry-payment][data-status=INCLUDED]")
        expect(included).to_have_count(1)
        expect(included).to_contain_text(world.performer_name)
        held = registry.locator("[data-testid=registry-payment][data-status=HELD]")
        expect(held).to_have_count(1)
        expect(held).to_contain_text(world.held_name)
        expect(held.get_by_test_id("held-reason")).to_contain_text("не является плательщиком НПД")

        with page.expect_download() as download:
            registry.get_by_test_id("registry-download").click()
        body = Path(download.value.path()).read_bytes()
        assert "Сумма".encode("cp1251") in body  # Windows-1251, not UTF-8
        text = body.decode("cp1251")
        assert text.startswith("1CClientBankExchange\r\n"), text[:60]
        assert "ВерсияФормата=1.03" in text and "Кодировка=Windows" in text
        assert re.findall(r"^Сумма=(.*)\r$", text, re.M) == ["10000.00"], text
        assert f"ПолучательИНН={world.performer_inn}" in text
        assert world.held_inn not in text  # the held payment is not in the file
        assert f"ПлательщикСчет={PAYER_ACCOUNT}" in text
        assert axe_violations(page) == []

        # «Отметить оплаченным» asks first; «Отмена» leaves it formed.
        registry.get_by_test_id("mark-paid").click()
        confirm = registry.get_by_test_id("mark-paid-confirm")
        expect(confirm).to_contain_text(rub("10 000,00"))
        confirm.get_by_test_id("mark-paid-no").click()
        expect(confirm).to_have_count(0)
        expect(registry).to_have_attribute("data-status", "FORMED")
        registry.get_by_test_id("mark-paid").click()
        registry.get_by_test_id("mark-paid-yes").click()
        expect(registry).to_have_attribute("data-status", "PAID")
        expect(registry.get_by_test_id("registry-status")).to_have_text("оплачен")
        expect(registry.get_by_test_id("mark-paid")).to_have_count(0)
        expect(included).to_have_count(0)
        paid = registry.locator("[data-testid=registry-payment][data-status=PAID]")
        expect(paid).to_contain_text("Чек №")

        # The three of the paid history and the new one: the customer's name, the exact sum.
        receipts = page.get_by_test_id("performer-receipt")
        expect(receipts).to_have_count(4)
        receipt = receipts.filter(has_text=world.org_name)
        expect(receipt).to_have_count(1)
        expect(receipt).to_contain_text(world.performer_name)
        expect(receipt.get_by_test_id("receipt-amount")).to_have_text(rub("10 000,00"))
        expect(receipt).to_contain_text(world.org_name)
        expect(receipt).to_contain_text("действует")
        pdf = receipt.get_by_test_id("receipt-download").get_attribute("href")
        assert pdf
        status, content = fetch(page, pdf)
        assert status == 200 and content.startswith(b"%PDF"), (status, content[:40])

        # The held performer is still not self-employed: nothing else can be paid.
        page.get_by_test_id("form-registry-submit").click()
        expect(page.get_by_test_id("registry-error")).to_have_attribute("data-code", "ALL_HELD")
        expect(page.get_by_test_id("registry-error")).to_contain_text("Все выплаты задержаны")
    finally:
        page.context.close()


def expected_numbers(db_engine: sa.Engine, slug: str, org: int) -> dict[str, Any]:
    """What the statistics must say, read from the tables; months are the firm's (its time
    zone, Moscow unless set)."""
    schema = schema_of(slug)
    with db_engine.connect() as conn:
        zone = conn.scalar(
            sa.text(
                "SELECT coalesce(settings->>'time_zone', 'Europe/Moscow') FROM shared.tenants "
                "WHERE slug = :s"
            ),
            {"s": slug},
        )
        performers, active = conn.execute(
            sa.text(
                f"SELECT count(*), count(*) FILTER (WHERE npd_status = 'active') "
                f"FROM {schema}.performer_profiles"
            )
        ).one()
        march = conn.scalar(
            sa.text(
                f"SELECT coalesce(sum(amount_kopecks), 0) FROM {schema}.performer_payments "
                "WHERE status = 'paid' AND to_char(paid_at AT TIME ZONE :z, 'YYYY-MM') = '2025-03'"
            ),
            {"z": zone},
        )
        mine = conn.scalar(
            sa.text(
                f"SELECT coalesce(sum(amount_kopecks), 0) FROM {schema}.performer_payments "
                "WHERE status = 'paid' AND organization_id = :o AND paid_at >= '2025-01-01'"
            ),
            {"o": org},
        )
    return {"performers": performers, "active": active, "march": march, "mine": mine}


def test_a_firm_admin_sees_the_numbers_and_the_signals(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    world: PaymentsWorld,
    db_engine: sa.Engine,
) -> None:
    admin = firm_admins["a"]
    numbers = expected_numbers(db_engine, firms["a"].slug, world.org_pk)
    # The history (3 × 50 000 ₽) and, once the customer's test paid it, the 10 000 ₽ registry.
    assert numbers["mine"] in (150_000_00, 160_000_00), numbers
    assert numbers["performers"] >= 2 and numbers["march"] >= 50_000_00
    page = new_page(chromium)
    try:
        log_in(page, site.firm_url(firms["a"], "/login"), admin.person.email, admin.person.password)
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(site.firm_url(firms["a"], "/performers"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Исполнители")
        stats = page.get_by_test_id("performer-statistics")
        stats.get_by_test_id("stats-from").fill("2025-01-01")
        # A day beyond today: the firm's date (Moscow) may be ahead of this machine's.
        stats.get_by_test_id("stats-to").fill((date.today() + timedelta(days=1)).isoformat())
        stats.get_by_test_id("stats-apply").click()
        expect(stats.get_by_test_id("stats-loaded")).to_have_attribute("data-from", "2025-01-01")
        expect(stats.get_by_test_id("stat-performers")).to_have_text(str(numbers["performers"]))
        expect(stats.get_by_test_id("stat-npd-active")).to_have_text(str(numbers["active"]))
        march = stats.locator("[data-testid=volume-month][data-key='2025-03']")
        expect(march).to_have_attribute("data-kopecks", str(numbers["march"]))
        expect(march).to_contain_text("март 2025")
        mine = stats.locator(f"[data-testid=volume-customer][data-org='{world.org_id}']")
        expect(mine).to_have_attribute("data-kopecks", str(numbers["mine"]))
        expect(mine).to_contain_text(world.org_name)

        # A period before the history: nothing paid.
        stats.get_by_test_id("stats-from").fill("2024-01-01")
        stats.get_by_test_id("stats-to").fill("2024-12-31")
        stats.get_by_test_id("stats-apply").click()
        expect(stats.get_by_test_id("stats-loaded")).to_have_attribute("data-to", "2024-12-31")
        expect(
            stats.locator(f"[data-testid=volume-customer][data-org='{world.org_id}']")
        ).to_have_count(0)

        risks = page.get_by_test_id("firm-risks")
        signal = risks.locator("[data-testid=risk-signal][data-kind=FIXED_MONTHLY]").filter(
            has_text=world.performer_name
        )
        expect(signal).to_have_count(1)
        expect(signal).to_contain_text(world.org_name)

        # Agency documents of March 2025 for the customer: an invoice and an act, 10 % fee.
        agency = page.get_by_test_id("agency-documents")
        agency.get_by_test_id("agency-org").select_option(label=world.org_name)
        agency.get_by_test_id("agency-month").fill("2025-03")
        agency.get_by_test_id("agency-generate-submit").click()
        expect(agency).to_contain_text("Документы сформированы.")
        made = agency.get_by_test_id("agency-document").filter(has_text=world.org_name)
        expect(made).to_have_count(2)
        expect(made.first).to_contain_text(rub("50 000,00"))
        expect(made.first).to_contain_text(rub("5 000,00"))
        href = made.first.get_by_test_id("agency-download").get_attribute("href")
        assert href and fetch(page, href)[0] == 200

        template = page.get_by_test_id("contract-template")
        body = template.get_by_test_id("template-body")
        expect(body).not_to_be_empty()
        body.fill("Договор с {performer_name} и {salary}")
        template.get_by_test_id("template-save").click()
        error = template.get_by_test_id("template-error")
        expect(error).to_have_attribute("data-code", "TEMPLATE_FIELDS")
        expect(error).to_contain_text("salary")
        assert axe_violations(page) == []
    finally:
        page.context.close()

    # Staff holding performers:read (the "staff" role) see the numbers, not the firm's setup.
    reader = create_person(
        db_engine,
        f"performers-reader-{uuid.uuid4().hex[:6]}@example.test",
        memberships=[(firms["a"].id, "staff", ["staff"], None)],
    )
    page = new_page(chromium)
    try:
        log_in(page, site.firm_url(firms["a"], "/login"), reader.email, reader.password)
        page.wait_for_url(lambda url: "/login" not in url)
        open_section(page, "Исполнители")
        page.wait_for_url("**/performers")
        expect(page.get_by_test_id("stat-performers")).to_have_text(str(numbers["performers"]))
        # Not assigned to the organization: its volume and signals are not theirs.
        expect(page.get_by_test_id("stats-loaded")).to_be_visible()
        mine = f"[data-testid=volume-customer][data-org='{world.org_id}']"
        assert page.locator(mine).count() == 0
        expect(page.get_by_test_id("firm-risks").get_by_test_id("no-risk-signals")).to_be_visible()
        assert page.get_by_test_id("agency-generate").count() == 0
        assert page.get_by_test_id("contract-template").count() == 0
    finally:
        page.context.close()


def test_the_payment_pages_fit_a_phone(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    world: PaymentsWorld,
) -> None:
    customer = new_page(chromium, PHONE)
    admin = new_page(chromium, PHONE)
    try:
        log_in(customer, site.firm_url(firms["a"], "/login"), world.contact, PASSWORD)
        customer.wait_for_url(f"**/cabinet/{world.org_pk}")
        customer.goto(site.firm_url(firms["a"], f"/cabinet/{world.org_pk}/performers/payments"))
        expect(customer.get_by_test_id("risk-signal").first).to_be_visible()
        expect(customer.get_by_test_id("customer-settings")).to_be_visible()
        customer.get_by_test_id("form-registry-submit").click()
        expect(customer.get_by_test_id("registry-error")).to_be_visible()
        fits(customer, "the customer's payments page")

        person = firm_admins["a"].person
        log_in(admin, site.firm_url(firms["a"], "/login"), person.email, person.password)
        admin.wait_for_url(lambda url: "/login" not in url)
        admin.goto(site.firm_url(firms["a"], "/performers"))
        expect(admin.get_by_test_id("stats-loaded")).to_be_visible()
        expect(admin.get_by_test_id("contract-template")).to_be_visible()
        expect(admin.get_by_test_id("risk-signal").first).to_be_visible()
        fits(admin, "the firm's performers page")
    finally:
        customer.context.close()
        admin.context.close()


def test_older_registries_show_a_page_at_a_time(
    chromium: Any, site: Site, firms: Any, world: PaymentsWorld, db_engine: sa.Engine
) -> None:
    """The page lists the newest 15 registries; «Показать ещё» adds the older ones."""
    firm = firms["a"]
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO {schema_of(firm.slug)}.performer_registries (organization_id, "
                "number, status, total_kopecks) SELECT :o, 7000 + n, 'paid', 100 * n "
                "FROM generate_series(1, 16) AS n"
            ),
            {"o": world.org_pk},
        )
        total = conn.execute(
            sa.text(
                f"SELECT count(*) FROM {schema_of(firm.slug)}.performer_registries "
                "WHERE organization_id = :o"
            ),
            {"o": world.org_pk},
        ).scalar_one()
    assert 16 < total <= 30
    customer = new_page(chromium)
    try:
        log_in(customer, site.firm_url(firm, "/login"), world.contact, PASSWORD)
        customer.wait_for_url(f"**/cabinet/{world.org_pk}")
        customer.goto(site.firm_url(firm, f"/cabinet/{world.org_pk}/performers/payments"))
        shown = customer.get_by_test_id("registry-status")
        expect(shown).to_have_count(15)
        customer.get_by_test_id("registries-more").click()
        expect(shown).to_have_count(min(total, 30))
        if total > 30:
            customer.get_by_test_id("registries-more").click()
        expect(shown).to_have_count(total)
        expect(customer.get_by_test_id("registries-more")).to_have_count(0)
    finally:
        customer.context.close()
