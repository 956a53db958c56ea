"""The responsible manager and the moderators of an organization (firm staff)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import announce, grants_key
from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.clients.models import (
    ClientOrganization,
    ClientOrgModerator,
)
from saas.modules.clients.service.organizations import check_staff
from saas.modules.clients.service.scope import access_organization

log = logging.getLogger(__name__)


async def set_managers(
    session: AsyncSession,
    shared: AsyncSession,
    actor: Actor,
    org_id: int | None,
    responsible_manager_id: int | None,
    moderator_ids: Sequence[int] | None,
) -> ClientOrganization:
    """Set the responsible manager (None: nobody) and, when given, replace the moderators.
    Who is assigned decides what staff without `clients:read_all` see: live subscribers
    re-read their organizations (`grants:<firm>`)."""
    org = await access_organization(session, actor, org_id)
    if responsible_manager_id is not None:
        await check_staff(shared, actor, [responsible_manager_id], "responsibleManagerId")
    org.responsible_manager_person_id = responsible_manager_id
    if moderator_ids is not None:
        await check_staff(shared, actor, moderator_ids, "moderatorIds")
        current = set(
            (
                await session.execute(
                    select(ClientOrgModerator.person_id).where(
                        ClientOrgModerator.organization_id == org.id
                    )
                )
            ).scalars()
        )
        wanted = set(moderator_ids)
        for person_id in current - wanted:
            await session.delete(await session.get(ClientOrgModerator, (org.id, person_id)))
        for person_id in sorted(wanted - current):
            session.add(ClientOrgModerator(organization_id=org.id, person_id=person_id))
    org.updated_at = datetime.now(UTC)
    await session.flush()
    await audit(
        session,
        actor,
        "client_organization.managers",
        "client_organization",
        org.id,
        responsible_manager=responsible_manager_id,
        moderators=sorted(moderator_ids or []),
    )
    await announce(session, grants_key(actor.tenant_id))
    return org
