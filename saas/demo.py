"""`saas demo`: migrate, create two differently branded demo firms with people, print the
logins, then run the API and its worker on the embedded defaults."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import sqlalchemy as sa

from saas.app import create_app
from saas.auth.passwords import hash_password
from saas.db.migrate import migrate_all, sync_engine
from saas.db.server import resolve_database_url, stop_embedded
from saas.demo_calendar import seed_demo_calendar
from saas.demo_chat import seed_demo_chat
from saas.demo_documents import DemoDrive, seed_demo_documents
from saas.demo_notices import seed_demo_notices
from saas.demo_performers import (
    DemoCustomer,
    DemoPerformer,
    performer_emails,
    seed_demo_performers,
)
from saas.demo_performers import ensure_people as ensure_performers
from saas.demo_reports import DemoLedger, seed_demo_reports
from saas.demo_requests import seed_demo_requests
from saas.modules.clients.service import default_modules
from saas.ops.proxies import UVICORN
from saas.ops.shutdown import serve as serve_app
from saas.ops.signals import exit_on_stop_signals, held_signals
from saas.ops.supervisor import Child, EmbeddedPostgresChild, WorkerChild, supervise
from saas.settings import Settings
from saas.storage import prepare_storage
from saas.tenants.provisioning import provision_tenant

DEMO_PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class DemoClient:
    name: str
    legal_form: str
    inn: str
    kpp: str | None
    ogrn: str
    tax_regime: str
    contact: str
    # The firm's contact card for the contact (its own words, shown only inside the firm).
    contact_label: str = "Руководитель"
    contact_phone: str = ""


@dataclass(frozen=True)
class DemoFirm:
    slug: str
    name: str
    phone: str
    color: str
    admin: str
    manager: str
    clients: tuple[DemoClient, ...]
    manager_phone: str = ""


# Each person's own name (theirs in every firm); what a firm calls them is its contact card.
PEOPLE_NAMES = {
    "admin@alfa.example": "Анна Админова",
    "manager@alfa.example": "Мария Менеджерова",
    "admin@vega.example": "Виктор Вегин",
    "manager@vega.example": "Павел Консультантов",
    "director@romashka.example": "Ольга Ромашкина",
    "ivanov@example.com": "Иван Иванов",
}


# One person, the director, is a contact of organizations at both firms: the cabinet picker
# shows both after login at the platform host.
DIRECTOR = "director@romashka.example"

DEMO_FIRMS = (
    DemoFirm(
        "alfa",
        "Альфа Бухгалтерия",
        "+7 495 111-22-33",
        "#1F6FEB",
        "admin@alfa.example",
        "manager@alfa.example",
        (
            DemoClient(
                "ООО «Ромашка»",
                "ooo",
                "7707083893",
                "773601001",
                "1027700132195",
                "osno",
                DIRECTOR,
                "Генеральный директор ООО «Ромашка»",
                "+7 495 100-10-10",
            ),
            DemoClient(
                "ИП Иванов Иван Иванович",
                "ip",
                "500100732259",
                None,
                "304500116000157",
                "usn_income",
                "ivanov@example.com",
                "Индивидуальный предприниматель",
                "+7 916 200-20-20",
            ),
        ),
        "+7 495 111-22-44",
    ),
    DemoFirm(
        "vega",
        "Вега Консалт",
        "+7 812 444-55-66",
        "#B4235A",
        "admin@vega.example",
        "manager@vega.example",
        (
            DemoClient(
                "АО «Вектор»",
                "ao",
                "7728168971",
                "770801001",
                "1027700067328",
                "usn_income_expense",
                DIRECTOR,
                "Руководитель АО «Вектор»",
                "+7 812 300-30-30",
            ),
        ),
        "+7 812 444-55-77",
    ),
)


def ensure_person(conn: sa.Connection, email: str, name: str = "") -> int:
    """The person with their own name (never a firm's words for them)."""
    name = PEOPLE_NAMES.get(email, name)
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO shared.people (email, display_name, password_hash) "
                "VALUES (:e, :n, :p) "
                "ON CONFLICT (lower(email)) DO UPDATE SET display_name = excluded.display_name "
                "RETURNING id"
            ),
            {"e": email, "n": name, "p": hash_password(DEMO_PASSWORD)},
        ).scalar_one()
    )


def ensure_membership(
    conn: sa.Connection,
    person_id: int,
    tenant_id: int,
    roles: list[str],
    kind: str = "staff",
    client_org_id: int | None = None,
    card: tuple[str, str] = ("", ""),
) -> None:
    """The membership, with the firm's contact card (label, phone) for the person."""
    conn.execute(
        sa.text(
            "INSERT INTO shared.memberships (person_id, tenant_id, kind, client_org_id, roles) "
            "VALUES (:p, :t, :k, :o, :r) ON CONFLICT DO NOTHING"
        ),
        {"p": person_id, "t": tenant_id, "k": kind, "o": client_org_id, "r": roles},
    )
    conn.execute(
        sa.text(
            "UPDATE shared.memberships SET contact_label = :l, contact_phone = :ph "
            "WHERE person_id = :p AND tenant_id = :t AND kind = :k "
            "AND client_org_id IS NOT DISTINCT FROM :o"
        ),
        {
            "p": person_id,
            "t": tenant_id,
            "k": kind,
            "o": client_org_id,
            "l": card[0],
            "ph": card[1],
        },
    )


def ensure_client(
    conn: sa.Connection,
    schema: str,
    role: str,
    client: DemoClient,
    manager_id: int,
    contact_id: int,
) -> int:
    """The organization (the modules on by default), its contact granted all of them,
    written as the tenant's role."""
    modules = default_modules()
    conn.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
    conn.execute(sa.text("SELECT set_config('search_path', :s, true)"), {"s": schema})
    org_id = conn.execute(
        sa.text("SELECT id FROM client_organizations WHERE inn = :inn AND status = 'active'"),
        {"inn": client.inn},
    ).scalar()
    if org_id is None:
        org_id = conn.execute(
            sa.text(
                "INSERT INTO client_organizations (name, legal_form, inn, kpp, ogrn, tax_regime, "
                "responsible_manager_person_id, enabled_modules) "
                "VALUES (:n, :f, :inn, :kpp, :ogrn, :t, :m, :modules) RETURNING id"
            ),
            {
                "n": client.name,
                "f": client.legal_form,
                "inn": client.inn,
                "kpp": client.kpp,
                "ogrn": client.ogrn,
                "t": client.tax_regime,
                "m": manager_id,
                "modules": modules,
            },
        ).scalar_one()
    contact: int = conn.execute(
        sa.text(
            "INSERT INTO client_contacts (organization_id, person_id, is_client_admin) "
            "VALUES (:o, :p, true) ON CONFLICT (organization_id, person_id) "
            "DO UPDATE SET status = 'active' RETURNING id"
        ),
        {"o": org_id, "p": contact_id},
    ).scalar_one()
    for module in modules:
        conn.execute(
            sa.text(
                "INSERT INTO client_grants (contact_id, module) VALUES (:c, :m) "
                "ON CONFLICT DO NOTHING"
            ),
            {"c": contact, "m": module},
        )
    conn.exec_driver_sql("RESET ROLE")
    conn.execute(sa.text("SELECT set_config('search_path', 'shared', true)"))
    return int(org_id)


def prepare_demo(settings: Settings) -> list[str]:
    """Create (or complete) the demo data; returns the lines to print."""
    url = resolve_database_url(settings.database_url, settings.data_dir)
    summary = migrate_all(url)
    if summary.failed:
        raise SystemExit("demo: migrations failed:\n" + "\n".join(summary.lines()))
    engine = sync_engine(url)
    lines = []
    drives: list[DemoDrive] = []
    ledgers: list[DemoLedger] = []
    performers: list[tuple[DemoCustomer, list[DemoPerformer]]] = []
    try:
        for firm in DEMO_FIRMS:
            tenant_id = provision_tenant(engine, firm.slug, firm.name)
            with engine.begin() as conn:
                brand = {
                    "display_name": firm.name,
                    "phone": firm.phone,
                    "primary_color": firm.color,
                }
                conn.execute(
                    sa.text(
                        "UPDATE shared.tenants SET settings = settings || CAST(:s AS jsonb) "
                        "WHERE id = :id"
                    ),
                    {"id": tenant_id, "s": json.dumps(brand)},
                )
                names = conn.execute(
                    sa.text("SELECT schema_name, db_role FROM shared.tenants WHERE id = :id"),
                    {"id": tenant_id},
                ).one()
                schema, role = str(names[0]), str(names[1])
                ensure_membership(
                    conn,
                    ensure_person(conn, firm.admin),
                    tenant_id,
                    ["firm_admin"],
                    card=("Администратор", firm.phone),
                )
                manager_id = ensure_person(conn, firm.manager)
                ensure_membership(
                    conn,
                    manager_id,
                    tenant_id,
                    ["manager"],
                    card=("Менеджер по работе с клиентами", firm.manager_phone),
                )
                contacts = []
                for client in firm.clients:
                    contact_id = ensure_person(conn, client.contact)
                    org_id = ensure_client(conn, schema, role, client, manager_id, contact_id)
                    drives.append(DemoDrive(tenant_id, org_id, manager_id, contact_id))
                    ledgers.append(DemoLedger(tenant_id, org_id, client.inn, client.tax_regime))
                    ensure_membership(
                        conn,
                        contact_id,
                        tenant_id,
                        ["client_admin"],
                        "client",
                        org_id,
                        card=(client.contact_label, client.contact_phone),
                    )
                    contacts.append(f"{client.contact} ({client.name})")
                first = next(d for d in drives if d.tenant_id == tenant_id)
                performers.append(
                    ensure_performers(conn, firm.slug, first, ensure_person, ensure_membership)
                )
            host = f"{firm.slug}.{settings.base_domain}"
            lines.append(f"  {firm.name}: {settings.public_url(host)}")
            lines.append(f"      firm admin {firm.admin}, manager {firm.manager}")
            lines.append(f"      client contacts: {', '.join(contacts)}")
            lines.append(
                f"      performers (self-employed): {', '.join(performer_emails(firm.slug))}"
            )
    finally:
        engine.dispose()
    prepare_storage(settings)
    seed_demo_documents(settings, url, drives)
    seed_demo_chat(settings, url, drives)  # before the reports' and notices' entries
    seed_demo_reports(settings, url, ledgers)
    seed_demo_notices(settings, url, drives)
    seed_demo_calendar(settings, url, drives)
    seed_demo_requests(settings, url, drives)
    seed_demo_performers(settings, url, performers)
    lines.append(
        f"  {DIRECTOR} is a client of both firms: log in at the platform entry to pick a cabinet"
    )
    lines.append(f"  password for every demo login: {DEMO_PASSWORD}")
    return lines


def run_demo(settings: Settings, *, host: str, port: int, serve: bool) -> int:
    """Prepare, then serve until SIGINT/SIGTERM/SIGHUP; whenever the stop comes (even while
    preparing), the worker and the embedded PostgreSQL this started stop with it."""
    settings = dataclasses.replace(settings, public_port=port)
    try:
        with exit_on_stop_signals():
            lines = prepare_demo(settings)
            print("\nKabinet demo is ready.\n")
            print("\n".join(lines))
            entry = settings.public_url(settings.base_domain)
            print(f"\n  platform entry (login, cabinet picker): {entry}\n")
            if serve:
                serve_demo(settings, host=host, port=port)
    finally:
        if not settings.database_url:
            with held_signals():
                stop_embedded(settings.data_dir)
    return 0


def serve_demo(settings: Settings, *, host: str, port: int) -> None:
    """The API here, `saas worker` beside it as in production; both the worker and the
    embedded PostgreSQL are restarted (logged) if they die, and the worker stops with it."""
    children: list[Child] = [
        WorkerChild(resolve_database_url(settings.database_url, settings.data_dir))
    ]
    if not settings.database_url:
        children.insert(0, EmbeddedPostgresChild(settings.data_dir))
    stop_supervising = supervise(children)
    try:
        serve_app(
            create_app(settings),
            settings.shutdown_grace_seconds,
            host=host,
            port=port,
            log_config=None,
            ws="websockets-sansio",
            **UVICORN,
        )
    finally:
        with held_signals():
            stop_supervising()
