"""Numbers of performer work: a performer's income this year against the НПД limit with the
tax estimate (paid payments less cancelled receipts), their own statistics, and
the firm's statistics (performers, orders by status, the volume paid by month and by
customer, agency documents)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.calendar.firm import calendar_of_session
from saas.modules.clients.models import ClientOrganization
from saas.modules.performers.models import (
    CANCELLED,
    CHOSEN,
    NPD_ACTIVE,
    PAID,
    SIGNED,
    AgencyDocument,
    Payment,
    PerformerAct,
    PerformerContract,
    PerformerOrder,
    PerformerProfile,
    PerformerResponse,
    Receipt,
)
from saas.modules.performers.service.income import (
    LimitState,
    Payer,
    TaxEstimate,
    estimate_tax,
    limit_state,
)
from saas.modules.performers.service.scope import Side, customer_scope, require_side, scoped


def _year_bounds(year: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The year in the firm's time zone (Moscow unless set): a payment at 01:00 on 1 January
    Moscow time (22:00 UTC the day before) is income of the new year."""
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


@dataclass(frozen=True)
class Income:
    year: int
    by_month: list[int]  # kopecks, January first
    limit: LimitState
    tax: TaxEstimate
    responded: int
    won: int
    done: int
    contracts_signed: int
    average_order_kopecks: int  # this year's income over the orders it was paid for


async def performer_income(session: AsyncSession, actor: Actor, year: int) -> Income:
    require_side(actor, Side.PERFORMER)
    zone = calendar_of_session(session).zone
    start, end = _year_bounds(year, zone)
    # Paid this year, less what a cancelled receipt took back; the payer is an organization
    # unless the receipt says individual. One statement.
    paid = (
        await session.execute(
            select(
                Payment.paid_at,
                Payment.amount_kopecks,
                Receipt.status,
                Receipt.amount_kopecks,
                Receipt.payer_kind,
                PerformerContract.order_id,
            )
            .join(PerformerAct, PerformerAct.id == Payment.act_id)
            .join(PerformerContract, PerformerContract.id == PerformerAct.contract_id)
            .outerjoin(Receipt, Receipt.payment_id == Payment.id)
            .where(
                Payment.performer_person_id == actor.person_id,
                Payment.status == PAID,
                Payment.paid_at >= start,
                Payment.paid_at < end,
            )
            .order_by(Payment.paid_at, Payment.id)
        )
    ).all()
    by_month = [0] * 12
    incomes: list[tuple[Payer, int]] = []
    orders: set[int] = set()
    for paid_at, amount, receipt_status, receipt_amount, payer_kind, order_id in paid:
        if receipt_status == CANCELLED:
            amount = max(int(amount) - int(receipt_amount or 0), 0)
        if amount <= 0 or paid_at is None:
            continue
        by_month[paid_at.astimezone(zone).month - 1] += amount
        payer = Payer.INDIVIDUAL if payer_kind == "individual" else Payer.BUSINESS
        incomes.append((payer, amount))
        orders.add(int(order_id))
    me = actor.person_id
    responded, won = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(PerformerResponse.status == CHOSEN),
            ).where(PerformerResponse.performer_person_id == me)
        )
    ).one()
    done = await session.scalar(
        select(func.count()).where(
            PerformerOrder.performer_person_id == me, PerformerOrder.status == "done"
        )
    )
    signed = await session.scalar(
        select(func.count()).where(
            PerformerContract.performer_person_id == me, PerformerContract.status == SIGNED
        )
    )
    return Income(
        year=year,
        by_month=by_month,
        limit=limit_state(sum(by_month)),
        tax=estimate_tax(incomes),
        responded=int(responded),
        won=int(won),
        done=int(done or 0),
        contracts_signed=int(signed or 0),
        average_order_kopecks=(sum(by_month) + len(orders) // 2) // len(orders) if orders else 0,
    )


@dataclass(frozen=True)
class Volume:
    key: str  # "2026-11" or an organization's name
    organization_id: int | None
    kopecks: int


@dataclass(frozen=True)
class Statistics:
    performers: int
    npd_active: int
    orders_by_status: dict[str, int]
    by_month: list[Volume]
    by_customer: list[Volume]
    agency_documents: int


async def firm_statistics(
    session: AsyncSession, actor: Actor, start: date, end: date
) -> Statistics:
    """Staff: the organizations they see; performers counted firm-wide."""
    require_side(actor, Side.STAFF)
    performers, active = (
        await session.execute(
            select(func.count(), func.count().filter(PerformerProfile.npd_status == NPD_ACTIVE))
        )
    ).one()
    orders = dict(
        (
            await session.execute(
                scoped(
                    select(PerformerOrder.status, func.count()),
                    customer_scope(actor, PerformerOrder.organization_id),
                ).group_by(PerformerOrder.status)
            )
        ).all()
    )
    zone = calendar_of_session(session).zone  # the period's days and months in the firm's zone
    lo = datetime.combine(start, datetime.min.time(), zone)
    hi = datetime.combine(end, datetime.min.time(), zone)
    paid = scoped(
        select(Payment.paid_at, Payment.organization_id, Payment.amount_kopecks).where(
            Payment.status == PAID, Payment.paid_at >= lo, Payment.paid_at < hi
        ),
        customer_scope(actor, Payment.organization_id),
    )
    months: dict[str, int] = {}
    customers: dict[int, int] = {}
    rows: list[Any] = list((await session.execute(paid)).all())
    for paid_at, org, amount in rows:
        month, org_id, kopecks = f"{paid_at.astimezone(zone):%Y-%m}", int(org), int(amount)
        months[month] = months.get(month, 0) + kopecks
        customers[org_id] = customers.get(org_id, 0) + kopecks
    names = (
        dict(
            (
                await session.execute(
                    select(ClientOrganization.id, ClientOrganization.name).where(
                        ClientOrganization.id.in_(list(customers))
                    )
                )
            ).all()
        )
        if customers
        else {}
    )
    documents = await session.scalar(
        scoped(
            select(func.count()).where(
                AgencyDocument.period >= start.replace(day=1), AgencyDocument.period < end
            ),
            customer_scope(actor, AgencyDocument.organization_id),
        )
    )
    return Statistics(
        performers=int(performers),
        npd_active=int(active),
        orders_by_status={str(k): int(v) for k, v in orders.items()},
        by_month=[Volume(k, None, v) for k, v in sorted(months.items())],
        by_customer=[
            Volume(str(names.get(org, org)), org, v)
            for org, v in sorted(customers.items(), key=lambda kv: -kv[1])
        ],
        agency_documents=int(documents or 0),
    )
