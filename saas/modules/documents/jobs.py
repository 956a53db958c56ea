"""Background jobs of the drive: the CSV export of the views-and-downloads report.

The CSV is written to the tenant's storage (never a second way of storing files) and offered
through a short-lived link once the job is done (`driveAccessExport(id).downloadUrl`).
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from sqlalchemy import func, select

from saas.auth.models import Person
from saas.db.session import shared_session
from saas.jobs import JobContext, job_state, tenant_actor
from saas.modules.clients.models import ClientOrganization
from saas.modules.documents.models import DriveAccess, DriveFile, DriveFileVersion
from saas.modules.documents.service import AccessFilter, access_log_statement
from saas.storage import tenant_files

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
    "file",
    "version",
)


def _cell(value: Any) -> str:
    """A CSV cell safe to open in a spreadsheet: formulas are neutralized."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@tenant_actor(max_retries=3)
async def export_drive_access(job: JobContext) -> dict[str, Any]:
    assert job.job_id is not None
    async with job.transaction() as db:
        row = await job_state(db, job.job_id)
        assert row is not None
        where = AccessFilter.from_params(row.params)
        base = access_log_statement(where)
        total = int(
            await db.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
        )
    await job.progress(0, total)

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    written, last = 0, None
    while True:
        async with job.transaction() as db:
            stmt = (
                select(
                    DriveAccess,
                    DriveFile.name,
                    DriveFileVersion.version_no,
                    ClientOrganization.name,
                )
                .join(DriveFile, DriveFile.id == DriveAccess.file_id)
                .join(DriveFileVersion, DriveFileVersion.id == DriveAccess.version_id)
                .join(ClientOrganization, ClientOrganization.id == DriveAccess.organization_id)
                .where(DriveAccess.id.in_(base.with_only_columns(DriveAccess.id).scalar_subquery()))
                .order_by(DriveAccess.id)
                .limit(BATCH)
            )
            if last is not None:
                stmt = stmt.where(DriveAccess.id > last)
            rows = list((await db.execute(stmt)).all())
        if not rows:
            break
        people = await _people({r[0].person_id for r in rows if r[0].person_id}, job)
        for entry, file_name, version_no, org_name in rows:
            email, name = people.get(entry.person_id, ("", ""))
            writer.writerow(
                [
                    entry.at.isoformat(),
                    entry.action,
                    _cell(email),
                    _cell(name),
                    entry.token_id or "",
                    entry.ip or "",
                    _cell(entry.user_agent),
                    _cell(org_name),
                    _cell(file_name),
                    version_no,
                ]
            )
        written += len(rows)
        last = rows[-1][0].id
        await job.progress(written, max(total, written))

    files = tenant_files(job.services, job.tenant)
    key = files.key("exports", "drive-access", f"{job.job_id}-{uuid.uuid4().hex}.csv")
    # UTF-8 with a BOM: spreadsheet programs then read Cyrillic names correctly.
    info = await files.put(key, ("\ufeff" + out.getvalue()).encode(), content_type="text/csv")
    return {"key": key, "rows": written, "size": info.size}


async def _people(ids: set[int], job: JobContext) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    async with shared_session(job.services.engine) as shared:
        rows = await shared.execute(
            select(Person.id, Person.email, Person.display_name).where(Person.id.in_(sorted(ids)))
        )
        return {pid: (email, name or "") for pid, email, name in rows}
