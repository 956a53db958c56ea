"""The audit log's CSV export, a background job (`exportAuditLog` starts it,
`auditLogExport(id)` follows it and offers the file once done).

The file holds the entries matching the filter as the log was when the job started, newest
first like the list, in the columns of CSV_HEADER (docs/firm-admin.md explains them); action
names are worded in the language of the person who asked for the export.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select, tuple_

from saas.auth.models import ApiToken, Person
from saas.core.exports import CsvExport
from saas.db.core_models import AuditEntry
from saas.db.session import shared_session
from saas.jobs import JobContext, job_state, tenant_actor
from saas.modules.audit.labels import action_label, actor_words
from saas.modules.audit.service import API_TOKEN, OPERATOR, PERSON, ActorRef, AuditFilter
from saas.modules.audit.service import audit_log_statement as statement_of
from saas.storage import tenant_files

BATCH = 500
CSV_HEADER = (
    "time_utc",
    "actor",  # the subject as stored: person:<id>, token:<id>, operator:<how>, job:..., system
    "actor_name",  # the person's name, the token's name, or what the platform called itself
    "actor_email",
    "action",
    "action_label",
    "object_type",
    "object_id",
    "ip",
    "data",  # the entry's details as JSON
)


@tenant_actor(max_retries=3)
async def export_audit_log(job: JobContext) -> dict[str, Any]:
    assert job.job_id is not None
    async with job.transaction() as db:
        row = await job_state(db, job.job_id)
        assert row is not None
        params = row.params
        where = AuditFilter.from_params(params.get("filter") or {})
        base = statement_of(where)
        # The log as it is now: entries written while the file is made are not in it.
        newest = await db.scalar(select(func.max(AuditEntry.id)))
        base = base.where(AuditEntry.id <= (newest or 0))
        total = int(
            await db.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
        )
    await job.progress(0, total)
    language = params.get("language") or "ru"

    export = CsvExport(CSV_HEADER)
    last: tuple[Any, int] | None = None
    while True:
        stmt = base.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(BATCH)
        if last is not None:
            stmt = stmt.where(tuple_(AuditEntry.at, AuditEntry.id) < tuple_(*last))
        async with job.transaction() as db:
            entries = list((await db.execute(stmt)).scalars())
        if not entries:
            break
        names = await _actor_names(job, [ActorRef.of(e.actor) for e in entries])
        for entry in entries:
            name, email = names.get(entry.actor, ("", ""))
            export.add(
                [
                    entry.at.isoformat(),
                    entry.actor,
                    name or _platform_name(entry.actor, language),
                    email,
                    entry.action,
                    action_label(entry.action, language),
                    entry.object_type,
                    entry.object_id,
                    entry.ip,
                    json.dumps(entry.data or {}, ensure_ascii=False, sort_keys=True),
                ]
            )
        last = (entries[-1].at, entries[-1].id)
        await job.progress(export.rows, max(total, export.rows))

    files = tenant_files(job.services, job.tenant)
    return await export.store(files, "audit-log", f"{job.job_id}-{uuid.uuid4().hex}.csv")


def _platform_name(subject: str, language: str) -> str:
    kind = ActorRef.of(subject).kind
    if kind == OPERATOR:
        return actor_words("operator", language)
    if kind in (PERSON, API_TOKEN):
        return ""  # gone since: the subject column still names it
    return actor_words("system", language)


async def _actor_names(job: JobContext, refs: list[ActorRef]) -> dict[str, tuple[str, str]]:
    """subject -> (name, e-mail) of the people and this firm's tokens among `refs`."""
    people = sorted({r.number for r in refs if r.kind == PERSON and r.number})
    tokens = sorted({r.number for r in refs if r.kind == API_TOKEN and r.number})
    out: dict[str, tuple[str, str]] = {}
    if not (people or tokens):
        return out
    async with shared_session(job.services.engine) as shared:
        if people:
            rows = await shared.execute(
                select(Person.id, Person.email, Person.display_name).where(Person.id.in_(people))
            )
            out |= {f"person:{pk}": (name or email, email) for pk, email, name in rows}
        if tokens:
            rows = await shared.execute(
                select(ApiToken.id, ApiToken.name).where(
                    ApiToken.tenant_id == job.tenant.id, ApiToken.id.in_(tokens)
                )
            )
            out |= {f"token:{pk}": (name, "") for pk, name in rows}
    return out
