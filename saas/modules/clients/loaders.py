"""DataLoaders of the clients module: one query per kind of thing per request, whatever the
page size. Every loader that reads organizations or contacts applies the actor's scope, so a
nested field cannot reach what the top-level query could not.

Instances are per request: `ctx.loader(OrganizationsByIdLoader).load(org_id)`.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from saas.auth.models import Membership
from saas.core.actor import actor_of
from saas.core.loaders import ContextLoader

# People's cards are the core's (saas.core.people); named here too for older importers.
from saas.core.people import PeopleByIdLoader as PeopleByIdLoader
from saas.core.people import PersonCard as PersonCard
from saas.modules.clients.models import (
    ClientContact,
    ClientGrant,
    ClientOrganization,
    ClientOrgModerator,
)
from saas.modules.clients.service import (
    grants_statement,
    scope_contacts,
    scope_organizations,
)


class OrganizationsByIdLoader(ContextLoader):
    """id -> ClientOrganization visible to the actor, or None."""

    async def batch_load(self, keys: list[int]) -> list[ClientOrganization | None]:
        stmt = scope_organizations(
            select(ClientOrganization).where(ClientOrganization.id.in_(sorted(set(keys)))),
            actor_of(self.ctx),
        )
        found = {org.id: org for org in (await self.ctx.db.execute(stmt)).scalars()}
        return [found.get(k) for k in keys]


class ContactsByOrganizationLoader(ContextLoader):
    """organization id -> its contacts visible to the actor (oldest first)."""

    async def batch_load(self, keys: list[int]) -> list[list[ClientContact]]:
        stmt = scope_contacts(
            select(ClientContact).where(ClientContact.organization_id.in_(sorted(set(keys)))),
            actor_of(self.ctx),
        ).order_by(ClientContact.id)
        by_org: dict[int, list[ClientContact]] = defaultdict(list)
        for contact in (await self.ctx.db.execute(stmt)).scalars():
            by_org[contact.organization_id].append(contact)
        return [by_org.get(k, []) for k in keys]


class ContactsByIdLoader(ContextLoader):
    """id -> ClientContact visible to the actor, or None."""

    async def batch_load(self, keys: list[int]) -> list[ClientContact | None]:
        stmt = scope_contacts(
            select(ClientContact).where(ClientContact.id.in_(sorted(set(keys)))), actor_of(self.ctx)
        )
        found = {c.id: c for c in (await self.ctx.db.execute(stmt)).scalars()}
        return [found.get(k) for k in keys]


class GrantsByContactLoader(ContextLoader):
    """contact id -> granted modules (as stored; `grants_for` gives the effective ones)."""

    async def batch_load(self, keys: list[int]) -> list[list[str]]:
        rows = await self.ctx.db.execute(
            select(ClientGrant.contact_id, ClientGrant.module)
            .where(ClientGrant.contact_id.in_(sorted(set(keys))))
            .order_by(ClientGrant.module)
        )
        by_contact: dict[int, list[str]] = defaultdict(list)
        for contact_id, module in rows:
            by_contact[contact_id].append(module)
        return [by_contact.get(k, []) for k in keys]


class ModeratorsByOrganizationLoader(ContextLoader):
    """organization id -> person ids of its moderators."""

    async def batch_load(self, keys: list[int]) -> list[list[int]]:
        rows = await self.ctx.db.execute(
            select(ClientOrgModerator.organization_id, ClientOrgModerator.person_id)
            .where(ClientOrgModerator.organization_id.in_(sorted(set(keys))))
            .order_by(ClientOrgModerator.person_id)
        )
        by_org: dict[int, list[int]] = defaultdict(list)
        for org_id, person_id in rows:
            by_org[org_id].append(person_id)
        return [by_org.get(k, []) for k in keys]


class ViewerGrantsLoader(ContextLoader):
    """organization id -> modules the viewer (a client user) may use there."""

    async def batch_load(self, keys: list[int]) -> list[frozenset[str]]:
        actor = actor_of(self.ctx)
        if actor.person_id is None:
            return [frozenset() for _ in keys]
        rows = await self.ctx.db.execute(grants_statement(actor.person_id, keys))
        by_org: dict[int, set[str]] = defaultdict(set)
        for org_id, module in rows:
            by_org[org_id].add(module)
        return [frozenset(by_org.get(k, ())) for k in keys]


class ContactMembershipLoader(ContextLoader):
    """(person id, organization id) -> has the contact accepted its invitation (an active
    client membership exists)?"""

    async def batch_load(self, keys: list[tuple[int, int]]) -> list[bool]:
        people = sorted({p for p, _ in keys})
        rows = await self.ctx.shared.execute(
            select(Membership.person_id, Membership.client_org_id).where(
                Membership.tenant_id == self.ctx.tenant.id,
                Membership.kind == "client",
                Membership.status == "active",
                Membership.person_id.in_(people),
            )
        )
        active = {(p, o) for p, o in rows}
        return [k in active for k in keys]
