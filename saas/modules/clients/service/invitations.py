"""How the clients module meets auth: the invitation e-mail of a contact and the names of
organizations in the cabinet picker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.models import Person
from saas.auth.service.cabinets import ORGANIZATION_NAME_RESOLVERS
from saas.auth.service.invitations import create_invitation, send_invitation
from saas.core.commit import after_commit
from saas.modules.clients.models import (
    ClientOrganization,
)
from saas.schema.errors import DomainError

if TYPE_CHECKING:
    from saas.tenants.registry import TenantRef
from saas.db.session import tenant_session
from saas.modules.clients.service.errors import ClientsError

log = logging.getLogger(__name__)


def invitation_sender(cabinet: Any, language: str = "ru") -> Any:
    """The `send_invitation` of `invite_contact` in a running app: creates the shared
    invitation (kind 'client', with the organization and the contact's role) through
    saas.auth.service.invitations and e-mails the branded link once the invitation is committed."""

    async def send(
        shared: AsyncSession,
        tenant: TenantRef,
        email: str,
        org_id: int,
        roles: list[str],
        invited_by: int | None,
    ) -> int:
        try:
            issued = await create_invitation(
                shared, tenant, invited_by, email, "client", roles, client_org_id=org_id
            )
        except DomainError as exc:
            raise ClientsError("validation", exc.code, exc.message, exc.message, "email") from exc
        inviter = await shared.get(Person, invited_by) if invited_by else None
        inviter_name = (inviter.display_name or inviter.email) if inviter else None

        async def deliver() -> None:
            await send_invitation(
                cabinet.services, tenant, issued, inviter_name=inviter_name, lang=language
            )

        after_commit(shared, deliver)  # the invitation row must be committed first
        return int(issued.invitation.id)

    return send


# ------------------------------------------------------------------------ cabinet picker


async def organization_names(
    services: Any, pairs: Sequence[tuple[TenantRef, int]]
) -> dict[tuple[int, int], str]:
    """Names of client organizations for the cabinet picker, which lists a person's cabinets at
    every firm: one query per firm, each through that firm's own tenant-bound session."""

    by_tenant: dict[int, tuple[TenantRef, set[int]]] = {}
    for tenant, org_id in pairs:
        by_tenant.setdefault(tenant.id, (tenant, set()))[1].add(org_id)
    names: dict[tuple[int, int], str] = {}
    for tenant, org_ids in by_tenant.values():
        try:
            async with tenant_session(services.engine, tenant) as session:
                rows = await session.execute(
                    select(ClientOrganization.id, ClientOrganization.name).where(
                        ClientOrganization.id.in_(sorted(org_ids))
                    )
                )
                names.update({(tenant.id, org_id): name for org_id, name in rows})
        except DBAPIError:  # one firm's broken schema must not hide the other cabinets
            log.exception("client organization names unavailable", extra={"tenant": tenant.slug})
    return names


def _register_with_auth() -> None:
    if organization_names not in ORGANIZATION_NAME_RESOLVERS:
        ORGANIZATION_NAME_RESOLVERS.append(organization_names)


_register_with_auth()
