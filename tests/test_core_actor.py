"""The one Actor (saas.core.actor): what a principal is in one firm, and the organizations
assigned to a staff member (provided by the clients module)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import saas.modules.clients.service  # noqa: F401  (registers its assignment provider, as the app does)
from saas.auth.principal import Principal
from saas.core.actor import Actor, assigned_organizations
from saas.db.session import tenant_session
from saas.modules.clients.models import ClientOrganization, ClientOrgModerator
from saas.services import Services
from saas.settings import Settings


def test_a_credential_of_another_firm_brings_nothing_into_this_one() -> None:
    manager = Principal(kind="person", person_id=7, tenant_id=1, roles=("manager",))
    here = Actor.of(manager, 1, ip="192.0.2.5")
    assert (here.subject, here.kind, here.staff, here.roles, here.ip) == (
        "person:7",
        "person",
        True,
        ("manager",),
        "192.0.2.5",
    )
    elsewhere = Actor.of(manager, 2)
    assert (elsewhere.staff, elsewhere.roles, elsewhere.client_org_ids) == (False, (), frozenset())

    client = Principal(
        kind="person", person_id=8, tenant_id=1, roles=("client_member",), client_org_ids=(3,)
    )
    actor = Actor.of(client, 1)
    assert (actor.staff, actor.is_client, actor.client_org_ids) == (False, True, frozenset({3}))
    performer = Actor.of(
        Principal(kind="person", person_id=9, tenant_id=1, roles=("performer",)), 1
    )
    assert not performer.staff

    token = Actor.of(Principal(kind="token", token_id=4, tenant_id=1, roles=("integrator",)), 1)
    assert (token.kind, token.token_id, token.person_id, token.staff) == ("token", 4, None, True)
    assert not token.may("reports", "read")  # nothing is held unless it was checked


@pytest.fixture
async def services(settings: Settings, database_url: str) -> AsyncIterator[Services]:
    built = Services.build(settings, database_url)
    yield built
    await built.close()


async def test_assigned_organizations_are_managed_or_moderated_ones(
    services: Services, firms: Any, people: Any
) -> None:
    tenant = await services.registry.by_id(firms["a"].id)
    assert tenant is not None
    me, other = people["a"].manager.id, people["a"].admin.id
    staff = Actor(tenant.id, f"person:{me}", me, staff=True)

    def org(n: int, manager: int | None) -> ClientOrganization:
        return ClientOrganization(
            name=f"Assigned {n}",
            legal_form="ooo",
            inn=f"77{n:08d}",
            kpp="770101001",
            ogrn=f"10277{n:08d}",
            tax_regime="osno",
            enabled_modules=[],
            responsible_manager_person_id=manager,
            status="active",
        )

    async with tenant_session(services.engine, tenant) as session:  # rolled back at the end
        managed, moderated, neither = org(91001, me), org(91002, other), org(91003, other)
        session.add_all([managed, moderated, neither])
        await session.flush()
        session.add(ClientOrgModerator(organization_id=moderated.id, person_id=me))
        await session.flush()
        mine = await assigned_organizations(session, staff)
        assert {managed.id, moderated.id} <= mine
        assert neither.id not in mine
        client = Actor(tenant.id, f"person:{me}", me, client_org_ids=frozenset({managed.id}))
        assert await assigned_organizations(session, client) == frozenset()
        await session.rollback()
