"""The requests' deadlines in the agenda (`saas.core.agenda`, registered in `policy.py`): the
15-day interactions calendar and the iCalendar feed show every open request's planned due
date and, when later, its hard deadline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.agenda import AgendaEvent
from saas.modules.requests.models import OPEN_STATUSES, ServiceRequest

DUE, HARD_DUE = "request_due", "request_hard_due"


async def request_deadline_events(
    session: AsyncSession, org_ids: Sequence[int], first: date, last: date
) -> list[AgendaEvent]:
    """Open requests of `org_ids` due (planned or hard) from `first` to `last`: one
    statement."""
    rows = await session.execute(
        select(
            ServiceRequest.id,
            ServiceRequest.organization_id,
            ServiceRequest.title,
            ServiceRequest.due_date,
            ServiceRequest.hard_due_date,
        ).where(
            ServiceRequest.organization_id.in_(sorted(set(org_ids))),
            ServiceRequest.status.in_(OPEN_STATUSES),
            or_(
                ServiceRequest.due_date.between(first, last),
                ServiceRequest.hard_due_date.between(first, last),
            ),
        )
    )
    events = []
    for request_id, org_id, title, due, hard in rows:
        if first <= due <= last:
            events.append(
                AgendaEvent(
                    org_id,
                    due,
                    DUE,
                    f"request-{request_id}-due",
                    "Срок заявки: " + title,
                    "Request due: " + title,
                )
            )
        if hard != due and first <= hard <= last:
            events.append(
                AgendaEvent(
                    org_id,
                    hard,
                    HARD_DUE,
                    f"request-{request_id}-hard-due",
                    "Крайний срок заявки: " + title,
                    "Request hard deadline: " + title,
                )
            )
    return events
