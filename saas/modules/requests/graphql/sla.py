"""The SLA part of the requests' API: the performer waits on the client
(`askServiceRequestClient`: the clock stops until the client comments or attaches a file).
The SLA's fields are on `ServiceRequest` (types.py): `sla`, `breachedAt`,
`awaitingClientSince`, `slaPausedDays`, `slaWarnedAt`, `slaBusinessHoursLeft`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry

from saas.core.actor import Actor
from saas.modules.requests.graphql.mutations import ServiceRequestResult, _transition
from saas.modules.requests.policy import staff_writes
from saas.modules.requests.service import requests
from saas.schema.context import Info


@strawberry.type
class Query:
    pass


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="The performer asks the client (`comment`, required, goes into the "
        "thread) and waits: the SLA clock stops (`sla` AWAITING_CLIENT, "
        "`awaitingClientSince`) until the client comments or attaches a file; then the "
        "planned and hard deadlines move by the business days it stood still. From "
        "UNDER_REVIEW or ACCEPTED; asking again while waiting: ConflictError "
        "ALREADY_AWAITING. Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def ask_service_request_client(
        self, info: Info, id: strawberry.ID, comment: str
    ) -> ServiceRequestResult:
        async def act(session: Any, actor: Actor, pk: int) -> Any:
            return await requests.ask_client_request(
                session, actor, pk, comment, now=datetime.now(UTC)
            )

        return await _transition(info, id, act)  # type: ignore[no-any-return]
