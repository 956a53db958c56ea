"""The department board: open requests per department and performer, overdue first, one
statement for the page (organization and service names joined; performers are cards the
people loader gives in one more).

Paged lists (`requests_ordered`, `board_ordered`) carry their sort key as labelled columns
(`sort_*`), which the GraphQL layer's keyset cuts pages by."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.clients.models import ClientOrganization
from saas.modules.requests.models import ServiceRequest
from saas.modules.requests.service.requests import OPEN
from saas.modules.requests.service.scope import scoped

MAX_PAGE = 200


def requests_statement(
    actor: Actor,
    *,
    organization_id: int | None = None,
    department_id: int | None = None,
    performer_id: int | None = None,
    statuses: list[str] | None = None,
) -> Any:
    """Requests the actor sees with their organization's name (`organization_name`)."""
    stmt = select(ServiceRequest, ClientOrganization.name.label("organization_name")).join(
        ClientOrganization, ClientOrganization.id == ServiceRequest.organization_id
    )
    if organization_id is not None:
        stmt = stmt.where(ServiceRequest.organization_id == organization_id)
    if department_id is not None:
        stmt = stmt.where(ServiceRequest.department_id == department_id)
    if performer_id is not None:
        stmt = stmt.where(ServiceRequest.performer_person_id == performer_id)
    if statuses:
        stmt = stmt.where(ServiceRequest.status.in_(statuses))
    return scoped(stmt, actor, ServiceRequest.organization_id)


async def requests_page(
    session: AsyncSession,
    actor: Actor,
    first: int,
    *,
    organization_id: int | None = None,
    department_id: int | None = None,
    statuses: list[str] | None = None,
) -> list[Any]:
    """Requests the actor sees (`requests_statement` rows), newest first, `first` of them (at
    most MAX_PAGE)."""
    stmt = requests_statement(
        actor, organization_id=organization_id, department_id=department_id, statuses=statuses
    )
    limit = max(0, min(first, MAX_PAGE))
    return list(await session.execute(stmt.order_by(ServiceRequest.id.desc()).limit(limit)))


async def request_row(session: AsyncSession, actor: Actor, request_id: int) -> Any:
    """One request the actor sees (a `requests_statement` row), or None."""
    stmt = requests_statement(actor).where(ServiceRequest.id == request_id)
    return (await session.execute(stmt)).one_or_none()


def requests_ordered(
    actor: Actor,
    *,
    organization_id: int | None = None,
    department_id: int | None = None,
    statuses: list[str] | None = None,
) -> tuple[Any, tuple[Any, ...]]:
    """Requests the actor sees, newest first, for paging: the statement and its sort key
    (`sort_id`, descending)."""
    stmt = requests_statement(
        actor, organization_id=organization_id, department_id=department_id, statuses=statuses
    ).add_columns(ServiceRequest.id.label("sort_id"))
    return stmt, _labelled(stmt, "sort_id")


def board_ordered(
    actor: Actor,
    today: date,
    *,
    department_id: int | None,
    performer_id: int | None,
) -> tuple[Any, tuple[Any, ...]]:
    """Open requests, overdue (the due date before `today`) first, then by due
    date: the statement and its sort key (ascending)."""
    overdue = case((ServiceRequest.due_date < today, 0), else_=1)
    stmt = requests_statement(
        actor, department_id=department_id, performer_id=performer_id, statuses=list(OPEN)
    ).add_columns(
        overdue.label("sort_overdue"),
        ServiceRequest.due_date.label("sort_due"),
        ServiceRequest.id.label("sort_id"),
    )
    key = _labelled(stmt, "sort_overdue", "sort_due", "sort_id")
    return stmt.order_by(*key), key


def _labelled(stmt: Any, *names: str) -> tuple[Any, ...]:
    columns = {c.key: c for c in stmt.selected_columns}
    return tuple(columns[name] for name in names)


async def board(
    session: AsyncSession,
    actor: Actor,
    today: date,
    first: int,
    *,
    department_id: int | None,
    performer_id: int | None,
) -> list[Any]:
    """The board's first page (`board_ordered` rows), `first` of them (at most MAX_PAGE)."""
    stmt, _ = board_ordered(actor, today, department_id=department_id, performer_id=performer_id)
    return list(await session.execute(stmt.limit(max(0, min(first, MAX_PAGE)))))
