"""Who sees which organization's catalog and requests: staff the organizations of the
core's `organization_filter` (firm-wide with `clients:read_all`, else those they are the
responsible manager or a moderator of); a client user the organizations granting it
'requests' (an active contact, the module enabled by the firm)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from saas.core.actor import Actor
from saas.modules.clients.service import granted_scope

REQUESTS = "requests"


def organizations_scope(actor: Actor, column: Any) -> ColumnElement[bool] | None:
    """The clause limiting a column of organization ids to those `actor` sees here (None:
    every one)."""
    return granted_scope(actor, column, REQUESTS)


def scoped(stmt: Any, actor: Actor, column: Any) -> Any:
    clause = organizations_scope(actor, column)
    return stmt if clause is None else stmt.where(clause)
