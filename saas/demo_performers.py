"""Demo self-employed performers (issue 17): in each demo firm three performers with their
profiles (one no longer self-employed by the demo's НПД simulator), the first client's
customer settings and its orders in every state — open with responses, personal, cancelled,
a contract waiting for the performer's signature, and one done: contract and act signed by
both codes, a paid registry with its НПД receipt — plus the month's agency documents. Made
through the module's own services, so the demo shows what the product does. Idempotent: an
organization with orders is left alone."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.commit import bind_services
from saas.core.requisites import inn_check_digits_ok
from saas.db.session import tenant_transaction
from saas.demo_documents import DemoDrive
from saas.modules.chat.models import CLIENT, PERFORMER, TEXT
from saas.modules.chat.service.messages import write_message
from saas.modules.performers.models import PerformerOrder
from saas.modules.performers.service import agency, contracts, orders, profiles, registries, signing
from saas.modules.performers.service.conversations import order_conversation
from saas.services import Services
from saas.settings import Settings
from saas.storage import TenantStorage, tenant_files
from saas.tenants.provisioning import schema_for

# (e-mail local part, name, skills, about, INN serial); the third is no longer self-employed.
PERFORMERS = (
    ("designer", "Ирина Соколова", ["дизайн", "figma", "логотипы"], "Графический дизайнер", 11),
    ("developer", "Павел Орлов", ["python", "1с", "интеграции"], "Разработчик интеграций", 12),
    ("copywriter", "Мария Лебедева", ["тексты", "seo"], "Копирайтер", 13),
)
BANK = profiles.BankDetails(
    "ПАО Сбербанк", "044525225", "30101810400000000225", "40817810938160925982"
)
PAYER = profiles.BankDetails(
    "АО «Альфа-Банк»", "044525593", "30101810200000000593", "40702810801300000001"
)


def demo_inn(serial: int, firm: int) -> str:
    """A 12-digit INN with valid check digits (the demo's own numbers)."""
    for tail in range(10_000):
        inn = f"77{firm:02d}{serial:02d}{tail:04d}"
        for a in range(10):
            for b in range(10):
                if inn_check_digits_ok(f"{inn}{a}{b}"):
                    return f"{inn}{a}{b}"
    raise AssertionError("no INN")


@dataclass(frozen=True)
class DemoPerformer:
    email: str
    person_id: int
    inn: str
    name: str


@dataclass(frozen=True)
class DemoCustomer:
    """The first client's contact, who orders, signs and pays in the demo."""

    drive: DemoDrive
    email: str
    name: str


def performer_emails(slug: str) -> list[str]:
    return [f"{local}@performers.{slug}.example" for local, *_ in PERFORMERS]


def ensure_people(
    conn: sa.Connection,
    slug: str,
    drive: DemoDrive,
    ensure_person: Callable[[sa.Connection, str, str], int],
    ensure_membership: Callable[[sa.Connection, int, int, list[str], str], None],
) -> tuple[DemoCustomer, list[DemoPerformer]]:
    """The performers' people and memberships (through the demo's own helpers, passed in), and
    the first client's module and grant."""
    made = []
    for (_local, name, *_rest, serial), email in zip(
        PERFORMERS, performer_emails(slug), strict=True
    ):
        person = ensure_person(conn, email, name)
        ensure_membership(conn, person, drive.tenant_id, ["performer"], "performer")
        made.append(DemoPerformer(email, person, demo_inn(serial, drive.tenant_id % 100), name))
    contact = conn.execute(
        sa.text("SELECT email, display_name FROM shared.people WHERE id = :p"),
        {"p": drive.contact_id},
    ).one()
    schema = schema_for(slug)
    conn.execute(
        sa.text(
            f"UPDATE {schema}.client_organizations SET enabled_modules = "
            "array_append(enabled_modules, 'performers') "
            "WHERE id = :o AND NOT ('performers' = ANY(enabled_modules))"
        ),
        {"o": drive.organization_id},
    )
    conn.execute(
        sa.text(
            f"INSERT INTO {schema}.client_grants (contact_id, module) SELECT c.id, 'performers' "
            f"FROM {schema}.client_contacts c WHERE c.organization_id = :o AND c.person_id = :p "
            f"AND NOT EXISTS (SELECT 1 FROM {schema}.client_grants g "
            "WHERE g.contact_id = c.id AND g.module = 'performers')"
        ),
        {"o": drive.organization_id, "p": drive.contact_id},
    )
    return DemoCustomer(drive, str(contact[0]), str(contact[1] or contact[0])), made


def _performer(tenant_id: int, person: int) -> Actor:
    return Actor(
        tenant_id=tenant_id, subject=f"person:{person}", person_id=person, roles=("performer",)
    )


def _customer(drive: DemoDrive) -> Actor:
    return Actor(
        tenant_id=drive.tenant_id,
        subject=f"person:{drive.contact_id}",
        person_id=drive.contact_id,
        client_org_ids=frozenset({drive.organization_id}),
        roles=("client_admin",),
        ip="10.0.0.10",
        user_agent="Kabinet demo",
    )


async def _sign_both(
    session: AsyncSession,
    services: Services,
    files: TenantStorage,
    firm_name: str,
    document: tuple[str, int],
    signers: list[tuple[Actor, str]],
    names: dict[int, tuple[str, str]],
) -> None:
    """Each signer asks for a code and signs with it, as they would from their e-mail."""
    secret = services.settings.secret_key

    async def known(ids: list[int]) -> dict[int, tuple[str, str]]:
        return {i: names[i] for i in ids if i in names}

    kind, doc_id = document
    for who, email in signers:
        sent = await signing.request_code(session, who, secret, kind, doc_id, email)
        await signing.sign(session, who, secret, files, firm_name, kind, doc_id, sent.code, known)


async def _seed(services: Services, buyer: DemoCustomer, people: list[DemoPerformer]) -> None:
    drive = buyer.drive
    tenant = await services.registry.by_id(drive.tenant_id)
    assert tenant is not None
    files = tenant_files(services, tenant)
    customer = _customer(drive)
    staff = Actor.system(drive.tenant_id, "job:demo")
    org = drive.organization_id
    async with tenant_transaction(services.engine, tenant) as session:
        bind_services(session, services)
        existing = await session.scalar(
            sa.select(sa.func.count()).where(PerformerOrder.organization_id == org)
        )
        if existing:
            return
        actors = [_performer(drive.tenant_id, p.person_id) for p in people]
        for actor, p, row in zip(actors, people, PERFORMERS, strict=True):
            data = profiles.ProfileInput(
                inn=p.inn, full_name=p.name, skills=list(row[2]), about=row[3], bank=BANK
            )
            await profiles.save_profile(session, actor, data)
        settings = profiles.CustomerInput(drive.contact_id, PAYER, Decimal("10"))
        await profiles.save_customer_settings(session, staff, org, settings, may_set_fee=True)
        names = {drive.contact_id: (buyer.name, buyer.email)}
        names.update({p.person_id: (p.name, p.email) for p in people})

        async def order(
            title: str, budget: int, skills: list[str], to: int | None = None
        ) -> PerformerOrder:
            data = orders.OrderInput(
                title,
                f"{title}: подробности в описании заказа.",
                budget,
                skills=skills,
                addressed_person_id=to,
            )
            return await orders.publish_order(session, customer, org, data)

        # Done: chosen, contract and act signed by both, paid through a registry, receipt.
        done = await order("Логотип и фирменный стиль", 45_000_00, ["дизайн"])
        reply = await orders.respond(session, actors[0], done.id, "Сделаю за неделю", 40_000_00)
        await orders.respond(session, actors[1], done.id, "Могу взяться", None)
        await orders.choose(session, customer, tenant.slug, reply.id)
        contract = await contracts.create_contract(session, customer, files, tenant.name, done.id)
        both = [(customer, buyer.email), (actors[0], people[0].email)]
        document = ("contract", contract.id)
        await _sign_both(session, services, files, tenant.name, document, both, names)
        act = await contracts.accept_work(
            session, customer, files, tenant.name, contract.id, 40_000_00
        )
        await _sign_both(session, services, files, tenant.name, ("act", act.id), both, names)
        registry = await registries.form_registry(
            session, customer, services, tenant.slug, files, org
        )
        await registries.mark_paid(session, customer, services, files, registry.id)
        await orders.complete_order(session, customer, done.id)
        # Signing: the customer signed, the performer has not yet.
        waiting = await order("Интеграция 1С с сайтом", 120_000_00, ["1с"])
        reply = await orders.respond(session, actors[1], waiting.id, "Опыт 5 лет", 110_000_00)
        await orders.choose(session, customer, tenant.slug, reply.id)
        second = await contracts.create_contract(session, customer, files, tenant.name, waiting.id)
        only_customer = [(customer, buyer.email)]
        document = ("contract", second.id)
        await _sign_both(session, services, files, tenant.name, document, only_customer, names)
        # Open with responses, personal, cancelled.
        open_order = await order("Тексты для сайта", 15_000_00, ["тексты"])
        await orders.respond(session, actors[2], open_order.id, "Напишу за 3 дня", 12_000_00)
        await orders.respond(session, actors[0], open_order.id, "Могу с иллюстрациями", None)
        # A question about it in the order's conversation, answered by the customer.
        _, talk = await order_conversation(session, actors[2], open_order.id, None)
        for side, person, text in (
            (PERFORMER, people[2].person_id, "Какой объём: сколько страниц текста?"),
            (CLIENT, drive.contact_id, "Пять страниц: главная, услуги, цены, о нас, контакты."),
        ):
            await write_message(
                session, services, talk, body=text, side=side, kind=TEXT, person_id=person
            )
        await order("Баннер для акции", 8_000_00, ["дизайн"], to=people[0].person_id)
        cancelled = await order("Перевод каталога", 20_000_00, ["тексты"])
        await orders.cancel_order(session, customer, cancelled.id)
        today = datetime.now(UTC).date()
        await agency.generate(session, staff, files, tenant.name, org, today)


def seed_demo_performers(
    settings: Settings,
    database_url: str,
    firms: list[tuple[DemoCustomer, list[DemoPerformer]]],
) -> None:
    # The third performer is no longer self-employed in the demo's simulator.
    inactive = [people[2].inn for _, people in firms]
    os.environ["SAAS_NPD_SIMULATOR_INACTIVE"] = ",".join(inactive)

    async def run() -> None:
        services = Services.build(settings, database_url)
        try:
            for buyer, people in firms:
                await _seed(services, buyer, people)
        finally:
            await services.engine.dispose()

    asyncio.run(run())
