"""Orders of a customer organization, performers' responses, and the choice.

A customer (a contact holding the 'performers' grant, or staff on its behalf) publishes an
order open to every performer of the firm or addressed to one (a personal order); performers
with a profile respond once per order; the customer chooses one response: the performer's
НПД status is checked right then (service/gateway.py), and a performer who is not
self-employed is refused with the tax service's answer. Finishing an order feeds the
performer's rating."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.commit import services_of
from saas.modules.documents.service.files import access_file
from saas.modules.performers.models import (
    ASSIGNED,
    CANCELLED,
    CHOSEN,
    DECLINED,
    DONE,
    OPEN,
    PENDING,
    WITHDRAWN,
    OrderFile,
    PerformerOrder,
    PerformerProfile,
    PerformerResponse,
)
from saas.modules.performers.service.errors import (
    PerformersError,
    conflict,
    invalid,
    not_found,
    not_self_employed,
)
from saas.modules.performers.service.gateway import check_performer
from saas.modules.performers.service.profiles import _text, _visible_org, clean_skills
from saas.modules.performers.service.scope import (
    Side,
    access_order,
    access_response,
    order_scope,
    require_side,
    scoped,
    side_of,
)

MAX_FILES = 10
MAX_BUDGET = 2_400_000_00  # the НПД year's limit: no single order above it


@dataclass
class OrderInput:
    title: str
    description: str
    budget_kopecks: int
    rate: str = "fixed"
    deadline: date | None = None
    skills: list[str] = field(default_factory=list)
    file_ids: list[int] = field(default_factory=list)
    addressed_person_id: int | None = None


def _check_order(data: OrderInput) -> None:
    if not 0 < data.budget_kopecks <= MAX_BUDGET:
        raise invalid(
            "BUDGET",
            "Бюджет — больше нуля и не больше 2 400 000 ₽ (годовой лимит самозанятого).",
            "The budget is above zero and at most 2,400,000 ₽ (the self-employed year's limit).",
            "budgetKopecks",
        )
    if data.rate not in ("fixed", "hourly"):
        raise invalid("RATE", "Неизвестный вид оплаты.", "Unknown rate.", "rate")
    if data.deadline is not None and data.deadline < datetime.now(UTC).date():
        raise invalid(
            "DEADLINE_PAST",
            "Срок не может быть в прошлом.",
            "The deadline cannot be in the past.",
            "deadline",
        )


async def _attach(
    session: AsyncSession, actor: Actor, order: PerformerOrder, file_ids: list[int]
) -> None:
    if len(file_ids) > MAX_FILES:
        raise invalid(
            "TOO_MANY_FILES",
            f"Не больше {MAX_FILES} файлов.",
            f"At most {MAX_FILES} files.",
            "fileIds",
        )
    for file_id in dict.fromkeys(file_ids):
        file, _ = await access_file(session, actor, file_id)
        if file.organization_id != order.organization_id:
            raise not_found("order")
        session.add(OrderFile(order_id=order.id, file_id=file.id))


async def _performer_exists(session: AsyncSession, person_id: int) -> PerformerProfile:
    profile = await session.get(PerformerProfile, person_id)
    if profile is None:
        raise not_found("performer")
    return profile


async def publish_order(
    session: AsyncSession, actor: Actor, org_id: int, data: OrderInput
) -> PerformerOrder:
    require_side(actor, Side.CUSTOMER, Side.STAFF)
    await _visible_org(session, actor, org_id)
    _check_order(data)
    if data.addressed_person_id is not None:
        await _performer_exists(session, data.addressed_person_id)
    order = PerformerOrder(
        organization_id=org_id,
        title=_text(data.title, "title", required=True, limit=200),
        description=_text(data.description, "description"),
        budget_kopecks=data.budget_kopecks,
        rate=data.rate,
        deadline=data.deadline,
        skills=clean_skills(data.skills),
        status=OPEN,
        addressed_person_id=data.addressed_person_id,
        created_by=actor.person_id,
    )
    session.add(order)
    await session.flush()
    await _attach(session, actor, order, data.file_ids)
    await audit(
        session,
        actor,
        "performer.order_published",
        "performer_order",
        order.id,
        organization_id=org_id,
        title=order.title,
        budget_kopecks=data.budget_kopecks,
    )
    return order


async def _customer_order(
    session: AsyncSession, actor: Actor, order_id: int, *statuses: str
) -> PerformerOrder:
    require_side(actor, Side.CUSTOMER, Side.STAFF)
    order = await access_order(session, actor, order_id, lock=True)
    if statuses and order.status not in statuses:
        raise conflict(
            "ORDER_STATUS",
            "Заказ уже не в том состоянии, в котором это можно сделать.",
            "The order is no longer in a state that allows this.",
        )
    return order


async def cancel_order(session: AsyncSession, actor: Actor, order_id: int) -> PerformerOrder:
    order = await _customer_order(session, actor, order_id, OPEN)
    order.status = CANCELLED
    order.updated_at = datetime.now(UTC)
    await audit(session, actor, "performer.order_cancelled", "performer_order", order.id)
    return order


async def update_order(
    session: AsyncSession, actor: Actor, order_id: int, org_id: int, data: OrderInput
) -> PerformerOrder:
    """Replace an open order's terms (title, description, budget, rate, deadline, skills,
    files); the organization (`org_id` must be the order's) and the addressee stay."""
    order = await _customer_order(session, actor, order_id, OPEN)
    if org_id != order.organization_id:
        raise invalid(
            "ORGANIZATION",
            "Организацию заказа изменить нельзя.",
            "An order's organization cannot change.",
            "organizationId",
        )
    _check_order(data)
    order.title = _text(data.title, "title", required=True, limit=200)
    order.description = _text(data.description, "description")
    order.budget_kopecks = data.budget_kopecks
    order.rate = data.rate
    order.deadline = data.deadline
    order.skills = clean_skills(data.skills)
    order.updated_at = datetime.now(UTC)
    old = (await session.execute(select(OrderFile).where(OrderFile.order_id == order.id))).scalars()
    for row in list(old):
        await session.delete(row)
    await session.flush()
    await _attach(session, actor, order, data.file_ids)
    await audit(
        session,
        actor,
        "performer.order_updated",
        "performer_order",
        order.id,
        title=order.title,
        budget_kopecks=data.budget_kopecks,
    )
    return order


async def complete_order(session: AsyncSession, actor: Actor, order_id: int) -> PerformerOrder:
    order = await _customer_order(session, actor, order_id, ASSIGNED)
    order.status = DONE
    order.updated_at = datetime.now(UTC)
    await audit(session, actor, "performer.order_completed", "performer_order", order.id)
    return order


async def list_orders(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: int | None = None,
    status: str | None = None,
    skill: str | None = None,
    mine: bool = False,
    first: int = 50,
    after_id: int | None = None,
) -> list[PerformerOrder]:
    """Newest first; `after_id` pages (ids below it); `mine` for a performer: the orders they
    responded to or were given."""
    stmt = scoped(select(PerformerOrder), order_scope(actor))
    if organization_id is not None:
        stmt = stmt.where(PerformerOrder.organization_id == organization_id)
    if status is not None:
        stmt = stmt.where(PerformerOrder.status == status)
    if skill:
        stmt = stmt.where(PerformerOrder.skills.contains([skill.strip().lower()]))
    if mine and side_of(actor) is Side.PERFORMER:
        responded = select(PerformerResponse.order_id).where(
            PerformerResponse.performer_person_id == actor.person_id
        )
        stmt = stmt.where(
            (PerformerOrder.performer_person_id == actor.person_id)
            | PerformerOrder.id.in_(responded)
        )
    if after_id is not None:
        stmt = stmt.where(PerformerOrder.id < after_id)
    stmt = stmt.order_by(PerformerOrder.id.desc()).limit(max(1, min(first, 100)))
    return list((await session.scalars(stmt)).all())


async def respond(
    session: AsyncSession, actor: Actor, order_id: int, message: str, price_kopecks: int | None
) -> PerformerResponse:
    require_side(actor, Side.PERFORMER)
    assert actor.person_id is not None
    order = await access_order(session, actor, order_id, lock=True)
    if order.status != OPEN:
        raise conflict(
            "ORDER_CLOSED", "Заказ уже не принимает отклики.", "The order takes no more responses."
        )
    if await session.get(PerformerProfile, actor.person_id) is None:
        raise PerformersError(
            "conflict",
            "PROFILE_REQUIRED",
            "Сначала заполните профиль: ИНН, ФИО и реквизиты.",
            "Fill in your profile first: INN, name and bank details.",
        )
    if price_kopecks is not None and not 0 < price_kopecks <= MAX_BUDGET:
        raise invalid("PRICE", "Цена — больше нуля.", "The price is above zero.", "priceKopecks")
    taken = await session.scalar(
        select(PerformerResponse).where(
            PerformerResponse.order_id == order.id,
            PerformerResponse.performer_person_id == actor.person_id,
        )
    )
    if taken is not None and taken.status != WITHDRAWN:
        raise conflict(
            "ALREADY_RESPONDED", "Вы уже откликнулись на этот заказ.", "You already responded."
        )
    row = taken or PerformerResponse(order_id=order.id, performer_person_id=actor.person_id)
    row.message = _text(message, "message")
    row.price_kopecks = price_kopecks
    row.status = PENDING
    if taken is None:
        session.add(row)
    await session.flush()
    await audit(session, actor, "performer.responded", "performer_order", order.id)
    return row


async def withdraw(session: AsyncSession, actor: Actor, response_id: int) -> PerformerResponse:
    require_side(actor, Side.PERFORMER)
    row = await access_response(session, actor, response_id, lock=True)
    if row.status != PENDING:
        raise conflict(
            "RESPONSE_STATUS", "Этот отклик уже рассмотрен.", "This response was already decided."
        )
    row.status = WITHDRAWN
    await session.flush()
    return row


async def choose(
    session: AsyncSession, actor: Actor, tenant_key: str, response_id: int
) -> PerformerOrder:
    """Give the order to the response's performer: their НПД status is checked now."""
    require_side(actor, Side.CUSTOMER, Side.STAFF)
    response = await access_response(session, actor, response_id, lock=True)
    order = await _customer_order(session, actor, response.order_id, OPEN)
    if response.status != PENDING:
        raise conflict(
            "RESPONSE_STATUS", "Этот отклик уже рассмотрен.", "This response was already decided."
        )
    profile = await _performer_exists(session, response.performer_person_id)
    status = await check_performer(services_of(session), tenant_key, profile)
    await session.flush()
    if not status.self_employed:
        raise not_self_employed(profile.full_name, status.message)
    now = datetime.now(UTC)
    order.status, order.performer_person_id, order.chosen_at, order.updated_at = (
        ASSIGNED,
        response.performer_person_id,
        now,
        now,
    )
    others = (
        await session.scalars(
            select(PerformerResponse).where(
                PerformerResponse.order_id == order.id, PerformerResponse.id != response.id
            )
        )
    ).all()
    for other in others:
        if other.status == PENDING:
            other.status = DECLINED
    response.status = CHOSEN
    await session.flush()
    await audit(
        session,
        actor,
        "performer.chosen",
        "performer_order",
        order.id,
        performer_person_id=response.performer_person_id,
        npd_message=status.message,
    )
    return order


async def responses_of(
    session: AsyncSession, actor: Actor, order_ids: list[int]
) -> dict[int, list[PerformerResponse]]:
    """Each order's responses as `actor` may see them: a performer only their own."""
    stmt = select(PerformerResponse).where(PerformerResponse.order_id.in_(order_ids))
    if side_of(actor) is Side.PERFORMER:
        stmt = stmt.where(PerformerResponse.performer_person_id == actor.person_id)
    rows = (await session.scalars(stmt.order_by(PerformerResponse.id))).all()
    found: dict[int, list[PerformerResponse]] = {o: [] for o in order_ids}
    for row in rows:
        found[row.order_id].append(row)
    return found


async def ratings(session: AsyncSession, person_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(orders done, orders given) of each performer at this firm."""
    rows = (
        await session.execute(
            select(
                PerformerOrder.performer_person_id,
                func.count().filter(PerformerOrder.status == DONE),
                func.count(),
            )
            .where(PerformerOrder.performer_person_id.in_(person_ids))
            .group_by(PerformerOrder.performer_person_id)
        )
    ).all()
    found = {p: (0, 0) for p in person_ids}
    for person, done, given in rows:
        if person is not None:
            found[int(person)] = (int(done), int(given))
    return found


async def files_of(session: AsyncSession, order_ids: list[int]) -> dict[int, list[int]]:
    rows = (
        await session.execute(
            select(OrderFile.order_id, OrderFile.file_id).where(OrderFile.order_id.in_(order_ids))
        )
    ).all()
    found: dict[int, list[int]] = {o: [] for o in order_ids}
    for order_id, file_id in rows:
        found[int(order_id)].append(int(file_id))
    return found
