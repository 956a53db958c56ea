"""Time and amounts on a request (service/time.py): the performer's timer
(`startServiceRequestTimer`, `stopServiceRequestTimer`), time made by hand
(`recordServiceRequestTime`) and a per-piece service's quantity
(`setServiceRequestQuantity`). Staff with `requests:write`; the fields are on
`ServiceRequest` (`timeEntries`, `runningTimerStartedAt`, `timeMinutes`, `quantity`,
`amount`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import strawberry

from saas.core.actor import Actor
from saas.modules.requests.graphql.mutations import ServiceRequestResult, _transition
from saas.modules.requests.policy import staff_writes
from saas.modules.requests.service import time
from saas.schema.context import Info


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Start the viewer's timer on a request UNDER_REVIEW or ACCEPTED (one "
        "running per person and request: ConflictError TIMER_RUNNING). Staff with "
        "`requests:write`.",
        extensions=staff_writes(),
    )
    async def start_service_request_timer(
        self, info: Info, id: strawberry.ID
    ) -> ServiceRequestResult:
        async def act(session: Any, actor: Actor, pk: int) -> Any:
            return await time.start_timer(session, actor, pk, datetime.now(UTC))

        return await _transition(info, id, act)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Stop the viewer's running timer: it counts whole minutes (at least 1, at "
        "most 1440); none running: ConflictError NO_TIMER. Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def stop_service_request_timer(
        self, info: Info, id: strawberry.ID
    ) -> ServiceRequestResult:
        async def act(session: Any, actor: Actor, pk: int) -> Any:
            return await time.stop_timer(session, actor, pk, datetime.now(UTC))

        return await _transition(info, id, act)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Record time by hand on a request UNDER_REVIEW, ACCEPTED or DONE: 1 to "
        "1440 `minutes` on `workDate` (default the firm's today; not in the future), with an "
        "optional note. Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def record_service_request_time(
        self,
        info: Info,
        id: strawberry.ID,
        minutes: int,
        work_date: date | None = None,
        note: str | None = None,
    ) -> ServiceRequestResult:
        given = time.ManualTime(minutes=minutes, work_date=work_date, note=note or "")

        async def act(session: Any, actor: Actor, pk: int) -> Any:
            return await time.record_time(session, actor, pk, given)

        return await _transition(info, id, act)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="The pieces done of a per-piece service (1 to 10,000): the amount is the "
        "catalog price × the quantity. Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def set_service_request_quantity(
        self, info: Info, id: strawberry.ID, quantity: int
    ) -> ServiceRequestResult:
        async def act(session: Any, actor: Actor, pk: int) -> Any:
            return await time.set_quantity(session, actor, pk, quantity)

        return await _transition(info, id, act)  # type: ignore[no-any-return]
