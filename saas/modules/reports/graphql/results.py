"""What the reports' operations answer: counts, recorded events, status changes, imports,
download links, and their unions with the errors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.core.job_status import JobStatus
from saas.modules.reports.graphql.enums import ReportStatus
from saas.modules.reports.graphql.types import FollowUpType, ReportEventType, ReportType
from saas.schema.errors import (
    ConflictError,
    NotFoundError,
    StorageUnavailableError,
    ValidationError,
)


@strawberry.type(name="ReportStatusCount", description="How many reports are in a status.")
class StatusCount:
    status: ReportStatus
    count: int


@strawberry.type(name="ReportStatusCounts", description="The cabinet's summary of reports.")
class StatusCounts:
    total: int
    by_status: list[StatusCount]


@strawberry.type(description="The event was recorded (or had been: `duplicate`).")
class ReportEventRecorded:
    event: ReportEventType
    report: ReportType
    duplicate: bool = strawberry.field(
        description="The same event (external id and content) was already recorded; "
        "nothing changed."
    )


@strawberry.type(name="ReportStatusChange", description="A report's status changed.")
class ReportStatusChange:
    sequence: int = strawberry.field(
        description="Position in the firm's event stream; pass it as `since` to catch up "
        "after a reconnect."
    )
    report_id: strawberry.ID
    organization_id: strawberry.ID
    status: ReportStatus
    status_at: datetime
    being_fixed: bool


@strawberry.type(name="ReportImportError", description="A refused line of a bulk import.")
class ImportRowError:
    line: int = strawberry.field(
        description="1-based line number (of a CSV file: the line where the record starts)."
    )
    code: str
    message: str
    field: str | None = strawberry.field(
        default=None, description="The row's field at fault (reportId, kind, occurredAt...)."
    )

    @classmethod
    def of(cls, entry: dict[str, Any], language: str) -> ImportRowError:
        message = entry.get("messageRu") if language == "ru" else None
        return cls(
            line=entry["line"],
            code=entry["code"],
            message=message or entry["message"],
            field=entry.get("field"),
        )


@strawberry.type(
    name="ReportImport",
    description="A bulk import of report events: progress (lines done of total) and the "
    "refused lines. Good lines are recorded whatever the bad ones.",
)
class ReportImportType:
    id: strawberry.ID
    status: JobStatus
    done: int
    total: int
    recorded: int
    duplicates: int
    failed: int
    errors: list[ImportRowError]
    created: int = strawberry.field(
        default=0,
        description="Reports created by the import: rows naming a report by inn, formCode, "
        "periodYear, periodCode (and correction) that did not exist yet.",
    )
    error: str | None = strawberry.field(description="Why the whole job failed, if it did.")

    @classmethod
    def of(cls, row: Any, language: str = "en") -> ReportImportType:
        result = row.result or {}
        return cls(
            id=strawberry.ID(str(relay.GlobalID("ReportImport", str(row.id)))),
            status=JobStatus(row.status),
            done=row.done,
            total=row.total,
            recorded=int(result.get("recorded", 0)),
            duplicates=int(result.get("duplicates", 0)),
            failed=int(result.get("failed", 0)),
            created=int(result.get("created", 0)),
            errors=[ImportRowError.of(e, language) for e in result.get("errors", [])],
            error=row.error,
        )


ReportImportResult = Annotated[
    ReportImportType | ValidationError, strawberry.union("ReportImportResult")
]
ReportImportLookup = Annotated[
    ReportImportType | NotFoundError, strawberry.union("ReportImportLookup")
]
ReportLookup = Annotated[ReportType | NotFoundError, strawberry.union("ReportLookup")]
CreateReportResult = Annotated[
    ReportType | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CreateReportResult"),
]
SetReportManagerResult = Annotated[
    ReportType | NotFoundError | ValidationError, strawberry.union("SetReportManagerResult")
]


@strawberry.type(
    name="ReportFollowUpChanged",
    description="A follow-up was closed or reassigned: it and its report as they are now.",
)
class FollowUpChanged:
    follow_up: FollowUpType
    report: ReportType


ReportFollowUpResult = Annotated[
    FollowUpChanged | NotFoundError | ValidationError | ConflictError,
    strawberry.union("ReportFollowUpResult"),
]
RecordReportEventResult = Annotated[
    ReportEventRecorded | ValidationError | NotFoundError | ConflictError | StorageUnavailableError,
    strawberry.union("RecordReportEventResult"),
]


@strawberry.type(
    name="ReportDocumentLink",
    description="A short-lived link to a report document's bytes (a plain GET).",
)
class ReportDocumentLinkType:
    url: str
    expires_at: datetime


ReportDocumentLinkResult = Annotated[
    ReportDocumentLinkType | NotFoundError | ConflictError,
    strawberry.union("ReportDocumentLinkResult"),
]
