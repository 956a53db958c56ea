"""The one status of every background job the API shows (drive access exports, report
imports, and every job type to come): `JobStatus` in the schema, the job row's `status`
column (`queued`, `running`, `done`, `failed`) as its value."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(name="JobStatus", description="Where a background job stands.")
class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
