"""A firm of a test's own (the periodic jobs sweep and purge whole firms): provisioned, with
a firm admin logged in over GraphQL and client organizations written as the clients module
writes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from saas.settings import Settings
from saas.tenants.provisioning import provision_tenant, schema_for
from tests.support.auth import create_person, login
from tests.support.client import GraphQLClient

# Real companies' INNs (their check digits are right), one per organization of a firm.
INNS = ("7707083893", "7728168971", "7736207543")


@dataclass
class OwnFirm:
    id: int
    slug: str
    host: str
    schema: str
    admin_id: int
    admin: GraphQLClient | None = None

    def close(self) -> None:
        if self.admin is not None:
            self.admin.close()


def own_firm(db_engine: sa.Engine, settings: Settings, tag: str, url: str | None = None) -> OwnFirm:
    """A new firm `<tag>-<random>` with a firm admin (logged in at `url` when given)."""
    slug = f"{tag}-{uuid.uuid4().hex[:6]}"
    tenant_id = provision_tenant(db_engine, slug, f"Firm {slug}")
    admin = create_person(
        db_engine,
        f"admin@{slug}.test",
        display_name=f"Admin {slug}",
        memberships=[(tenant_id, "staff", ["firm_admin"], None)],
    )
    firm = OwnFirm(tenant_id, slug, f"{slug}.{settings.base_domain}", schema_for(slug), admin.id)
    if url is not None:
        firm.admin = GraphQLClient(url, firm.host)
        login(firm.admin, admin.email, admin.password)
    return firm


def add_organization(db_engine: sa.Engine, firm: OwnFirm, name: str, n: int = 0) -> int:
    with db_engine.begin() as conn:
        return int(
            conn.execute(
                sa.text(
                    f'INSERT INTO "{firm.schema}".client_organizations '
                    "(name, legal_form, inn, kpp, ogrn, tax_regime) "
                    "VALUES (:name, 'ooo', :inn, '773601001', :ogrn, 'osno') RETURNING id"
                ),
                {"name": name, "inn": INNS[n], "ogrn": f"10277001{n:05d}"},
            ).scalar_one()
        )
