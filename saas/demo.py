"""`saas demo`: migrate, create two differently branded demo firms with people, print the
logins, then run the API and its worker on the embedded defaults."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import sqlalchemy as sa

from saas.auth.passwords import hash_password
from saas.db.migrate import migrate_all, sync_engine
from saas.db.server import resolve_database_url
from saas.settings import Settings
from saas.tenants.provisioning import provision_tenant

DEMO_PASSWORD = "demo-password-2026"


@dataclass(frozen=True)
class DemoFirm:
    slug: str
    name: str
    phone: str
    color: str
    admin: str
    manager: str


DEMO_FIRMS = (
    DemoFirm("alfa", "Альфа Бухгалтерия", "+7 495 111-22-33", "#1F6FEB", "admin@alfa.example", "manager@alfa.example"),
    DemoFirm("vega", "Вега Консалт", "+7 812 444-55-66", "#B4235A", "admin@vega.example", "manager@vega.example"),
)


def ensure_person(conn: sa.Connection, email: str, name: str) -> int:
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO shared.people (email, display_name, password_hash) VALUES (:e, :n, :p) "
                "ON CONFLICT (lower(email)) DO UPDATE SET display_name = excluded.display_name "
                "RETURNING id"
            ),
            {"e": email, "n": name, "p": hash_password(DEMO_PASSWORD)},
        ).scalar_one()
    )


def ensure_membership(conn: sa.Connection, person_id: int, tenant_id: int, roles: list[str]) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO shared.memberships (person_id, tenant_id, kind, roles) "
            "VALUES (:p, :t, 'staff', :r) ON CONFLICT DO NOTHING"
        ),
        {"p": person_id, "t": tenant_id, "r": roles},
    )


def prepare_demo(settings: Settings) -> list[str]:
    """Create (or complete) the demo data; returns the lines to print."""
    url = resolve_database_url(settings.database_url, settings.data_dir)
    migrate_all(url)
    engine = sync_engine(url)
    lines = []
    try:
        for firm in DEMO_FIRMS:
            tenant_id = provision_tenant(engine, firm.slug, firm.name)
            with engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE shared.tenants SET settings = settings || CAST(:s AS jsonb) WHERE id = :id"),
                    {"id": tenant_id, "s": json.dumps({"phone": firm.phone, "primary_color": firm.color})},
                )
                ensure_membership(conn, ensure_person(conn, firm.admin, "Администратор"), tenant_id, ["firm_admin"])
                ensure_membership(conn, ensure_person(conn, firm.manager, "Менеджер"), tenant_id, ["manager"])
            host = f"{firm.slug}.{settings.base_domain}"
            lines.append(f"  {firm.name}: {settings.public_url(host)}")
            lines.append(f"      firm admin {firm.admin} / manager {firm.manager}")
    finally:
        engine.dispose()
    lines.append(f"  password for every demo login: {DEMO_PASSWORD}")
    return lines


def run_demo(settings: Settings, *, host: str, port: int, serve: bool) -> int:
    settings = dataclasses.replace(settings, public_port=port)
    lines = prepare_demo(settings)
    print("\nKabinet demo is ready.\n")
    print("\n".join(lines))
    print(f"\n  platform entry (login, cabinet picker): {settings.public_url(settings.base_domain)}\n")
    if not serve:
        return 0
    import uvicorn

    from saas.app import create_app
    from saas.jobs.worker import start_worker_process, stop_worker_process
    from saas.storage import prepare_storage

    prepare_storage(settings)
    # The worker runs as `saas worker` beside the API, as in production, and stops with the demo.
    worker = start_worker_process(resolve_database_url(settings.database_url, settings.data_dir))
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_config=None, ws="websockets-sansio")
    finally:
        stop_worker_process(worker)
    return 0
