"""The tenant's `jobs` table: one row with a status and progress for every long task.

    queued  -> running -> done
               running -> queued   (an attempt failed; dramatiq retries it after a backoff)
               running -> failed   (retries exhausted, or an error that is never retried)

Each helper works on the caller's tenant-bound session and does not commit; JobContext in
saas.jobs.actors commits every progress report on its own, so the cabinet sees it at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.db.core_models import Job

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)
MAX_ERROR_CHARS = 2000


class JobNotFound(LookupError):
    """The job id does not exist in the bound tenant's schema (never retried)."""


def describe_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text[:MAX_ERROR_CHARS]


async def create_job(
    db: AsyncSession,
    kind: str,
    *,
    params: dict[str, Any] | None = None,
    created_by: int | None = None,
    total: int = 0,
) -> int:
    """A queued job row in the bound tenant's schema; returns its id (flushed, not committed)."""
    job_id = await db.scalar(
        insert(Job)
        .values(
            kind=kind,
            status=QUEUED,
            params=params or {},
            result={},
            total=total,
            done=0,
            created_by=created_by,
        )
        .returning(Job.id)
    )
    return int(job_id)  # type: ignore[arg-type]


async def _update(db: AsyncSession, job_id: int, *conditions: Any, **values: Any) -> bool:
    result = await db.execute(
        update(Job).where(Job.id == job_id, *conditions).values(**values).returning(Job.id)
    )
    return result.scalar_one_or_none() is not None


async def start_job(db: AsyncSession, job_id: int) -> None:
    """Mark a job running (again, on a retry); refuses a job that is already done."""
    if not await _update(db, job_id, Job.status.in_((QUEUED, RUNNING, FAILED)), status=RUNNING):
        status = await db.scalar(select(Job.status).where(Job.id == job_id))
        if status is None:
            raise JobNotFound(f"no job {job_id} in this tenant")
        raise JobNotFound(f"job {job_id} is already {status}")


async def report_progress(
    db: AsyncSession, job_id: int, done: int, total: int | None = None
) -> None:
    values: dict[str, Any] = {"done": done}
    if total is not None:
        values["total"] = total
    await _update(db, job_id, **values)


async def finish_job(db: AsyncSession, job_id: int, result: dict[str, Any] | None = None) -> None:
    """Done: progress completed (done = max(done, total)) and the result stored."""
    await _update(
        db,
        job_id,
        Job.status != DONE,
        status=DONE,
        result=result or {},
        error=None,
        done=func.greatest(Job.done, Job.total),
    )


async def requeue_job(db: AsyncSession, job_id: int, error: str) -> None:
    """An attempt failed and will be retried: back to queued, with the last error kept."""
    await _update(db, job_id, Job.status == RUNNING, status=QUEUED, error=error)


async def fail_job(db: AsyncSession, job_id: int, error: str) -> None:
    await _update(db, job_id, Job.status != DONE, status=FAILED, error=error[:MAX_ERROR_CHARS])


async def job_state(db: AsyncSession, job_id: int) -> Job | None:
    return await db.get(Job, job_id)
