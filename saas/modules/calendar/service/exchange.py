"""The data-exchange dates a firm agrees with a client organization: staff with
`clients:write` who see the organization set, change and remove them; everyone who sees the
organization's calendar sees them (15-day calendar, iCalendar feed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.calendar.models import ExchangeDate
from saas.modules.calendar.service.errors import (
    CalendarError,
    exchange_date_not_found,
    invalid,
    no_write,
)
from saas.modules.calendar.service.scope import calendar_organization, calendar_organizations

TITLE_MAX, NOTE_MAX = 200, 2000
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class ExchangeInput:
    date: date
    title: str
    note: str = ""


def _checked(data: ExchangeInput) -> ExchangeInput:
    title, note = data.title.strip(), (data.note or "").strip()
    if not title:
        raise invalid("REQUIRED", "Укажите, чем обмениваемся.", "Say what is exchanged.", "title")
    if len(title) > TITLE_MAX:
        raise invalid(
            "TOO_LONG",
            f"Название не длиннее {TITLE_MAX} символов.",
            f"The title is at most {TITLE_MAX} characters.",
            "title",
        )
    if len(note) > NOTE_MAX:
        raise invalid(
            "TOO_LONG",
            f"Примечание не длиннее {NOTE_MAX} символов.",
            f"The note is at most {NOTE_MAX} characters.",
            "note",
        )
    if not FIRST_YEAR <= data.date.year <= LAST_YEAR:
        raise invalid(
            "OUT_OF_RANGE",
            f"Дата должна быть между {FIRST_YEAR} и {LAST_YEAR} годами.",
            f"The date must be between {FIRST_YEAR} and {LAST_YEAR}.",
            "date",
        )
    return ExchangeInput(data.date, title, note)


async def _writable(session: AsyncSession, actor: Actor, org_id: int) -> None:
    if not actor.staff or not actor.may("clients", "write"):
        raise no_write()
    await calendar_organization(session, actor, org_id)


async def access_exchange_date(
    session: AsyncSession, actor: Actor, pk: int, *, write: bool = False
) -> ExchangeDate:
    row = await session.get(ExchangeDate, pk)
    if row is None:
        raise exchange_date_not_found()
    if write:
        if not actor.staff or not actor.may("clients", "write"):
            raise no_write()
    try:
        await calendar_organization(session, actor, row.organization_id)
    except CalendarError:
        raise exchange_date_not_found() from None
    return row


async def exchange_dates_by_id(
    session: AsyncSession, actor: Actor, ids: list[int]
) -> list[ExchangeDate]:
    """The exchange dates among these ids of organizations whose calendar the actor sees."""
    rows = list(
        (await session.execute(select(ExchangeDate).where(ExchangeDate.id.in_(ids)))).scalars()
    )
    if not rows:
        return []
    orgs = [r.organization_id for r in rows]
    visible = {o.id for o in await calendar_organizations(session, actor, orgs)}
    return [r for r in rows if r.organization_id in visible]


async def create_exchange_date(
    session: AsyncSession, actor: Actor, org_id: int, data: ExchangeInput
) -> ExchangeDate:
    await _writable(session, actor, org_id)
    data = _checked(data)
    row = ExchangeDate(
        organization_id=org_id,
        date=data.date,
        title=data.title,
        note=data.note,
        created_by=actor.person_id,
    )
    session.add(row)
    await session.flush()
    await audit(
        session,
        actor,
        "calendar.exchange_date.create",
        "client_organization",
        org_id,
        details={"date": data.date.isoformat(), "title": data.title},
    )
    return row


async def update_exchange_date(
    session: AsyncSession, actor: Actor, pk: int, data: ExchangeInput
) -> ExchangeDate:
    row = await access_exchange_date(session, actor, pk, write=True)
    data = _checked(data)
    row.date, row.title, row.note = data.date, data.title, data.note
    row.updated_at = func.now()
    await session.flush()
    await session.refresh(row)
    await audit(
        session,
        actor,
        "calendar.exchange_date.update",
        "client_organization",
        row.organization_id,
        details={"date": data.date.isoformat(), "title": data.title},
    )
    return row


async def delete_exchange_date(session: AsyncSession, actor: Actor, pk: int) -> int:
    row = await access_exchange_date(session, actor, pk, write=True)
    org_id = row.organization_id
    details = {"date": row.date.isoformat(), "title": row.title}
    await session.delete(row)
    await session.flush()
    await audit(
        session,
        actor,
        "calendar.exchange_date.delete",
        "client_organization",
        org_id,
        details=details,
    )
    return org_id


async def exchange_dates_between(
    session: AsyncSession, org_ids: list[int], first: date, last: date
) -> list[ExchangeDate]:
    stmt = (
        select(ExchangeDate)
        .where(
            ExchangeDate.organization_id.in_(sorted(set(org_ids))),
            ExchangeDate.date.between(first, last),
        )
        .order_by(ExchangeDate.date, ExchangeDate.id)
    )
    return list((await session.execute(stmt)).scalars())
