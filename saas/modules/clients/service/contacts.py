"""Contact persons of client organizations: invitations, grants, client admins, deactivation.

Operations that write both schemas (inviting, deactivating) take a `Cabinet` (the GraphQL
context satisfies it) and commit the shared part first: a failure in between leaves access
revoked rather than granted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import announce, end_sessions, grants_key, person_key, token_key
from saas.auth.models import ApiToken, Invitation, LoginSession, Membership, Person
from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.clients.models import (
    ClientContact,
    ClientGrant,
    ClientOrganization,
)

if TYPE_CHECKING:
    from saas.tenants.registry import TenantRef
from saas.modules.clients.service.errors import ClientsError, forbidden
from saas.modules.clients.service.grants import check_modules
from saas.modules.clients.service.scope import (
    access_contact,
    access_organization,
    is_client_admin_of,
)

log = logging.getLogger(__name__)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Cabinet(Protocol):
    """What a two-schema operation needs; the GraphQL context provides it."""

    @property
    def db(self) -> Any: ...

    @property
    def shared(self) -> Any: ...

    @property
    def tenant(self) -> TenantRef: ...

    def unit_of_work(self, *, shared: bool = False) -> AbstractAsyncContextManager[Any]: ...


@dataclass
class Invited:
    contact: ClientContact
    organization: ClientOrganization
    invitation_id: int | None


def normalize_email(email: str) -> str:
    email = email.strip()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ClientsError(
            "validation",
            "INVALID_EMAIL",
            "E-mail: проверьте адрес.",
            "E-mail: the address is not valid.",
            "email",
        )
    return email


async def _person_for_email(shared: AsyncSession, email: str, locale: str) -> int:
    """The person with this e-mail; created (without a password) when new, so that grants can
    be recorded before the invitation is accepted, which then sets the password. ON CONFLICT:
    two invitations of the same new address at once make one person."""
    await shared.execute(
        pg_insert(Person)
        .values(email=email, display_name="", locale=locale)
        .on_conflict_do_nothing(index_elements=[func.lower(Person.email)])
    )
    found = await shared.scalar(select(Person.id).where(func.lower(Person.email) == email.lower()))
    assert found is not None
    return int(found)


def contact_roles(is_client_admin: bool) -> list[str]:
    return ["client_admin"] if is_client_admin else ["client_member"]


async def _membership_active(
    shared: AsyncSession, tenant_id: int, person_id: int, org_id: int
) -> bool:
    return bool(
        await shared.scalar(
            select(
                exists().where(
                    Membership.person_id == person_id,
                    Membership.tenant_id == tenant_id,
                    Membership.kind == "client",
                    Membership.client_org_id == org_id,
                    Membership.status == "active",
                )
            )
        )
    )


async def invite_contact(
    cabinet: Cabinet,
    actor: Actor,
    org_id: int | None,
    email: str,
    grants: Iterable[str],
    is_client_admin: bool,
    *,
    send_invitation: Any,
    language: str = "ru",
) -> Invited:
    """Record a contact (with its grants) and send the invitation link.

    `send_invitation(shared, tenant, email, org_id, roles, invited_by)` creates the shared
    invitation row and queues the e-mail (saas.auth.service.invitations.create_invitation); it
    returns the invitation id. A contact that is already an active member of the organization is a
    conflict; inviting a contact that has not accepted yet, or was deactivated, sends a new link.
    """
    db, shared = cabinet.db, cabinet.shared
    org = await access_organization(db, actor, org_id)
    if org.status != "active":
        raise ClientsError(
            "conflict", "ARCHIVED", "Организация в архиве.", "The organization is archived."
        )
    if not actor.staff:
        if not await is_client_admin_of(db, actor, org.id):
            raise forbidden(
                "Only the firm or a client admin of this organization invites its contacts."
            )
        if is_client_admin:
            raise ClientsError(
                "validation",
                "NOT_ALLOWED",
                "Назначать администраторов клиента может только фирма.",
                "Only the firm appoints client admins.",
                "isClientAdmin",
            )
    address = normalize_email(email)
    modules = check_modules(grants, org.enabled_modules, "grants")
    tenant = cabinet.tenant

    existing_person = await shared.scalar(
        select(Person.id).where(func.lower(Person.email) == address.lower())
    )
    contact: ClientContact | None = None
    if existing_person is not None:
        contact = await db.scalar(
            select(ClientContact).where(
                ClientContact.organization_id == org.id, ClientContact.person_id == existing_person
            )
        )
        if (
            contact is not None
            and contact.status == "active"
            and await _membership_active(shared, tenant.id, int(existing_person), org.id)
        ):
            raise ClientsError(
                "conflict",
                "ALREADY_CONTACT",
                f"{address} уже контактное лицо этой организации.",
                f"{address} is already a contact of this organization.",
                "email",
            )

    async with cabinet.unit_of_work(shared=True) as s:
        person_id = await _person_for_email(s, address, language)

    async with cabinet.unit_of_work() as s:
        if contact is None:
            contact = ClientContact(
                organization_id=org.id, person_id=person_id, invited_by=actor.person_id
            )
            s.add(contact)
        contact.status, contact.deactivated_at = "active", None
        contact.is_client_admin = bool(is_client_admin) or (
            contact.is_client_admin and not actor.staff
        )
        contact.updated_at = datetime.now(UTC)
        await s.flush()
        await _replace_grants(s, contact.id, modules)
        await audit(
            s,
            actor,
            "client_contact.invite",
            "client_contact",
            contact.id,
            organization_id=org.id,
            person_id=person_id,
            grants=modules,
            client_admin=contact.is_client_admin,
        )

    async with cabinet.unit_of_work(shared=True) as s:
        invitation_id = await send_invitation(
            s, tenant, address, org.id, contact_roles(contact.is_client_admin), actor.person_id
        )
    return Invited(contact, org, invitation_id)


async def _replace_grants(session: AsyncSession, contact_id: int, modules: Sequence[str]) -> None:
    current = set(
        (
            await session.execute(
                select(ClientGrant.module).where(ClientGrant.contact_id == contact_id)
            )
        ).scalars()
    )
    for module in current - set(modules):
        await session.delete(await session.get(ClientGrant, (contact_id, module)))
    for module in sorted(set(modules) - current):
        session.add(ClientGrant(contact_id=contact_id, module=module))
    await session.flush()


async def set_contact_grants(
    session: AsyncSession, actor: Actor, contact_id: int | None, grants: Iterable[str]
) -> ClientContact:
    """Replace a contact's grants. A client admin manages the contacts of its own organization
    only, and nobody grants a module the firm disabled for that organization."""
    contact, org = await access_contact(session, actor, contact_id, manage=True)
    modules = check_modules(grants, org.enabled_modules, "grants")
    await _replace_grants(session, contact.id, modules)
    await announce(session, grants_key(actor.tenant_id))  # live subscribers re-read grants
    contact.updated_at = datetime.now(UTC)
    await audit(
        session, actor, "client_contact.grants", "client_contact", contact.id, grants=modules
    )
    await session.flush()
    return contact


async def set_contact_client_admin(
    cabinet: Cabinet, actor: Actor, contact_id: int | None, is_client_admin: bool
) -> ClientContact:
    """Firm staff appoint or remove a client admin; the membership's role follows."""
    contact, org = await access_contact(cabinet.db, actor, contact_id, manage=True)
    if not actor.staff:
        raise forbidden("Only the firm appoints client admins.")
    async with cabinet.unit_of_work(shared=True) as s:
        await s.execute(
            update(Membership)
            .where(
                Membership.person_id == contact.person_id,
                Membership.tenant_id == actor.tenant_id,
                Membership.kind == "client",
                Membership.client_org_id == org.id,
            )
            .values(roles=contact_roles(is_client_admin), updated_at=func.now())
        )
        await announce(s, person_key(contact.person_id))  # its live sockets are re-checked
    async with cabinet.unit_of_work() as s:
        contact.is_client_admin = is_client_admin
        contact.updated_at = datetime.now(UTC)
        s.add(contact)
        await audit(
            s,
            actor,
            "client_contact.admin",
            "client_contact",
            contact.id,
            client_admin=is_client_admin,
        )
    return contact


async def revoke_person_in_cabinet(shared: AsyncSession, tenant_id: int, person_id: int) -> None:
    """Every session and API token of the person in this cabinet stops working at once, live
    connections included (closed with 4403 in every process at commit)."""
    now = datetime.now(UTC)
    await end_sessions(
        shared, LoginSession.person_id == person_id, LoginSession.tenant_id == tenant_id
    )
    tokens = (
        await shared.execute(
            update(ApiToken)
            .where(
                ApiToken.created_by == person_id,
                ApiToken.tenant_id == tenant_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .returning(ApiToken.id)
        )
    ).scalars()
    await announce(shared, person_key(person_id), *(token_key(t) for t in tokens))


async def deactivate_contact(
    cabinet: Cabinet, actor: Actor, contact_id: int | None
) -> ClientContact:
    """Deactivate a contact: its membership in the organization, pending invitations to it, and
    every session and token of the person in this cabinet, then the contact row."""
    contact, org = await access_contact(cabinet.db, actor, contact_id, manage=True)
    if contact.status == "deactivated":
        return contact
    if contact.person_id == actor.person_id and not actor.staff:
        await _not_last_admin(cabinet.db, contact)
    async with cabinet.unit_of_work(shared=True) as s:
        await s.execute(
            update(Membership)
            .where(
                Membership.person_id == contact.person_id,
                Membership.tenant_id == actor.tenant_id,
                Membership.kind == "client",
                Membership.client_org_id == org.id,
            )
            .values(status="deactivated", updated_at=func.now())
        )
        email = await s.scalar(select(Person.email).where(Person.id == contact.person_id))
        if email:
            await s.execute(
                update(Invitation)
                .where(
                    Invitation.tenant_id == actor.tenant_id,
                    Invitation.client_org_id == org.id,
                    func.lower(Invitation.email) == email.lower(),
                    Invitation.accepted_at.is_(None),
                    Invitation.revoked_at.is_(None),
                )
                .values(revoked_at=func.now())
            )
        await revoke_person_in_cabinet(s, actor.tenant_id, contact.person_id)
    async with cabinet.unit_of_work() as s:
        contact.status, contact.deactivated_at = "deactivated", datetime.now(UTC)
        contact.updated_at = contact.deactivated_at
        s.add(contact)
        await audit(
            s,
            actor,
            "client_contact.deactivate",
            "client_contact",
            contact.id,
            organization_id=org.id,
        )
    return contact


async def _not_last_admin(session: AsyncSession, contact: ClientContact) -> None:
    """A client admin deactivating themselves keeps the organization administered: another
    active client admin must remain (the firm can still deactivate anyone)."""
    if not contact.is_client_admin:
        return
    others = await session.scalar(
        select(func.count())
        .select_from(ClientContact)
        .where(
            ClientContact.organization_id == contact.organization_id,
            ClientContact.id != contact.id,
            ClientContact.status == "active",
            ClientContact.is_client_admin.is_(True),
        )
    )
    if not others:
        raise ClientsError(
            "conflict",
            "LAST_CLIENT_ADMIN",
            "Вы единственный администратор организации: сначала попросите фирму назначить "
            "другого администратора, затем отключайте себя.",
            "You are the organization's only admin: ask the firm to appoint another admin "
            "before you deactivate yourself.",
            "contactId",
        )
