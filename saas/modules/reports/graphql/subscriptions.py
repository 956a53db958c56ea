"""The live `reportStatusChanged` subscription, fed by saas.events after commit."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Iterator
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from saas.core.actor import Actor, actor_of
from saas.core.ids import optional_pk_of
from saas.events import Published, events_since, fanout
from saas.modules.reports.graphql.enums import ReportStatus, organization_gid
from saas.modules.reports.graphql.results import ReportStatusChange
from saas.modules.reports.policy import READ_NOTE, reads_reports
from saas.modules.reports.service.flow import (
    STATUS_TOPIC,
)
from saas.modules.reports.service.live_grants import GrantsKey, live_assigned, live_grants
from saas.schema.context import Info
from saas.schema.errors import (
    PublicError,
)
from saas.schema.shared_events import shared_event


class _Audience:
    """Which organizations' changes one subscriber may receive: firm-wide staff every one,
    other staff the organizations assigned to it, a client user those granting it 'reports'.
    The actor is read again for each event (cheap: cached per principal and policy), so a role
    edited while the subscription runs narrows or widens what it receives."""

    def __init__(self, info: Info, organization: int | None):
        ctx = info.context
        self.ctx = ctx
        self.actor: Actor = actor_of(ctx)
        self.organization = organization
        self.grants = None if self.actor.staff else live_grants(ctx.services, ctx.tenant)
        self.assigned = live_assigned(ctx.services, ctx.tenant) if self.actor.staff else None
        self.key: GrantsKey = (self.actor.person_id or -1, frozenset(self.actor.client_org_ids))

    @contextlib.contextmanager
    def joined(self) -> Iterator[_Audience]:
        if self.grants is not None:
            self.grants.join(self.key)
        try:
            yield self
        finally:
            if self.grants is not None:
                self.grants.leave(self.key)

    async def granted(self) -> frozenset[int] | None:
        if self.grants is not None:
            # Read the grants themselves: an organization without reports yet counts too.
            return await self.grants.granted(self.key)
        actor = actor_of(self.ctx)
        if self.assigned is None or not actor.scoped:
            return None
        return await self.assigned.assigned(actor)

    async def receives(self, organization_id: int) -> bool:
        if self.organization is not None and organization_id != self.organization:
            return False
        granted = await self.granted()
        return granted is None or organization_id in granted


def _change_of(published: Published) -> ReportStatusChange:
    """The event as the subscription's type, built once per event for every subscriber of
    the process and marked `shared_event`: subscribers selecting the same fields get one
    result computed for all of them (saas.schema.execution)."""
    change = published.shared.get(STATUS_TOPIC)
    if change is None:
        change = _change(published.id, published.payload)
        published.shared[STATUS_TOPIC] = shared_event(change)
    return change  # type: ignore[no-any-return]


def _change(sequence: int, payload: dict[str, Any]) -> ReportStatusChange:
    return ReportStatusChange(
        sequence=sequence,
        report_id=strawberry.ID(str(relay.GlobalID("Report", str(payload["report_id"])))),
        organization_id=organization_gid(int(payload["organization_id"])),
        status=ReportStatus(payload["status"]),
        status_at=datetime.fromisoformat(payload["status_at"]),
        being_fixed=bool(payload.get("being_fixed", False)),
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Status changes of reports, live: of one organization, or of every one the "
        "viewer may see. `since` (a `sequence` received before) first replays what was missed. "
        f"{READ_NOTE}",
        extensions=reads_reports(),
    )
    async def report_status_changed(
        self, info: Info, organization_id: strawberry.ID | None = None, since: int | None = None
    ) -> AsyncGenerator[ReportStatusChange, None]:
        ctx = info.context
        org = await optional_pk_of(
            ctx, "ClientOrganization", organization_id, field="organizationId"
        )
        with _Audience(info, org).joined() as audience:
            if org is not None and not await audience.receives(org):
                raise PublicError("Organization not found or not visible to you.", "NOT_FOUND")
            async with fanout(ctx.services).subscription(ctx.tenant) as queue:
                # Registered before the replay: a change committed meanwhile comes both ways,
                # and `delivered` drops the second copy.
                delivered = since if since is not None else 0
                if since is not None:
                    for published in await events_since(
                        ctx.services, ctx.tenant, since, STATUS_TOPIC
                    ):
                        delivered = max(delivered, published.id)
                        if await audience.receives(int(published.payload["organization_id"])):
                            yield _change_of(published)
                while True:
                    published = await queue.get()
                    if published.topic != STATUS_TOPIC or published.id <= delivered:
                        continue
                    delivered = published.id
                    if await audience.receives(int(published.payload["organization_id"])):
                        yield _change_of(published)
