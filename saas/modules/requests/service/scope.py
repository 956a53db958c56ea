"""Who sees which organization's catalog and requests: staff the organizations of the
core's `organization_filter` (firm-wide with `clients:read_all`, else those they are the
responsible manager or a moderator of); a client user the organizations granting it
'requests' (an active contact, the module enabled by the firm)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false

from saas.core.actor import Actor, organization_filter
from saas.modules.clients.models import ClientGrant, ClientOrganization
from saas.modules.clients.service import grants_statement

REQUESTS = "requests"


def organizations_scope(actor: Actor, column: Any) -> ColumnElement[bool] | None:
    """The clause limiting a column of organization ids to those `actor` sees here (None:
    every one)."""
    if actor.staff:
        return organization_filter(actor, column)
    if actor.person_id is None or not actor.client_org_ids:
        return false()
    granted = (
        grants_statement(actor.person_id, actor.client_org_ids)
        .where(ClientGrant.module == REQUESTS)
        .with_only_columns(ClientOrganization.id)
        .scalar_subquery()
    )
    return column.in_(granted)


def scoped(stmt: Any, actor: Actor, column: Any) -> Any:
    clause = organizations_scope(actor, column)
    return stmt if clause is None else stmt.where(clause)
