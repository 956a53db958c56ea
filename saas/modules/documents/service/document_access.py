"""The firm's views-and-downloads report of every document in one place: the drive's access
log and the access logs other modules keep of their own documents (report documents: the
reports module registers them), as one list of rows of the same columns.

A module whose documents are downloaded through audited links registers a source:
`@access_source("report")` on `fn(actor, where) -> Select | None`, a statement of its log
that applies `where` and the actor's organization scope (`saas.core.actor.organization_filter`)
and selects the columns of COLUMNS, labelled (None: no row of that kind can match `where`).
The drive is the source "drive". The report is their UNION ALL, paged newest first by
(at, kind, id); the documents module never imports another module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, String, Text, cast, false, literal, null, select
from sqlalchemy.sql import Subquery

from saas.core.actor import Actor
from saas.modules.documents.models import DriveAccess, DriveFile, DriveFileVersion
from saas.modules.documents.service.access_log import AccessFilter, access_log_statement

DRIVE = "drive"

# Every source selects these, in this order, labelled so (None where it has no such thing).
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("kind", String),  # the source: drive, report
    ("id", BigInteger),  # the entry's id in its source's log
    ("at", DriveAccess.at.type),
    ("person_id", BigInteger),
    ("token_id", BigInteger),
    ("ip", Text),
    ("user_agent", Text),
    ("organization_id", BigInteger),
    ("document_id", BigInteger),  # a drive file, a report document
    ("document_name", Text),
    ("version_id", BigInteger),  # a drive file's version
    ("version_no", Integer),
    ("report_id", BigInteger),  # a report document's report
    ("action", String),  # view / download (a link issued), downloaded (fetched)
    ("link_id", BigInteger),  # a fetch: its source's entry that issued the link
)


@dataclass(frozen=True)
class DocumentAccessFilter:
    """Filters of the report of every document; None means "any". `file_id` names a drive
    file, `document_id` another source's document (a report document): either narrows the
    report to its kind."""

    since: datetime | None = None
    until: datetime | None = None
    person_id: int | None = None
    organization_id: int | None = None
    action: str | None = None
    kind: str | None = None
    file_id: int | None = None
    document_id: int | None = None

    def to_params(self) -> dict[str, Any]:
        """Plain JSON for a job's params."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("since", "until"):
            out[name] = out[name].isoformat() if out[name] else None
        return out

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DocumentAccessFilter:
        values = {f.name: params.get(f.name) for f in fields(cls)}
        for name in ("since", "until"):
            values[name] = datetime.fromisoformat(str(values[name])) if values[name] else None
        return cls(**values)


AccessSource = Callable[[Actor, DocumentAccessFilter], Select[Any] | None]
ACCESS_SOURCES: dict[str, AccessSource] = {}


def access_source(kind: str) -> Callable[[AccessSource], AccessSource]:
    """Register a module's log of its documents' views and downloads (see the docstring)."""

    def register(fn: AccessSource) -> AccessSource:
        ACCESS_SOURCES[kind] = fn
        return fn

    return register


def typed_null(name: str) -> Any:
    """A NULL of the column `name`'s type, labelled, for a source that has no such thing."""
    return cast(null(), dict(COLUMNS)[name]).label(name)


@access_source(DRIVE)
def drive_access(actor: Actor, where: DocumentAccessFilter) -> Select[Any] | None:
    if where.document_id is not None:
        return None
    base = access_log_statement(
        actor,
        AccessFilter(
            since=where.since,
            until=where.until,
            person_id=where.person_id,
            organization_id=where.organization_id,
            file_id=where.file_id,
            action=where.action,
        ),
    )
    return (
        base.join(DriveFile, DriveFile.id == DriveAccess.file_id)
        .join(DriveFileVersion, DriveFileVersion.id == DriveAccess.version_id)
        .with_only_columns(
            literal(DRIVE, String).label("kind"),
            DriveAccess.id.label("id"),
            DriveAccess.at.label("at"),
            DriveAccess.person_id.label("person_id"),
            DriveAccess.token_id.label("token_id"),
            DriveAccess.ip.label("ip"),
            DriveAccess.user_agent.label("user_agent"),
            DriveAccess.organization_id.label("organization_id"),
            DriveAccess.file_id.label("document_id"),
            DriveFile.name.label("document_name"),
            DriveAccess.version_id.label("version_id"),
            DriveFileVersion.version_no.label("version_no"),
            typed_null("report_id"),
            DriveAccess.action.label("action"),
            DriveAccess.link_id.label("link_id"),
            maintain_column_froms=True,
        )
    )


def document_access_log(actor: Actor, where: DocumentAccessFilter) -> tuple[Select[Any], Subquery]:
    """The rows of every registered source matching `where`, within the organizations the
    actor sees, as one subquery `log` of COLUMNS (page it by log.c.at, log.c.kind, log.c.id);
    returns (SELECT * FROM log, log). The caller checks `documents:manage` or `audit:read`."""
    parts = [
        statement
        for kind, source in sorted(ACCESS_SOURCES.items())
        if where.kind in (None, kind) and (statement := source(actor, where)) is not None
    ]
    if not parts:
        # Nothing can match: one source's columns, no row.
        nothing = drive_access(actor, DocumentAccessFilter())
        assert nothing is not None
        parts = [nothing.where(false())]
    log = (parts[0] if len(parts) == 1 else parts[0].union_all(*parts[1:])).subquery("log")
    return select(log), log
