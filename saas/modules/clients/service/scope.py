"""Row scoping (NetBox style): `scope_organizations` is the one hook on the base query.
Staff see what the core's `organization_filter` lets them (every organization of the firm
with `clients:read_all`, as the firm admin and integrator tokens do; otherwise those they are
the responsible manager or a moderator of: `assigned_statement`, registered with
`saas.core.actor.ASSIGNMENT_PROVIDERS`); a client user sees only the active organizations it
is an active contact of. Lists, `access_organization` (the only way to load one by id for an
actor, Zulip style), loaders and nested fields all go through it, so an organization outside
the scope is simply not found.
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from saas.core.actor import ASSIGNMENT_PROVIDERS, Actor, organization_filter
from saas.modules.clients.models import (
    ClientContact,
    ClientOrganization,
    ClientOrgModerator,
)
from saas.modules.clients.service.errors import forbidden, not_found

log = logging.getLogger(__name__)


def organization_scope(actor: Actor) -> ColumnElement[bool] | None:
    """The WHERE clause limiting organizations to what `actor` may see (None: everything)."""
    if actor.staff:
        return organization_filter(actor, ClientOrganization.id)
    if actor.person_id is None or not actor.client_org_ids:
        return false()
    # An alias: the clause is also used in queries whose FROM already holds client_contacts.
    own = aliased(ClientContact)
    active_contact = exists().where(
        own.organization_id == ClientOrganization.id,
        own.person_id == actor.person_id,
        own.status == "active",
    )
    return and_(
        ClientOrganization.id.in_(sorted(actor.client_org_ids)),
        ClientOrganization.status == "active",
        active_contact,
    )


def scope_organizations(stmt: Select, actor: Actor) -> Select:
    """The one hook on every query of organizations."""
    clause = organization_scope(actor)
    return stmt if clause is None else stmt.where(clause)


def scope_contacts(stmt: Select, actor: Actor) -> Select:
    """Contacts visible to the actor: staff see all; a client admin sees the contacts of the
    organizations it administers; any other contact sees itself. Always within the visible
    organizations."""
    stmt = stmt.join(ClientOrganization, ClientOrganization.id == ClientContact.organization_id)
    stmt = scope_organizations(stmt, actor)
    if actor.staff:
        return stmt
    admin = aliased(ClientContact)
    administered = (
        select(admin.organization_id)
        .where(
            admin.person_id == actor.person_id,
            admin.status == "active",
            admin.is_client_admin.is_(True),
        )
        .scalar_subquery()
    )
    return stmt.where(
        or_(
            ClientContact.person_id == actor.person_id,
            ClientContact.organization_id.in_(administered),
        )
    )


async def access_organization(
    session: AsyncSession, actor: Actor, org_id: int | None
) -> ClientOrganization:
    """The only way to load one organization by id for an actor."""
    if org_id is None:
        raise not_found()
    org = (
        await session.execute(
            scope_organizations(
                select(ClientOrganization).where(ClientOrganization.id == org_id), actor
            )
        )
    ).scalar_one_or_none()
    if org is None:
        raise not_found()
    return org


async def access_contact(
    session: AsyncSession, actor: Actor, contact_id: int | None, *, manage: bool = False
) -> tuple[ClientContact, ClientOrganization]:
    """A contact the actor may see; with manage=True, one it may also manage (staff, or a
    client admin of that organization)."""
    missing = not_found(
        "Контактное лицо не найдено или недоступно.", "Contact not found or not visible to you."
    )
    if contact_id is None:
        raise missing
    row = (
        await session.execute(
            scope_contacts(
                select(ClientContact, ClientOrganization).where(ClientContact.id == contact_id),
                actor,
            )
        )
    ).one_or_none()
    if row is None:
        raise missing
    contact, org = row[0], row[1]
    if manage and not actor.staff and not await is_client_admin_of(session, actor, org.id):
        raise forbidden(
            "Only the firm or a client admin of this organization manages its contacts."
        )
    return contact, org


async def is_client_admin_of(session: AsyncSession, actor: Actor, org_id: int) -> bool:
    if actor.person_id is None or org_id not in actor.client_org_ids:
        return False
    return bool(
        await session.scalar(
            select(
                exists().where(
                    ClientContact.organization_id == org_id,
                    ClientContact.person_id == actor.person_id,
                    ClientContact.status == "active",
                    ClientContact.is_client_admin.is_(True),
                )
            )
        )
    )


def assigned_statement(actor: Actor) -> Select:
    """The organizations a staff member is assigned to: the responsible manager or a
    moderator (`saas.core.actor.organization_filter` puts it inside the caller's statement)."""
    moderated = select(ClientOrgModerator.organization_id).where(
        ClientOrgModerator.person_id == actor.person_id
    )
    return select(ClientOrganization.id).where(
        or_(
            ClientOrganization.responsible_manager_person_id == actor.person_id,
            ClientOrganization.id.in_(moderated),
        )
    )


if assigned_statement not in ASSIGNMENT_PROVIDERS:
    ASSIGNMENT_PROVIDERS.append(assigned_statement)
