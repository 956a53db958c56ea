"""`requires_grant` and `grants_for`: the contract later modules (reports, documents, chat)
use to enforce a contact's grants. Exercised on a small schema of its own, against the real
tenant schema of firm A (the app's schema has no grant-guarded field of its own yet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
import strawberry
from strawberry.relay import GlobalID

from saas.auth.principal import Principal
from saas.db.engine import create_engine
from saas.db.session import tenant_session
from saas.modules.clients import policy as clients_policy
from saas.modules.clients.policy import requires_grant
from saas.modules.clients.service import grants_for
from saas.rbac.defaults import DEFAULT_POLICY
from saas.rbac.permissions import requires
from saas.tenants.registry import TenantRef
from tests.support.clients import inn10, ogrn13
from tests.support.people import make_person


@strawberry.type
class Folder:
    organization_id: strawberry.Private[int]

    @strawberry.field(extensions=requires_grant("chat"))
    def messages(self) -> str:
        return "chat history"


@strawberry.type
class Query:
    @strawberry.field(extensions=requires_grant("documents"))
    def documents(self, organization_id: strawberry.ID) -> str:
        return "documents"

    @strawberry.field(extensions=requires("documents", "read") + requires_grant("documents"))
    def guarded_twice(self, organization_id: strawberry.ID) -> str:
        return "both"

    @strawberry.field
    def folder(self, organization_id: strawberry.ID) -> Folder:
        return Folder(organization_id=int(GlobalID.from_id(organization_id).node_id))


SCHEMA = strawberry.Schema(query=Query)


@dataclass
class FakeContext:
    """The part of saas.schema.context.Context the grant check reads."""

    principal: Principal
    tenant: TenantRef
    db: Any
    loaders: dict[type, Any]

    @property
    def tenant_or_none(self) -> TenantRef:
        return self.tenant

    def loader(self, cls: type) -> Any:
        if cls not in self.loaders:
            self.loaders[cls] = cls(self)
        return self.loaders[cls]


@pytest.fixture
async def world(database_url, firms, db_engine):  # type: ignore[no-untyped-def]
    engine = create_engine(database_url, pool_size=2)
    with db_engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT id, slug, name, status, schema_name, db_role FROM shared.tenants "
                "WHERE slug = 'firm-a'"
            )
        ).one()
    tenant = TenantRef(row.id, row.slug, row.name, row.status, row.schema_name, row.db_role)
    person = make_person(db_engine, "Грант Грантов")
    orgs: dict[str, int] = {}
    with db_engine.begin() as conn:
        for key, modules in (("x", "{reports,documents,chat}"), ("y", "{reports,chat}")):
            orgs[key] = conn.execute(
                sa.text(
                    f'INSERT INTO "{tenant.schema}".client_organizations '
                    "(name, legal_form, inn, kpp, ogrn, tax_regime, enabled_modules) "
                    "VALUES (:n, 'ooo', :inn, '773601001', :ogrn, 'osno', :m) RETURNING id"
                ),
                {"n": f"Грант {key}", "inn": inn10(), "ogrn": ogrn13(), "m": modules},
            ).scalar_one()
            contact = conn.execute(
                sa.text(
                    f'INSERT INTO "{tenant.schema}".client_contacts (organization_id, person_id) '
                    "VALUES (:o, :p) RETURNING id"
                ),
                {"o": orgs[key], "p": person},
            ).scalar_one()
            # Granted reports and documents everywhere; org y does not offer documents.
            conn.execute(
                sa.text(
                    f'INSERT INTO "{tenant.schema}".client_grants (contact_id, module) '
                    "VALUES (:c, 'reports'), (:c, 'documents')"
                ),
                {"c": contact},
            )
    yield engine, tenant, person, orgs
    await engine.dispose()


def gid(org_id: int) -> str:
    return str(GlobalID("ClientOrganization", str(org_id)))


async def run(engine: Any, tenant: TenantRef, principal: Principal, query: str, org_id: int) -> Any:
    async with tenant_session(engine, tenant) as session:
        ctx = FakeContext(principal, tenant, session, {})
        return await SCHEMA.execute(query, {"org": gid(org_id)}, context_value=ctx)


def contact_principal(tenant: TenantRef, person: int, orgs: tuple[int, ...]) -> Principal:
    return Principal(
        kind="person",
        person_id=person,
        tenant_id=tenant.id,
        roles=("client_member",),
        client_org_ids=orgs,
    )


DOCUMENTS = "query($org: ID!) { documents(organizationId: $org) }"
MESSAGES = "query($org: ID!) { folder(organizationId: $org) { messages } }"


async def test_grants_for_is_granted_and_enabled(world) -> None:  # type: ignore[no-untyped-def]
    engine, tenant, person, orgs = world
    async with tenant_session(engine, tenant) as session:
        assert await grants_for(session, person, orgs["x"]) == {"reports", "documents"}
        # Granted, but the firm does not offer documents to y.
        assert await grants_for(session, person, orgs["y"]) == {"reports"}
        assert await grants_for(session, person + 10_000, orgs["x"]) == set()
        assert await grants_for(session, None, orgs["x"]) == set()


async def test_requires_grant_lets_a_granted_contact_through(world) -> None:  # type: ignore[no-untyped-def]
    engine, tenant, person, orgs = world
    principal = contact_principal(tenant, person, (orgs["x"], orgs["y"]))
    result = await run(engine, tenant, principal, DOCUMENTS, orgs["x"])
    assert result.errors is None and result.data == {"documents": "documents"}


async def test_requires_grant_refuses_what_is_not_granted_or_not_offered(world) -> None:  # type: ignore[no-untyped-def]
    engine, tenant, person, orgs = world
    principal = contact_principal(tenant, person, (orgs["x"], orgs["y"]))
    refused = await run(engine, tenant, principal, DOCUMENTS, orgs["y"])  # not offered at y
    assert refused.errors and refused.errors[0].extensions == {
        "code": "FORBIDDEN",
        "grant": "documents",
    }
    assert "documents" in refused.errors[0].message
    chat = await run(engine, tenant, principal, MESSAGES, orgs["x"])  # offered, never granted
    assert chat.errors and chat.errors[0].extensions["grant"] == "chat"
    # Not a contact of that organization at all (its membership does not list it).
    outsider = contact_principal(tenant, person, (orgs["y"],))
    assert (await run(engine, tenant, outsider, DOCUMENTS, orgs["x"])).errors


async def test_a_deactivated_contact_loses_its_grants(world, db_engine) -> None:  # type: ignore[no-untyped-def]
    engine, tenant, person, orgs = world
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f'UPDATE "{tenant.schema}".client_contacts '
                "SET status = 'deactivated' WHERE person_id = :p"
            ),
            {"p": person},
        )
    principal = contact_principal(tenant, person, (orgs["x"],))
    assert (await run(engine, tenant, principal, DOCUMENTS, orgs["x"])).errors


async def test_staff_are_not_limited_by_grants(world) -> None:  # type: ignore[no-untyped-def]
    engine, tenant, _, orgs = world
    staff = Principal(kind="person", person_id=1, tenant_id=tenant.id, roles=("manager",))
    assert (await run(engine, tenant, staff, MESSAGES, orgs["y"])).data == {
        "folder": {"messages": "chat history"}
    }
    anonymous = Principal()
    assert (await run(engine, tenant, anonymous, DOCUMENTS, orgs["x"])).errors


def test_requirements_show_in_the_schema() -> None:
    sdl = str(SCHEMA)
    assert (
        "guardedTwice(organizationId: ID!): String! "
        '@requiresPermission(object: "documents", action: "read") '
        '@requiresGrant(module: "documents")' in sdl
    )


def test_module_policy_lines_are_in_the_default_table() -> None:
    assert set(clients_policy.POLICY) <= set(DEFAULT_POLICY)
