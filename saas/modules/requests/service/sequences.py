"""A sequence launched from a package (issue 14): launching a service with `sequence` also
launches every service of the organization's catalog that waits for it (and those waiting
for them), each waiting for its previous request, its deadlines chained: the regulation of
each counts from the previous one's due date. A waiting request starts when the previous one
is done (`requests.complete_request`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.calendar.firm import calendar_of_session
from saas.modules.requests.models import RequestService, ServiceRequest
from saas.modules.requests.service.deadlines import minimum_due
from saas.modules.requests.service.requests import Launch, launch_request

# A package is a few services deep; a longer chain is a catalog mistake, not a sequence.
MAX_SEQUENCE = 20


async def launch_followers(
    session: AsyncSession, actor: Actor, first: ServiceRequest, *, now: datetime
) -> list[ServiceRequest]:
    """The requests of the services waiting (directly or not) for `first`'s service, in the
    catalog's order, each chained to its previous one. Returns them (without `first`)."""
    calendar = calendar_of_session(session)
    made: list[ServiceRequest] = []
    seen = {first.service_id}
    queue = [first]
    while queue and len(made) < MAX_SEQUENCE:
        previous = queue.pop(0)
        followers = await session.scalars(
            select(RequestService)
            .where(
                RequestService.after_service_id == previous.service_id,
                RequestService.organization_id == previous.organization_id,
                RequestService.archived.is_(False),
            )
            .order_by(RequestService.position, RequestService.id)
        )
        for service in followers.all():
            if service.id in seen:
                continue
            seen.add(service.id)
            start = datetime.combine(previous.due_date, calendar.closes, calendar.zone)
            due = minimum_due(calendar, start, service.planned_days)
            request = await launch_request(
                session, actor, Launch(service.id, due), now=now, file_later=True
            )
            made.append(request)
            queue.append(request)
    return made
