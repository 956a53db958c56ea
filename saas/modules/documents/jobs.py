"""Background jobs of the drive: the CSV export of the views-and-downloads report (the
drive's, or every document's with the other modules' sources), the purge
of soft-deleted files after the retention period, and the storage reconciliation.

The CSV is written to the tenant's storage (never a second way of storing files) and offered
through a short-lived link once the job is done (`driveAccessExport(id).downloadUrl`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, tuple_

from saas.auth.models import Person
from saas.core.actor import Actor
from saas.core.exports import CsvExport
from saas.db.session import shared_session
from saas.jobs import JobContext, job_state, periodic, tenant_actor
from saas.modules.clients.models import ClientOrganization
from saas.modules.documents.models import (
    DriveFile,
    DriveFileVersion,
    DriveUpload,
)
from saas.modules.documents.service.access_log import AccessFilter
from saas.modules.documents.service.document_access import (
    DRIVE,
    DocumentAccessFilter,
    document_access_log,
)
from saas.storage import StorageError, TenantStorage, tenant_files

EXPORT_KIND = "export_drive_access"
BATCH = 500
CSV_HEADER = (
    "time_utc",
    "action",
    "person_email",
    "person_name",
    "api_token_id",
    "ip",
    "user_agent",
    "organization",
    "file",  # the document's name (a drive file's, a report document's)
    "version",  # a drive file's version number
    "link_entry_id",  # a `downloaded` row: the access-log entry that issued the link
)
# The report of every document (exportDocumentAccessLog) adds which kind each row is.
DOCUMENTS_CSV_HEADER = (
    *CSV_HEADER,
    "document_kind",  # drive, report
    "report_id",  # a report document's report
)


def export_params(where: DocumentAccessFilter, acting: dict[str, Any]) -> dict[str, Any]:
    """The job's params for the report of every document (`where`), as `acting` sees it."""
    return {"documents": True, "filter": where.to_params(), "acting": acting}


def _filter_of(params: dict[str, Any]) -> tuple[DocumentAccessFilter, bool]:
    """The job's filter, and whether it reports every document (else the drive's only, with
    the drive's columns: exportDriveAccessLog)."""
    if params.get("documents"):
        return DocumentAccessFilter.from_params(params.get("filter") or {}), True
    drive = AccessFilter.from_params(params)
    return DocumentAccessFilter(
        kind=DRIVE,
        since=drive.since,
        until=drive.until,
        person_id=drive.person_id,
        organization_id=drive.organization_id,
        file_id=drive.file_id,
        action=drive.action,
    ), False


@tenant_actor(max_retries=3)
async def export_drive_access(job: JobContext) -> dict[str, Any]:
    """The views-and-downloads report as CSV, oldest first: the drive's
    (exportDriveAccessLog) or every document's (exportDocumentAccessLog)."""
    assert job.job_id is not None
    async with job.transaction() as db:
        row = await job_state(db, job.job_id)
        assert row is not None
        where, documents = _filter_of(row.params)
        # The organizations its submitter saw (a job of an older release: the whole firm).
        actor = Actor.of_job(job.tenant.id, job.job_id, row.params.get("acting"))
        _, log = document_access_log(actor, where)
        total = int(await db.scalar(select(func.count()).select_from(log)) or 0)
    await job.progress(0, total)

    export = CsvExport(DOCUMENTS_CSV_HEADER if documents else CSV_HEADER)
    key = (log.c.at, log.c.kind, log.c.id)
    last: tuple[Any, ...] | None = None
    while True:
        stmt = (
            select(log, ClientOrganization.name.label("organization_name"))
            .join(ClientOrganization, ClientOrganization.id == log.c.organization_id)
            .order_by(*key)
            .limit(BATCH)
        )
        if last is not None:
            stmt = stmt.where(tuple_(*key) > tuple_(*last))
        async with job.transaction() as db:
            rows = list((await db.execute(stmt)).all())
        if not rows:
            break
        people = await _people({r.person_id for r in rows if r.person_id}, job)
        for r in rows:
            email, name = people.get(r.person_id, ("", ""))
            cells = [
                r.at.isoformat(),
                r.action,
                email,
                name,
                r.token_id,
                r.ip,
                r.user_agent,
                r.organization_name,
                r.document_name,
                r.version_no,
                r.link_id,
            ]
            export.add([*cells, r.kind, r.report_id] if documents else cells)
        last = (rows[-1].at, rows[-1].kind, rows[-1].id)
        await job.progress(export.rows, max(total, export.rows))

    files = tenant_files(job.services, job.tenant)
    name = "documents-access" if documents else "drive-access"
    return await export.store(files, name, f"{job.job_id}-{uuid.uuid4().hex}.csv")


async def _people(ids: set[int], job: JobContext) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    async with shared_session(job.services.engine) as shared:
        rows = await shared.execute(
            select(Person.id, Person.email, Person.display_name).where(Person.id.in_(sorted(ids)))
        )
        return {pid: (email, name or "") for pid, email, name in rows}


# ----------------------------------------------------------------- retention and reconciliation

RETENTION_SETTING = "document_retention_days"
DEFAULT_RETENTION_DAYS = 90


def retention_days(tenant: Any) -> int:
    value = (getattr(tenant, "settings", None) or {}).get(RETENTION_SETTING)
    try:
        return max(0, int(value)) if value is not None else DEFAULT_RETENTION_DAYS
    except (TypeError, ValueError):
        return DEFAULT_RETENTION_DAYS


@tenant_actor(max_retries=3)
async def purge_deleted_files(job: JobContext) -> dict[str, Any]:
    """Remove files soft-deleted longer ago than the firm's retention period (setting
    `document_retention_days`, default 90): their objects first, then their rows. An object
    that cannot be removed keeps its rows, so the next run tries again."""
    files = tenant_files(job.services, job.tenant)
    cutoff = datetime.now(UTC) - timedelta(days=retention_days(job.tenant))
    async with job.transaction() as db:
        due = list(
            (
                await db.execute(
                    select(DriveFile.id, DriveFileVersion.storage_key)
                    .outerjoin(DriveFileVersion, DriveFileVersion.file_id == DriveFile.id)
                    .where(DriveFile.deleted_at.is_not(None), DriveFile.deleted_at < cutoff)
                )
            ).all()
        )
    keys: dict[int, list[str]] = {}
    for file_id, key in due:
        keys.setdefault(file_id, []).extend([key] if key else [])
    purged, failed = [], []
    for file_id, file_keys in keys.items():
        try:
            for key in file_keys:
                await files.delete(key)
        except StorageError:
            failed.append(file_id)
            continue
        purged.append(file_id)
    if purged:
        async with job.transaction() as db:
            # Access log rows go with the file (ON DELETE CASCADE): the file no longer exists.
            await db.execute(delete(DriveFile).where(DriveFile.id.in_(purged)))
    return {"purged": len(purged), "failed": failed, "cutoff": cutoff.isoformat()}


periodic(purge_deleted_files, every=lambda s: s.schedule.drive_purge_seconds)


# An object younger than this may belong to a unit of work still running: never an orphan yet.
ORPHAN_GRACE = timedelta(days=1)


async def sweep_orphans(
    files: TenantStorage, prefix: str, named: set[str], grace: timedelta
) -> tuple[set[str], list[str], list[str]]:
    """Objects under `prefix` (a key of the tenant's) that no row names: removed when older than
    `grace`. Returns (every key seen, orphans, orphans removed)."""
    cutoff = datetime.now(UTC) - grace
    seen: set[str] = set()
    orphans, removed = [], []
    async for info in files.list(prefix + "/"):
        seen.add(info.key)
        if info.key in named:
            continue
        orphans.append(info.key)
        if info.modified is not None and info.modified < cutoff:
            try:
                await files.delete(info.key)
            except StorageError:
                continue
            removed.append(info.key)
    return seen, orphans, removed


def reconciliation(missing: list[str], orphans: list[str], removed: list[str]) -> dict[str, Any]:
    """What a reconcile job returns: the first 1,000 keys of each kind and the counts."""
    return {
        "missing": missing[:1000],
        "missing_count": len(missing),
        "orphans": orphans[:1000],
        "orphan_count": len(orphans),
        "orphans_removed": len(removed),
    }


@tenant_actor(max_retries=1)
async def reconcile_drive_storage(
    job: JobContext, grace_seconds: int = int(ORPHAN_GRACE.total_seconds())
) -> dict[str, Any]:
    """Compare the drive's rows with the storage, both ways, and report:
    - `missing`: versions whose object is gone (should never happen; needs a person);
    - `orphans`: objects under the drive's prefix that no version and no upload in flight
      names (left by a crash between storing and recording); removed when older than
      `grace_seconds` (default a day), so an upload being completed right now is never
      touched;
    - expired uploads in flight are dropped with their objects."""
    files = tenant_files(job.services, job.tenant)
    now = datetime.now(UTC)
    async with job.transaction() as db:
        known = set((await db.execute(select(DriveFileVersion.storage_key))).scalars())
        expired = list(
            (await db.execute(select(DriveUpload).where(DriveUpload.expires_at < now))).scalars()
        )
        pending = set(
            (
                await db.execute(
                    select(DriveUpload.storage_key).where(DriveUpload.expires_at >= now)
                )
            ).scalars()
        )
    for upload in expired:
        try:
            await files.delete(upload.storage_key)
        except StorageError:
            continue
        async with job.transaction() as db:
            await db.execute(delete(DriveUpload).where(DriveUpload.id == upload.id))
    seen, orphans, removed = await sweep_orphans(
        files, files.key("drive"), known | pending, timedelta(seconds=max(0, grace_seconds))
    )
    missing = sorted(known - seen)
    return reconciliation(missing, orphans, removed) | {"expired_uploads": len(expired)}


periodic(reconcile_drive_storage, every=lambda s: s.schedule.storage_reconcile_seconds)
