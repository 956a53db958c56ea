"""The SLA clock of a request, in business days and hours of the firm's calendar
(saas.core.calendar): paused while the performer waits on the client, one warning before
the hard deadline, breaches marked.

- Waiting on the client: the performer asks (`ask_client`, a comment in the thread, the
  request under review or accepted); the clock stops (`awaiting_client_since`). When the
  client comments or attaches a file it runs again (`resume_if_awaited`): the business days
  it stood still (after the day it stopped, up to and including the day it ran again) move
  the planned and the hard deadline by as many business days (`paused_days` sums them).
- The warning: one business day before the hard deadline (the hard date is today or the
  next business day), an open request not waiting on the client gets one in-app
  notification (`request_deadline_warning`) for its performer and the organization's
  project manager (the responsible manager); `sla_warned_at` claims it once.
- The breach: an open request past its hard deadline (not waiting on the client) is marked
  `breached_at` by the same periodic run (`jobs.watch_request_deadlines`), once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.calendar.business import BusinessCalendar
from saas.core.calendar.firm import calendar_of_session
from saas.modules.clients.models import ClientOrganization
from saas.modules.notifications.service import NotificationKind, notify_people
from saas.modules.requests.models import (
    ACCEPTED,
    OPEN_STATUSES,
    STAFF,
    SYSTEM,
    UNDER_REVIEW,
    ServiceRequest,
)
from saas.modules.requests.service.errors import conflict
from saas.modules.requests.service.thread import add_comment

ASKED_ENTRY, ANSWERED_ENTRY = "awaiting_client", "client_answered"


def hard_deadline_moment(calendar: BusinessCalendar, hard: date) -> datetime:
    """The end of the hard deadline: the firm's close on that day (its last working day's
    close when the date is a day off)."""
    day = hard
    while calendar.working_hours(day) is None:
        day = calendar.add_business_days(day, -1)
    hours = calendar.working_hours(day)
    assert hours is not None
    return hours[1]


def business_hours_left(
    calendar: BusinessCalendar, request: ServiceRequest, now: datetime
) -> float:
    """Working hours until the hard deadline's close (0 past it); while the clock is paused,
    those left when it stopped."""
    moment = request.awaiting_client_since or now
    return round(
        calendar.business_hours_between(
            moment, hard_deadline_moment(calendar, request.hard_due_date)
        ),
        2,
    )


async def ask_client(
    session: AsyncSession, actor: Actor, request: ServiceRequest, text: str, now: datetime
) -> ServiceRequest:
    """The performer waits on the client (`text` goes into the thread): the clock stops."""
    if request.status not in (UNDER_REVIEW, ACCEPTED):
        raise conflict(
            "WRONG_STATUS",
            "Это действие недоступно в текущем статусе заявки.",
            f"Not possible while the request is {request.status}.",
        )
    if request.awaiting_client_since is not None:
        raise conflict(
            "ALREADY_AWAITING",
            "Клиенту уже задан вопрос: ждём ответа.",
            "The client has already been asked: waiting for the answer.",
        )
    request.awaiting_client_since = now
    await add_comment(session, request, STAFF, actor.person_id, text)
    await add_comment(session, request, SYSTEM, None, ASKED_ENTRY)
    await audit(
        session,
        actor,
        "requests.request.ask_client",
        "service_request",
        request.id,
        organization=request.organization_id,
    )
    return request


async def resume_if_awaited(session: AsyncSession, request: ServiceRequest, now: datetime) -> int:
    """The client answered: the clock runs again, the deadlines moved by the business days it
    stood still. How many (0 when it was not stopped)."""
    since = request.awaiting_client_since
    if since is None or request.status not in OPEN_STATUSES:
        return 0
    calendar = calendar_of_session(session)
    days = max(
        0, calendar.business_days_between(calendar.local_date(since), calendar.local_date(now))
    )
    request.awaiting_client_since = None
    request.paused_days = (request.paused_days or 0) + days
    if days:
        request.due_date = calendar.add_business_days(request.due_date, days)
        request.hard_due_date = calendar.add_business_days(request.hard_due_date, days)
        request.sla_warned_at = None  # a new hard deadline: its own warning
    await add_comment(session, request, SYSTEM, None, ANSWERED_ENTRY)
    return days


# ----------------------------------------------------------------- the periodic watch


def _running() -> Any:
    return (
        ServiceRequest.status.in_(OPEN_STATUSES),
        ServiceRequest.awaiting_client_since.is_(None),
        ServiceRequest.waiting.is_(False),
    )


async def mark_breaches(session: AsyncSession, today: date, now: datetime) -> list[int]:
    """Open requests past their hard deadline, marked once: their ids."""
    marked = await session.scalars(
        update(ServiceRequest)
        .where(
            *_running(),
            ServiceRequest.breached_at.is_(None),
            ServiceRequest.hard_due_date < today,
        )
        .values(breached_at=now)
        .returning(ServiceRequest.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(marked.all())


async def send_warnings(
    session: AsyncSession, calendar: BusinessCalendar, today: date, now: datetime
) -> tuple[int, int]:
    """Claim the warning of every running request whose hard deadline is today or the next
    business day, and notify its performer and project manager: (requests, people)."""
    last = calendar.add_business_days(today, 1)
    claimed = (
        await session.execute(
            update(ServiceRequest)
            .where(
                *_running(),
                ServiceRequest.sla_warned_at.is_(None),
                ServiceRequest.hard_due_date.between(today, last),
                ClientOrganization.id == ServiceRequest.organization_id,
            )
            .values(sla_warned_at=now)
            .returning(
                ServiceRequest.id,
                ServiceRequest.organization_id,
                ServiceRequest.title,
                ServiceRequest.hard_due_date,
                ServiceRequest.performer_person_id,
                ClientOrganization.responsible_manager_person_id,
                ClientOrganization.name,
            )
            .execution_options(synchronize_session=False)
        )
    ).all()
    people = 0
    for request_id, org_id, title, hard, performer, manager, org_name in claimed:
        recipients = {int(p): "staff" for p in (performer, manager) if p is not None}
        payload = {
            "organization_name": org_name,
            "text": f"{title} — {hard.strftime('%d.%m.%Y')}",
            "request_id": request_id,
            "hard_due_date": hard.isoformat(),
        }
        people += await notify_people(
            session, NotificationKind.REQUEST_DEADLINE_WARNING, recipients, org_id, payload
        )
    return len(claimed), people


async def watch_deadlines(
    session: AsyncSession, calendar: BusinessCalendar, now: datetime
) -> dict[str, int]:
    """One run of the periodic watch at `now` (the firm's local date): warnings, breaches."""
    today = calendar.local_date(now)
    warned, people = await send_warnings(session, calendar, today, now)
    breached = await mark_breaches(session, today, now)
    return {"warned": warned, "people": people, "breached": len(breached)}
