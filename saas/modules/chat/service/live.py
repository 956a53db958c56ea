"""Which chat events a live subscriber receives: firm-wide staff every conversation's; other
staff those of the organizations assigned to them; a client user those of organizations
granting it 'chat' (a service request's conversation: 'requests', a performer order's:
'performers', the event's `grant`); the performer of a performer order's conversation its
events (the event's `performer_person_id`). A
client user's set is the process's shared entry for its (person, organizations) (`LiveGrants`
of the grant: one statement re-reads every stale subscriber of the
firm, not one per subscriber); a staff member's is read per subscriber. Each is trusted for
LIVE_TTL seconds; a change of grants, contacts or assignments (NOTIFY, `saas.auth.live`)
drops it at once."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from saas.auth.live import GRANTS_CHANGED_HOOKS
from saas.core.actor import Actor, actor_of, actor_with, assigned_organizations
from saas.db.session import tenant_transaction
from saas.modules.chat.service.conversations import CHAT, PERFORMERS, REQUESTS
from saas.modules.reports.service.live_grants import GrantsKey, LiveGrants, live_grants

LIVE_TTL = 30.0
_GENERATIONS = "chat.live_generations"
PERMISSIONS = (
    ("chat", "read"),
    ("chat", "write"),
    ("client_cabinet", "read"),
    ("performer_cabinet", "read"),
)
GRANTS = (CHAT, REQUESTS, PERFORMERS)


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
        actor = actor_of(ctx)
        self.key: GrantsKey = (actor.person_id or -1, frozenset(actor.client_org_ids))
        self.grants: dict[str, LiveGrants] = (
            {}
            if actor.staff
            else {grant: live_grants(ctx.services, ctx.tenant, grant) for grant in GRANTS}
        )
        self._organizations: frozenset[int] | None = None
        self._read_at = 0.0
        self._generation = -1

    def _stale(self) -> tuple[bool, int]:
        services = self.ctx.services
        generation = _generation(services, self.ctx.tenant.id) + _generation(services, -1)
        stale = generation != self._generation or time.monotonic() - self._read_at > LIVE_TTL
        return stale, generation

    @contextlib.contextmanager
    def joined(self) -> Iterator[Audience]:
        """While the subscription runs: a client user's entry in the process's LiveGrants."""
        for grants in self.grants.values():
            grants.join(self.key)
        try:
            yield self
        finally:
            for grants in self.grants.values():
                grants.leave(self.key)

    async def organizations(self, grant: str = CHAT) -> frozenset[int] | None:
        """None: every organization (firm-wide staff). A client user's: those granting it
        `grant`. Within `joined()`."""
        actor: Actor = await actor_with(self.ctx, *PERMISSIONS)
        if actor.staff and not actor.scoped:
            return None
        if not actor.staff:
            if grant not in self.grants or actor.person_id is None or not actor.client_org_ids:
                return frozenset()
            return await self.grants[grant].granted(self.key)
        stale, generation = self._stale()
        if not stale and self._organizations is not None:
            return self._organizations
        async with tenant_transaction(self.ctx.services.engine, self.ctx.tenant) as session:
            found = await assigned_organizations(session, actor)
        self._organizations, self._read_at, self._generation = found, time.monotonic(), generation
        return found

    async def warm(self) -> None:
        """Read now who this subscriber may hear, rather than on the first event: a message to
        a thousand new subscribers must not wait for a thousand reads (bench_chat_fanout)."""
        for grant in self.grants or (CHAT,):
            await self.organizations(grant)

    async def receives(self, payload: dict[str, Any]) -> bool:
        if self.conversation is not None and int(payload["conversation_id"]) != self.conversation:
            return False
        performer = payload.get("performer_person_id")
        if performer is not None and int(performer) == self.key[0]:
            return True  # the performer of a performer order's conversation
        organizations = await self.organizations(payload.get("grant", CHAT))
        return organizations is None or int(payload["organization_id"]) in organizations
