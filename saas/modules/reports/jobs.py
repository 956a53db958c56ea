"""Bulk import of report events (JSON lines) as a background job.

Each line is one event: {"reportId": ..., "externalId": ..., "kind": "accepted",
"occurredAt": "2026-04-20T09:00:00+03:00", "text": ..., "reasonCode": ...}. Each row is its
own savepoint: a bad row is reported (line number, code, message) and never stops or
half-writes the good ones. Rows are idempotent by external id, so a retried job records
nothing twice. Status changes go to the outbox and are announced once per batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import update

from saas.db.core_models import Job
from saas.events import notify_published, write_outbox
from saas.jobs import JobContext, job_state, tenant_actor
from saas.modules.clients.service import Actor
from saas.modules.reports import service
from saas.modules.reports.service import EventInput, EventKind, ReportsError

IMPORT_KIND = "import_report_events"
MAX_IMPORT_LINES = 5000
BATCH = 50
MAX_ERRORS_KEPT = 500


class RowError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _report_id(value: Any) -> int | None:
    from saas.modules.reports.graphql import report_pk

    return report_pk(value)


def parse_row(line: str) -> EventInput:
    try:
        raw = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise RowError("INVALID_JSON", f"not a JSON object: {exc}") from exc
    if not isinstance(raw, dict):
        raise RowError("INVALID_JSON", "each line must be a JSON object")
    for name in ("reportId", "externalId", "kind", "occurredAt"):
        if raw.get(name) in (None, ""):
            raise RowError("MISSING_FIELD", f"`{name}` is required")
    try:
        kind = EventKind(str(raw["kind"]).lower())
    except ValueError as exc:
        allowed = ", ".join(k.value for k in EventKind)
        raise RowError("INVALID_KIND", f"`kind` is one of: {allowed}") from exc
    try:
        occurred_at = datetime.fromisoformat(str(raw["occurredAt"]))
    except ValueError as exc:
        raise RowError("INVALID_TIME", "`occurredAt` is an ISO 8601 date-time") from exc
    text, reason = raw.get("text") or "", raw.get("reasonCode")
    if not isinstance(text, str) or not (reason is None or isinstance(reason, str)):
        raise RowError("INVALID_FIELD", "`text` and `reasonCode` are strings")
    return EventInput(
        report_id=_report_id(raw["reportId"]),
        external_id=str(raw["externalId"]),
        kind=kind,
        occurred_at=occurred_at,
        text=text,
        reason_code=reason,
    )


@tenant_actor(max_retries=3)
async def import_report_events(job: JobContext) -> dict[str, Any]:
    assert job.job_id is not None
    async with job.transaction() as db:
        row = await job_state(db, job.job_id)
    assert row is not None
    lines: list[str] = list(row.params.get("lines", []))
    # The submitter was firm staff (reports:write): the import acts for the firm.
    actor = Actor(tenant_id=job.tenant.id, subject=f"job:{job.job_id}", staff=True)
    summary: dict[str, Any] = {"recorded": 0, "duplicates": 0, "failed": 0, "errors": []}
    total = len(lines)
    for start in range(0, total, BATCH):
        published: list[int] = []
        async with job.transaction() as db:
            for number in range(start, min(start + BATCH, total)):
                line = lines[number]
                if not line.strip():
                    continue
                try:
                    async with db.begin_nested():
                        recorded = await service.record_report_event(db, actor, parse_row(line))
                        if recorded.status_changed:
                            published.append(
                                await write_outbox(
                                    db,
                                    service.STATUS_TOPIC,
                                    service.status_payload(recorded.report),
                                )
                            )
                except (RowError, ReportsError) as exc:
                    summary["failed"] += 1
                    if len(summary["errors"]) < MAX_ERRORS_KEPT:
                        summary["errors"].append(
                            {"line": number + 1, "code": exc.code, "message": exc.message}
                        )
                    continue
                summary["duplicates" if recorded.duplicate else "recorded"] += 1
            done = min(start + BATCH, total)
            # Progress and the errors so far, visible while the import runs.
            await db.execute(
                update(Job).where(Job.id == job.job_id).values(done=done, result=dict(summary))
            )
        await notify_published(job.services, job.tenant, published)
    return summary
