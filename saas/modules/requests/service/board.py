"""The department board: open requests per department and performer, overdue first, one
statement for the page (organization and service names joined; performers are cards the
people loader gives in one more)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, select

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


def board_statement(
    actor: Actor,
    today: date,
    first: int,
    *,
    department_id: int | None,
    performer_id: int | None,
) -> Any:
    """Open requests, overdue first, then by due date."""
    overdue = case((ServiceRequest.due_date < today, 0), else_=1)
    return (
        requests_statement(
            actor,
            department_id=department_id,
            performer_id=performer_id,
            statuses=list(OPEN),
        )
        .order_by(overdue, ServiceRequest.due_date, ServiceRequest.id)
        .limit(max(0, min(first, MAX_PAGE)))
    )
