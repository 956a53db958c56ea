"""Which organizations' events each live subscriber may receive: a client user its effective
grants of a module ('reports' for the status changes, 'chat' for the chat's events:
LiveGrants), staff seeing only its assigned organizations those (LiveAssigned); cached per
process and firm.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from saas.auth.live import GRANTS_CHANGED_HOOKS
from saas.core.actor import Actor, assigned_organizations
from saas.db.session import tenant_transaction
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service import (
    people_grants_statement,
)

# How long a client subscriber's set of granted organizations is trusted before re-reading;
# a change of grants, contacts or organizations drops it at once (NOTIFY, saas.auth.live).
GRANTS_TTL = 30.0
# A client subscriber's grants are those of (person, the organizations it is a client of).
GrantsKey = tuple[int, frozenset[int]]


class LiveGrants:
    """Per process and firm: the organizations each live client subscriber may receive changes
    of (its effective 'reports' grants), shared by the subscriptions of the process.

    An entry is trusted for GRANTS_TTL seconds, as each subscription's own copy was before.
    When an event finds entries older than that, one statement re-reads every stale entry of
    the firm's subscribers and the subscribers waiting meanwhile share that read: 1,000 client
    subscribers cost one query per TTL, not 1,000 queries on the first event after a quiet
    spell."""

    def __init__(self, services: Any, tenant: Any, module: str = ClientModule.REPORTS.value):
        self.services, self.tenant, self.module = services, tenant, module
        self._subscribers: Counter[GrantsKey] = Counter()
        self._granted: dict[GrantsKey, tuple[frozenset[int], float]] = {}
        self._reading: asyncio.Future[None] | None = None
        self._generation = 0

    def forget(self) -> None:
        """Grants changed (NOTIFY kabinet_auth, saas.auth.live): re-read before the next event;
        a read already under way may have seen the old rows, so its answer is dropped."""
        self._granted.clear()
        self._generation += 1

    def join(self, key: GrantsKey) -> None:
        self._subscribers[key] += 1

    def leave(self, key: GrantsKey) -> None:
        self._subscribers[key] -= 1
        if self._subscribers[key] <= 0:
            del self._subscribers[key]
            self._granted.pop(key, None)

    def _fresh(self, key: GrantsKey, now: float) -> frozenset[int] | None:
        entry = self._granted.get(key)
        return entry[0] if entry is not None and now - entry[1] <= GRANTS_TTL else None

    async def granted(self, key: GrantsKey) -> frozenset[int]:
        """The organizations of `key`'s subscriber (joined first) whose changes it receives."""
        if key not in self._subscribers:
            raise RuntimeError("LiveGrants.granted() of a subscriber that has not joined")
        while True:
            found = self._fresh(key, time.monotonic())
            if found is not None:
                return found
            # A read that has finished but whose done callback has not run yet counts as
            # none: awaiting a done future does not yield, so waiting on it again would spin
            # the event loop forever (a subscriber that joined after that read began).
            if self._reading is None or self._reading.done():
                self._reading = asyncio.ensure_future(self._read_stale())
                self._reading.add_done_callback(self._read_done)
            # Shielded: one subscriber leaving (its task cancelled) never cancels the others'.
            await asyncio.shield(self._reading)

    def _read_done(self, done: asyncio.Future[None]) -> None:
        if self._reading is done:
            self._reading = None

    async def _read_stale(self) -> None:
        started, generation = time.monotonic(), self._generation
        stale = [key for key in self._subscribers if self._fresh(key, started) is None]
        if not stale:
            return
        people = {person for person, _ in stale}
        orgs = {org for _, organizations in stale for org in organizations}
        granted: dict[int, set[int]] = {}
        async with tenant_transaction(self.services.engine, self.tenant) as session:
            rows: Any = await session.execute(people_grants_statement(people, orgs))
            for person, org, module in rows:
                if module == self.module:
                    granted.setdefault(int(person), set()).add(int(org))
        if generation != self._generation:
            return  # forgotten meanwhile: the caller loops and reads again
        for key in stale:
            person, organizations = key
            if key in self._subscribers:  # still subscribed
                mine = frozenset(granted.get(person, set()) & organizations)
                self._granted[key] = (mine, started)


class LiveAssigned:
    """Per process and firm: the organizations assigned to each live staff subscriber that
    sees only those (`Actor.scoped`), trusted for GRANTS_TTL seconds and dropped at once when
    grants, contacts or organizations change (a new responsible manager or moderators
    announce `grants:<firm>`). Staff are few: a stale entry is read again on its own."""

    def __init__(self, services: Any, tenant: Any):
        self.services, self.tenant = services, tenant
        self._assigned: dict[int, tuple[frozenset[int], float, int]] = {}
        self._generation = 0

    def forget(self) -> None:
        self._assigned.clear()
        self._generation += 1

    async def assigned(self, actor: Actor) -> frozenset[int]:
        person = actor.person_id or -1
        while True:
            entry = self._assigned.get(person)
            now = time.monotonic()
            if entry is not None and now - entry[1] <= GRANTS_TTL and entry[2] == self._generation:
                return entry[0]
            generation = self._generation
            async with tenant_transaction(self.services.engine, self.tenant) as session:
                found = await assigned_organizations(session, actor)
            if generation == self._generation:  # else forgotten meanwhile: read again
                self._assigned[person] = (found, now, generation)
                return found


def live_assigned(services: Any, tenant: Any) -> LiveAssigned:
    books: dict[int, LiveAssigned] = services.extras.setdefault("reports.live_assigned", {})
    book = books.get(tenant.id)
    if book is None:
        book = books[tenant.id] = LiveAssigned(services, tenant)
    return book


def live_grants(services: Any, tenant: Any, module: str = ClientModule.REPORTS.value) -> LiveGrants:
    """The process's LiveGrants of `module` in the firm (one per firm and module)."""
    books: dict[tuple[int, str], LiveGrants] = services.extras.setdefault("live_grants", {})
    book = books.get((tenant.id, module))
    if book is None:
        book = books[tenant.id, module] = LiveGrants(services, tenant, module)
    return book


def _forget_grants(services: Any, tenant_id: int | None) -> None:
    grants: dict[tuple[int, str], LiveGrants] = services.extras.get("live_grants", {})
    for (firm, _), book in grants.items():
        if tenant_id is None or firm == tenant_id:
            book.forget()
    assigned: dict[int, LiveAssigned] = services.extras.get("reports.live_assigned", {})
    for firm, staff in assigned.items():
        if tenant_id is None or firm == tenant_id:
            staff.forget()


GRANTS_CHANGED_HOOKS.append(_forget_grants)
