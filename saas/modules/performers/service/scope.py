"""Who sees what of the performers module: the one place an incoming id of this module is
resolved for an actor (`access_*`), and the clauses every list goes through (`*_scope`).

Three sides:
- firm staff (`performers:read`): the organizations of the core's `organization_filter`;
- a customer: a client contact, in the organizations granting it 'performers';
- a performer (the `performer` role): open orders meant for everyone or addressed to them,
  orders they responded to or were given, and only their own contracts, acts, payments and
  receipts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.clients.service import granted_scope
from saas.modules.performers.models import (
    OPEN,
    PaymentRegistry,
    PerformerAct,
    PerformerContract,
    PerformerOrder,
    PerformerResponse,
    Receipt,
)
from saas.modules.performers.service.errors import forbidden, not_found

PERFORMERS = "performers"
PERFORMER_ROLE = "performer"


class Side(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    PERFORMER = "performer"


def side_of(actor: Actor) -> Side:
    if actor.staff:
        return Side.STAFF
    if PERFORMER_ROLE in actor.roles:
        return Side.PERFORMER
    return Side.CUSTOMER


def customer_scope(actor: Actor, column: Any) -> ColumnElement[bool] | None:
    """A column of organization ids limited to those `actor` sees as staff or as a customer
    (None: every one); a performer sees no organization as a customer."""
    if side_of(actor) is Side.PERFORMER:
        return false()
    return granted_scope(actor, column, PERFORMERS)


def order_scope(actor: Actor) -> ColumnElement[bool] | None:
    if side_of(actor) is not Side.PERFORMER:
        return customer_scope(actor, PerformerOrder.organization_id)
    me = actor.person_id
    responded = exists().where(
        PerformerResponse.order_id == PerformerOrder.id,
        PerformerResponse.performer_person_id == me,
    )
    open_to_me = and_(
        PerformerOrder.status == OPEN,
        or_(PerformerOrder.addressed_person_id.is_(None), PerformerOrder.addressed_person_id == me),
    )
    return or_(open_to_me, PerformerOrder.performer_person_id == me, responded)


def work_scope(actor: Actor, organization: Any, performer: Any) -> ColumnElement[bool] | None:
    """Contracts, acts, payments, receipts: the customer's side by organization, the
    performer's own by person."""
    if side_of(actor) is Side.PERFORMER:
        return performer == actor.person_id
    return customer_scope(actor, organization)


def scoped(stmt: Any, clause: ColumnElement[bool] | None) -> Any:
    return stmt if clause is None else stmt.where(clause)


async def _one(session: AsyncSession, stmt: Any, clause: Any, what: str, lock: bool) -> Any:
    stmt = scoped(stmt, clause)
    if lock:
        stmt = stmt.with_for_update()
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise not_found(what)
    return found


async def access_order(
    session: AsyncSession, actor: Actor, order_id: int, *, lock: bool = False
) -> PerformerOrder:
    stmt = select(PerformerOrder).where(PerformerOrder.id == order_id)
    return await _one(session, stmt, order_scope(actor), "order", lock)


async def access_response(
    session: AsyncSession, actor: Actor, response_id: int, *, lock: bool = False
) -> PerformerResponse:
    """A response: its performer, or the side that sees its order as a customer."""
    stmt = (
        select(PerformerResponse)
        .join(PerformerOrder, PerformerOrder.id == PerformerResponse.order_id)
        .where(PerformerResponse.id == response_id)
    )
    if side_of(actor) is Side.PERFORMER:
        clause: Any = PerformerResponse.performer_person_id == actor.person_id
    else:
        clause = customer_scope(actor, PerformerOrder.organization_id)
    return await _one(session, stmt, clause, "response", lock)


async def access_contract(
    session: AsyncSession, actor: Actor, contract_id: int, *, lock: bool = False
) -> PerformerContract:
    stmt = select(PerformerContract).where(PerformerContract.id == contract_id)
    clause = work_scope(
        actor, PerformerContract.organization_id, PerformerContract.performer_person_id
    )
    return await _one(session, stmt, clause, "contract", lock)


async def access_act(
    session: AsyncSession, actor: Actor, act_id: int, *, lock: bool = False
) -> PerformerAct:
    stmt = select(PerformerAct).where(PerformerAct.id == act_id)
    clause = work_scope(actor, PerformerAct.organization_id, PerformerAct.performer_person_id)
    return await _one(session, stmt, clause, "act", lock)


async def access_registry(
    session: AsyncSession, actor: Actor, registry_id: int, *, lock: bool = False
) -> PaymentRegistry:
    """Registries are the customer's (and the firm's): a performer sees their payments."""
    if side_of(actor) is Side.PERFORMER:
        raise not_found("registry")
    stmt = select(PaymentRegistry).where(PaymentRegistry.id == registry_id)
    clause = customer_scope(actor, PaymentRegistry.organization_id)
    return await _one(session, stmt, clause, "registry", lock)


async def access_receipt(
    session: AsyncSession, actor: Actor, receipt_id: int, *, lock: bool = False
) -> Receipt:
    stmt = select(Receipt).where(Receipt.id == receipt_id)
    clause = work_scope(actor, Receipt.organization_id, Receipt.performer_person_id)
    return await _one(session, stmt, clause, "receipt", lock)


def require_side(actor: Actor, *sides: Side) -> Side:
    side = side_of(actor)
    if side not in sides:
        raise forbidden(
            "WRONG_SIDE",
            "Это действие выполняет другая сторона договора.",
            "Another side of the agreement does this.",
        )
    return side
