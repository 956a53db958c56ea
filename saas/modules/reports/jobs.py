"""Background jobs of reports: the bulk import of events, and the storage reconciliation.

Bulk import (JSON lines or CSV): the mutation reads the file into items
(saas.modules.reports.imports: one row of fields per JSON line or CSV record, with its line
number) and submits this job with them. Rows carry no documents (only the fields of an
event), so an import stores nothing and has no objects to clean up. A row naming a report
by INN, form and period that does not exist yet creates it (`created` counts them). Each row is
its own savepoint: a bad row is reported (line number, code, field, message) and never stops
or half-writes the good ones. Rows are idempotent by external id, so a retried job records
nothing twice. Progress (rows done of total) and the counters and errors so far are written
in each batch's own transaction, with its rows: an attempt that dies (a killed worker, a lost
connection) loses at most its uncommitted batch, and the next attempt resumes after the last
committed one, so `done` never goes back and no row is counted twice. Status changes go to
the outbox and are announced once per batch.

Reconciliation: `reconcile_report_storage` removes document objects no row names (the
cleanup path of `documents.service.storage.removed_on_failure` when it could not delete at once).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DataError

from saas.core.actor import Actor
from saas.db.core_models import Job
from saas.jobs import JobContext, job_state, periodic, tenant_actor
from saas.modules.documents.jobs import ORPHAN_GRACE, reconciliation, sweep_orphans
from saas.modules.reports.import_rows import event_input
from saas.modules.reports.imports import (
    error_entry,
    invalid_value,
    json_line_items,
)
from saas.modules.reports.models import ReportDocument
from saas.modules.reports.service.flow import ReportsError
from saas.modules.reports.service.timeline import record_and_announce
from saas.storage import tenant_files

log = logging.getLogger(__name__)

IMPORT_KIND = "import_report_events"
BATCH = 50
MAX_ERRORS_KEPT = 500


@tenant_actor(max_retries=3)
async def import_report_events(job: JobContext) -> dict[str, Any]:
    assert job.job_id is not None
    async with job.transaction() as db:
        row = await job_state(db, job.job_id)
    assert row is not None
    items: list[dict[str, Any]] | None = row.params.get("rows")
    if items is None:  # a job submitted before CSV: its raw JSON lines
        items = json_line_items(list(row.params.get("lines", [])))
    # The submitter was firm staff (reports:write): the import acts within its organizations.
    actor = Actor.of_job(job.tenant.id, job.job_id, row.params.get("acting"))
    summary: dict[str, Any] = {
        "recorded": 0,
        "duplicates": 0,
        "failed": 0,
        "created": 0,
        "errors": [],
    }
    # A new attempt (after a crash, a lost connection, a redelivery) resumes after the last
    # committed batch: `done` and the counters were written in that batch's transaction.
    resume = min(max(row.done, 0), len(items))
    if resume:
        summary.update({k: row.result[k] for k in summary if k in row.result})
        log.info("import resumed", extra={"job_id": job.job_id, "after_item": resume})

    def refuse(entry: dict[str, Any]) -> None:
        summary["failed"] += 1
        if len(summary["errors"]) < MAX_ERRORS_KEPT:
            summary["errors"].append(entry)

    total = len(items)
    for start in range(resume, total, BATCH):
        async with job.transaction() as db:
            for item in items[start : start + BATCH]:
                if "error" in item:
                    refuse(item["error"])
                    continue
                if "row" not in item:
                    continue  # a blank line
                try:
                    async with db.begin_nested():
                        row_event = await event_input(db, actor, item["row"])
                        recorded = await record_and_announce(
                            db, actor, row_event.event, services=job.services
                        )
                except ReportsError as exc:
                    refuse(error_entry(item["line"], exc))
                    continue
                except DataError as exc:  # a value the column cannot hold: the row's fault
                    refuse(error_entry(item["line"], invalid_value(exc)))
                    continue
                summary["duplicates" if recorded.duplicate else "recorded"] += 1
                summary["created"] += int(row_event.created)
            done = min(start + BATCH, total)
            # Progress and the errors so far, visible while the import runs.
            await db.execute(
                update(Job).where(Job.id == job.job_id).values(done=done, result=dict(summary))
            )
    return summary


@tenant_actor(max_retries=1)
async def reconcile_report_storage(
    job: JobContext, grace_seconds: int = int(ORPHAN_GRACE.total_seconds())
) -> dict[str, Any]:
    """Compare report documents with the storage under the tenant's "reports/" prefix:
    - `orphans`: objects no document row names, left when an event's unit of work failed and
      its objects could not be removed at once (the storage down at that moment, or a commit
      whose outcome was unknown); removed when older than `grace_seconds` (default a day, so
      an event being recorded right now is never touched);
    - `missing`: documents whose object is gone (should never happen; needs a person)."""
    files = tenant_files(job.services, job.tenant)
    async with job.transaction() as db:
        named = set((await db.execute(select(ReportDocument.storage_key))).scalars())
    seen, orphans, removed = await sweep_orphans(
        files, files.key("reports"), named, timedelta(seconds=max(0, grace_seconds))
    )
    missing = sorted(k for k in named - seen if k.startswith(files.key("reports") + "/"))
    return reconciliation(missing, orphans, removed)


periodic(reconcile_report_storage, every=lambda s: s.schedule.storage_reconcile_seconds)
