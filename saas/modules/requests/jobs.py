"""Background jobs of the service requests: the periodic watch of the SLA (one warning to
the performer and the project manager one business day before the hard deadline, breaches
marked; service/sla.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from saas.core.calendar.firm import calendar_of
from saas.jobs import JobContext, periodic, tenant_actor
from saas.modules.requests.service.sla import watch_deadlines


@tenant_actor(max_retries=3)
async def watch_request_deadlines(job: JobContext) -> dict[str, Any]:
    """Warn and mark breaches at the firm's now. Cheap when nothing is due (an index on the
    open requests' hard dates); a second run sends nothing more (each warning and breach is
    claimed once)."""
    calendar = calendar_of(job.tenant)
    async with job.transaction() as db:
        return await watch_deadlines(db, calendar, datetime.now(UTC))


periodic(watch_request_deadlines, every=lambda s: s.schedule.request_deadline_watch_seconds)
