"""Reading the firm's audit log (`audit_log`, written by `saas.core.audit`): the filter, its
checks, the statement, and who an entry's actor is.

The log is the firm's own table in its schema: reading it through the tenant session (`ctx.db`,
a job's transaction) can reach no other firm's entries. Only the firm admin and auditors read
it (`audit:read`, declared on the GraphQL fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from saas.db.core_models import AuditEntry
from saas.schema.errors import LocalizedError


class AuditError(LocalizedError):
    """A refused filter of the audit log (kind validation or not_found), in Russian and
    English."""


def bad_period() -> AuditError:
    return AuditError(
        "validation",
        "BAD_PERIOD",
        "Начало периода позже его конца.",
        "The period's start is after its end.",
        "to",
    )


def one_actor() -> AuditError:
    return AuditError(
        "validation",
        "ONE_ACTOR",
        "Укажите что-то одно: сотрудника, API-токен или исполнителя действия.",
        "Give one of personId, apiTokenId and actor, not several.",
        "actor",
    )


# Actor subjects (`saas.core.actor.Actor.subject`): person:<id>, token:<id>, operator:<how>
# (the platform's operator, e.g. the CLI), anything else is the platform itself (job:..., system).
PERSON, API_TOKEN, OPERATOR, SYSTEM = "person", "api_token", "operator", "system"


@dataclass(frozen=True)
class ActorRef:
    """Who an entry's `actor` subject names."""

    kind: str
    number: int | None = None

    @classmethod
    def of(cls, subject: str) -> ActorRef:
        prefix, _, rest = subject.partition(":")
        number = int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 19 else None
        if prefix == "person" and number:
            return cls(PERSON, number)
        if prefix == "token" and number:
            return cls(API_TOKEN, number)
        if prefix == "operator":
            return cls(OPERATOR)
        return cls(SYSTEM)


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit log; None means "any". `action` is exact, or a prefix when it ends
    with a dot ("report." finds report.create, report.update...). `since` is inclusive,
    `until` exclusive."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def checked(cls, *, actors: list[str | None], **values: Any) -> AuditFilter:
        """The filter, or AuditError: a period ending before it starts, several actors."""
        named = [a for a in actors if a is not None]
        if len(named) > 1:
            raise one_actor()
        where = cls(actor=named[0] if named else None, **values)
        if where.since is not None and where.until is not None and where.since > where.until:
            raise bad_period()
        return where

    def to_params(self) -> dict[str, Any]:
        """Plain JSON for a job's params."""
        return {
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> AuditFilter:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            actor=params.get("actor"),
            action=params.get("action"),
            object_type=params.get("object_type"),
            object_id=params.get("object_id"),
            since=when(params.get("since")),
            until=when(params.get("until")),
        )


def audit_log_statement(where: AuditFilter) -> Select[Any]:
    """The entries matching the filters (unordered: the caller pages newest first by
    (at, id)). For the firm admin and auditors only: the caller checks `audit:read`."""
    stmt = select(AuditEntry)
    if where.actor is not None:
        stmt = stmt.where(AuditEntry.actor == where.actor)
    if where.action is not None:
        if where.action.endswith("."):
            stmt = stmt.where(AuditEntry.action.startswith(where.action, autoescape=True))
        else:
            stmt = stmt.where(AuditEntry.action == where.action)
    if where.object_type is not None:
        stmt = stmt.where(AuditEntry.object_type == where.object_type)
    if where.object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == where.object_id)
    if where.since is not None:
        stmt = stmt.where(AuditEntry.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEntry.at < where.until)
    return stmt


async def audit_entries(session: Any, ids: list[int | None]) -> list[AuditEntry | None]:
    """Entries by id, in order (None for an unknown or malformed id)."""
    wanted = [pk for pk in ids if pk is not None]
    found: dict[int, AuditEntry] = {}
    if wanted:
        rows = await session.execute(select(AuditEntry).where(AuditEntry.id.in_(wanted)))
        found = {row.id: row for row in rows.scalars()}
    return [found.get(pk) if pk is not None else None for pk in ids]
