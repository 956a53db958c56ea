"""Background jobs of the chat: the proof export of one notice (CSV through the core's
`CsvExport`, or PDF), and the periodic reminder of notices still waiting for an action.

The export holds what its submitter may see (`acting`: the organizations of a scoped staff
member); the file is stored in the tenant's storage and offered through a short-lived link
once done (`chatNoticeProofExport(id).downloadUrl`).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from saas.core.actor import Actor
from saas.core.calendar.firm import calendar_of
from saas.db.session import shared_session
from saas.jobs import JobContext, job_state, periodic, tenant_actor
from saas.modules.chat.service.proof import load_proof
from saas.modules.chat.service.proof_pdf import render_proof_pdf
from saas.modules.chat.service.reminders import reminder_days, send_due_reminders
from saas.storage import tenant_files

EXPORT_KIND = "export_chat_notice_proof"
PDF = "application/pdf"
CSV, PDF_FORMAT = "csv", "pdf"


def export_params(
    notice_id: int, file_format: str, language: str, acting: dict[str, Any]
) -> dict[str, Any]:
    return {"notice_id": notice_id, "format": file_format, "language": language, "acting": acting}


@tenant_actor(max_retries=3)
async def export_chat_notice_proof(job: JobContext) -> dict[str, Any]:
    """The proof of one notice as CSV or PDF, in the submitter's language."""
    assert job.job_id is not None
    async with job.transaction() as db:
        row = await job_state(db, job.job_id)
        assert row is not None
        params = row.params
        # The submitter held chat:read (the mutation's guard) over these organizations.
        actor = dataclasses.replace(
            Actor.of_job(job.tenant.id, job.job_id, params.get("acting")),
            permissions=frozenset({"chat:read"}),
        )
        async with shared_session(job.services.engine) as shared:
            proof = await load_proof(db, shared, actor, params.get("notice_id"), job.tenant.name)
    language = params.get("language") or "ru"
    files = tenant_files(job.services, job.tenant)
    name = f"{job.job_id}-{uuid.uuid4().hex}"
    if params.get("format") == PDF_FORMAT:
        body = render_proof_pdf(proof, language)
        key = files.key("exports", "chat-notice-proof", f"{name}.pdf")
        info = await files.put(key, body, content_type=PDF)
        return {"key": key, "rows": len(proof.rows), "size": info.size, "format": PDF_FORMAT}
    stored = await proof.csv(language).store(files, "chat-notice-proof", f"{name}.csv")
    return {**stored, "format": CSV}


@tenant_actor(max_retries=3)
async def remind_chat_notices(job: JobContext) -> dict[str, Any]:
    """One reminder for each notice whose recipients have not acted by its due business day
    (the firm's `chat_notice_reminder_days`, default 2). Cheap when nothing is due; a second
    run sends nothing more (each notice's `reminded_at` is claimed once)."""
    calendar = calendar_of(job.tenant)
    async with job.transaction() as db:
        return await send_due_reminders(db, calendar, reminder_days(job.tenant), datetime.now(UTC))


periodic(remind_chat_notices, every=lambda s: s.schedule.chat_notice_reminder_seconds)
