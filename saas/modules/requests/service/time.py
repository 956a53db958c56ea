"""Time on a request and its amount.

- A performer (staff with `requests:write` who sees the request) starts and stops a timer on
  a request under review or accepted (one running per person and request; stopped, also
  after the request is done, it counts whole minutes, at least one, at most 1440), or
  records time by hand (1 to 1440 minutes on a date of the
  firm's calendar, not in the future) on a request under review, accepted or done.
- The amount of a priced service (the catalog's `price_kind`, `price`): hourly, the price ×
  the hours recorded (stopped timers and hand-made entries), per piece, the price × the
  request's quantity (1 while unset; the performer sets it). In roubles, to the kopeck
  (half up). A service without a price has none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.calendar.firm import calendar_of_session
from saas.modules.requests.models import (
    ACCEPTED,
    DONE,
    UNDER_REVIEW,
    RequestService,
    ServiceRequest,
    ServiceRequestTime,
)
from saas.modules.requests.service.errors import conflict, forbidden, invalid
from saas.modules.requests.service.requests import access_request

HOURLY, PIECE = "hourly", "piece"
TIMER_STATUSES = (UNDER_REVIEW, ACCEPTED)
ENTRY_STATUSES = (UNDER_REVIEW, ACCEPTED, DONE)
MAX_MINUTES = 24 * 60
MAX_QUANTITY = 10_000
MAX_NOTE = 2000
KOPECK = Decimal("0.01")


async def performed(
    session: AsyncSession, actor: Actor, request_id: int, allowed: tuple[str, ...]
) -> ServiceRequest:
    """The request (locked) a staff member records on, in one of the `allowed` statuses."""
    if not actor.staff or actor.person_id is None:
        raise forbidden(
            "STAFF_ONLY",
            "Время записывает исполнитель фирмы.",
            "Only the firm's performer records time.",
        )
    request = await access_request(session, actor, request_id, lock=True)
    _status(request, allowed)
    return request


def _status(request: ServiceRequest, allowed: tuple[str, ...]) -> None:
    if request.status not in allowed:
        raise conflict(
            "WRONG_STATUS",
            "Это действие недоступно в текущем статусе заявки.",
            f"Not possible while the request is {request.status} (needs {' or '.join(allowed)}).",
        )


async def _running(
    session: AsyncSession, request_id: int, person_id: int | None
) -> ServiceRequestTime | None:
    return (
        await session.execute(
            select(ServiceRequestTime)
            .where(
                ServiceRequestTime.request_id == request_id,
                ServiceRequestTime.person_id == person_id,
                ServiceRequestTime.manual.is_(False),
                ServiceRequestTime.stopped_at.is_(None),
            )
            .with_for_update()
        )
    ).scalar_one_or_none()


async def _audit(
    session: AsyncSession, actor: Actor, request: ServiceRequest, what: str, **data: Any
) -> None:
    await audit(
        session,
        actor,
        "requests.request.time",
        "service_request",
        request.id,
        organization=request.organization_id,
        what=what,
        **data,
    )


async def start_timer(
    session: AsyncSession, actor: Actor, request_id: int, now: datetime
) -> ServiceRequestTime:
    request = await performed(session, actor, request_id, TIMER_STATUSES)
    if await _running(session, request.id, actor.person_id) is not None:
        raise conflict(
            "TIMER_RUNNING",
            "Таймер по этой заявке уже запущен.",
            "Your timer on this request is already running.",
        )
    entry = ServiceRequestTime(
        request_id=request.id,
        person_id=actor.person_id,
        work_date=calendar_of_session(session).local_date(now),
        manual=False,
        started_at=now,
    )
    session.add(entry)
    await session.flush()
    await _audit(session, actor, request, "timer_start", entry=entry.id)
    return entry


async def stop_timer(
    session: AsyncSession, actor: Actor, request_id: int, now: datetime
) -> ServiceRequestTime:
    request = await performed(session, actor, request_id, TIMER_STATUSES + (DONE,))
    entry = await _running(session, request.id, actor.person_id)
    if entry is None or entry.started_at is None:
        raise conflict(
            "NO_TIMER",
            "Таймер по этой заявке не запущен.",
            "You have no timer running on this request.",
        )
    seconds = max(0.0, (now - entry.started_at).total_seconds())
    entry.stopped_at = now
    entry.minutes = min(MAX_MINUTES, max(1, math.ceil(seconds / 60)))
    await session.flush()
    await _audit(session, actor, request, "timer_stop", entry=entry.id, minutes=entry.minutes)
    return entry


@dataclass(frozen=True)
class ManualTime:
    minutes: int
    work_date: date | None = None
    note: str = ""


async def record_time(
    session: AsyncSession, actor: Actor, request_id: int, given: ManualTime
) -> ServiceRequestTime:
    request = await performed(session, actor, request_id, ENTRY_STATUSES)
    if not 1 <= given.minutes <= MAX_MINUTES:
        raise invalid(
            "BAD_MINUTES",
            "Укажите от 1 до 1440 минут.",
            "Give 1 to 1440 minutes.",
            "minutes",
        )
    today = calendar_of_session(session).today()
    day = given.work_date or today
    if day > today:
        raise invalid(
            "FUTURE_DATE",
            "Время не записывают на будущую дату.",
            "Time is not recorded on a future date.",
            "workDate",
        )
    note = given.note.strip()
    if len(note) > MAX_NOTE:
        raise invalid("TOO_LONG", "Текст слишком длинный.", "The text is too long.", "note")
    entry = ServiceRequestTime(
        request_id=request.id,
        person_id=actor.person_id,
        work_date=day,
        minutes=given.minutes,
        manual=True,
        note=note,
    )
    session.add(entry)
    await session.flush()
    await _audit(session, actor, request, "manual", entry=entry.id, minutes=given.minutes)
    return entry


async def set_quantity(
    session: AsyncSession, actor: Actor, request_id: int, quantity: int
) -> ServiceRequest:
    request = await performed(session, actor, request_id, ENTRY_STATUSES)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise invalid(
            "BAD_QUANTITY",
            "Укажите количество от 1 до 10 000.",
            "Give a quantity from 1 to 10,000.",
            "quantity",
        )
    request.quantity = quantity
    await session.flush()
    await _audit(session, actor, request, "quantity", quantity=quantity)
    return request


# ------------------------------------------------------------------------------ reading


async def time_entries(
    session: AsyncSession, request_ids: Sequence[int]
) -> list[ServiceRequestTime]:
    """The time entries of these requests, oldest first: one statement."""
    if not request_ids:
        return []
    rows = await session.scalars(
        select(ServiceRequestTime)
        .where(ServiceRequestTime.request_id.in_(sorted(set(request_ids))))
        .order_by(ServiceRequestTime.id)
    )
    return list(rows.all())


@dataclass(frozen=True)
class Billing:
    """What a request's amount is made of."""

    price_kind: str | None
    price: Decimal | None
    quantity: int | None
    minutes: int

    @property
    def amount(self) -> Decimal | None:
        if self.price is None or self.price_kind is None:
            return None
        if self.price_kind == HOURLY:
            raw = self.price * Decimal(self.minutes) / Decimal(60)
        else:
            raw = self.price * Decimal(self.quantity or 1)
        return raw.quantize(KOPECK, rounding=ROUND_HALF_UP)


async def billing_of(session: AsyncSession, request_ids: Sequence[int]) -> dict[int, Billing]:
    """Each request's price (its catalog service's), quantity and minutes recorded (stopped
    timers and hand-made entries): one statement."""
    if not request_ids:
        return {}
    minutes = (
        select(func.coalesce(func.sum(ServiceRequestTime.minutes), 0))
        .where(ServiceRequestTime.request_id == ServiceRequest.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            ServiceRequest.id,
            RequestService.price_kind,
            RequestService.price,
            ServiceRequest.quantity,
            minutes,
        )
        .join(RequestService, RequestService.id == ServiceRequest.service_id)
        .where(ServiceRequest.id.in_(sorted(set(request_ids))))
    )
    found: dict[int, Billing] = {}
    for row in rows:
        rid, kind, price, quantity, total = cast(tuple[Any, ...], tuple(row))
        found[int(rid)] = Billing(kind, price, quantity, int(total or 0))
    return found
