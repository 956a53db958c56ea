"""Which chat events a live subscriber receives: firm-wide staff every conversation's; other
staff those of the organizations assigned to them; a client user those of organizations
granting it 'chat'. The set is read once per subscriber and trusted for LIVE_TTL seconds; a
change of grants, contacts or assignments (NOTIFY, `saas.auth.live`) drops it at once."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from saas.auth.live import GRANTS_CHANGED_HOOKS
from saas.core.actor import Actor, actor_with, assigned_organizations
from saas.db.session import tenant_transaction
from saas.modules.chat.service.conversations import granted_organizations
from saas.modules.clients.models import ClientOrganization

LIVE_TTL = 30.0
_GENERATIONS = "chat.live_generations"
PERMISSIONS = (("chat", "read"), ("chat", "write"), ("client_cabinet", "read"))


def _generation(services: Any, tenant_id: int) -> int:
    return int(services.extras.get(_GENERATIONS, {}).get(tenant_id, 0))


def _forget(services: Any, tenant_id: int | None) -> None:
    generations: dict[int, int] = services.extras.setdefault(_GENERATIONS, {})
    if tenant_id is None:
        for firm in list(generations):
            generations[firm] += 1
        generations[-1] = generations.get(-1, 0) + 1
    else:
        generations[tenant_id] = generations.get(tenant_id, 0) + 1


GRANTS_CHANGED_HOOKS.append(_forget)


class Audience:
    """One subscriber's view of the firm's chat events."""

    def __init__(self, ctx: Any, conversation: int | None):
        self.ctx = ctx
        self.conversation = conversation
        self._organizations: frozenset[int] | None = None
        self._read_at = 0.0
        self._generation = -1

    def _stale(self) -> tuple[bool, int]:
        services = self.ctx.services
        generation = _generation(services, self.ctx.tenant.id) + _generation(services, -1)
        stale = generation != self._generation or time.monotonic() - self._read_at > LIVE_TTL
        return stale, generation

    async def organizations(self) -> frozenset[int] | None:
        """None: every organization (firm-wide staff)."""
        actor: Actor = await actor_with(self.ctx, *PERMISSIONS)
        if actor.staff and not actor.scoped:
            return None
        stale, generation = self._stale()
        if not stale and self._organizations is not None:
            return self._organizations
        async with tenant_transaction(self.ctx.services.engine, self.ctx.tenant) as session:
            if actor.staff:
                found = await assigned_organizations(session, actor)
            elif actor.person_id is None or not actor.client_org_ids:
                found = frozenset()
            else:
                rows = await session.execute(
                    select(ClientOrganization.id).where(
                        ClientOrganization.id.in_(granted_organizations(actor))
                    )
                )
                found = frozenset(int(r) for r in rows.scalars())
        self._organizations, self._read_at, self._generation = found, time.monotonic(), generation
        return found

    async def receives(self, payload: dict[str, Any]) -> bool:
        if self.conversation is not None and int(payload["conversation_id"]) != self.conversation:
            return False
        organizations = await self.organizations()
        return organizations is None or int(payload["organization_id"]) in organizations
