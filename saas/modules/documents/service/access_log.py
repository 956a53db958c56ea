"""The firm's views-and-downloads report of every drive: filters and the statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor, organization_filter
from saas.modules.documents.models import (
    DriveAccess,
)

# ---------------------------------------------------------------------------- access report


@dataclass(frozen=True)
class AccessFilter:
    """Filters of the views-and-downloads report; None means "any"."""

    since: datetime | None = None
    until: datetime | None = None
    person_id: int | None = None
    organization_id: int | None = None
    file_id: int | None = None
    action: str | None = None

    def to_params(self) -> dict[str, Any]:
        """Plain JSON for a job's params."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "person_id": self.person_id,
            "organization_id": self.organization_id,
            "file_id": self.file_id,
            "action": self.action,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> AccessFilter:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            since=when(params.get("since")),
            until=when(params.get("until")),
            person_id=params.get("person_id"),
            organization_id=params.get("organization_id"),
            file_id=params.get("file_id"),
            action=params.get("action"),
        )


def access_log_statement(actor: Actor, where: AccessFilter) -> Any:
    """The access log rows matching the filters (`since` inclusive, `until` exclusive), of
    the organizations the actor sees (`organization_filter`: the firm admin and auditors see
    the whole firm). The caller checks `documents:manage` or `audit:read`."""
    stmt = select(DriveAccess)
    scope = organization_filter(actor, DriveAccess.organization_id)
    if scope is not None:
        stmt = stmt.where(scope)
    if where.since is not None:
        stmt = stmt.where(DriveAccess.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(DriveAccess.at < where.until)
    if where.person_id is not None:
        stmt = stmt.where(DriveAccess.person_id == where.person_id)
    if where.organization_id is not None:
        stmt = stmt.where(DriveAccess.organization_id == where.organization_id)
    if where.file_id is not None:
        stmt = stmt.where(DriveAccess.file_id == where.file_id)
    if where.action is not None:
        stmt = stmt.where(DriveAccess.action == where.action)
    return stmt


async def access_entries(
    session: AsyncSession, actor: Actor, ids: list[int | None]
) -> list[DriveAccess | None]:
    """Entries of the access log by id, in order (None for an unknown or malformed id, or
    one of an organization the actor does not see)."""
    wanted = sorted({pk for pk in ids if pk is not None})
    stmt = access_log_statement(actor, AccessFilter()).where(DriveAccess.id.in_(wanted))
    found: dict[int, DriveAccess] = {}
    if wanted:
        rows: list[DriveAccess] = list((await session.execute(stmt)).scalars())
        found = {row.id: row for row in rows}
    return [found.get(pk) if pk is not None else None for pk in ids]
