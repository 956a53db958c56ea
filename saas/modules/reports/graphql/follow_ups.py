"""Mutations of follow-ups: close one, reassign one (saas.modules.reports.service.follow_ups)."""

from __future__ import annotations

import strawberry

from saas.core.actor import actor_of
from saas.core.ids import IdRefused, pk_of
from saas.modules.reports.graphql.results import FollowUpChanged, ReportFollowUpResult
from saas.modules.reports.graphql.types import FollowUpType, ReportType
from saas.modules.reports.service.flow import ReportsError
from saas.modules.reports.service.follow_ups import (
    FollowUpChange,
    close_follow_up,
    reassign_follow_up,
)
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import error_result


def _changed(change: FollowUpChange) -> FollowUpChanged:
    return FollowUpChanged(
        follow_up=FollowUpType.of(change.follow_up), report=ReportType.of(change.report)
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Close an open follow-up of a report (the fix is done: the clarification "
        "was answered, the corrected filing went out). When it was the report's last open one, "
        "the report is no longer `beingFixed` and `reportStatusChanged` says so. Audited. "
        "NotFoundError when the follow-up is not visible (another firm's, a client's view); "
        "ConflictError FOLLOW_UP_CLOSED when it is already closed.",
        extensions=requires("reports", "write"),
    )
    async def close_report_follow_up(
        self, info: Info, follow_up_id: strawberry.ID
    ) -> ReportFollowUpResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ReportFollowUp", follow_up_id, field="followUpId")
            async with ctx.unit_of_work() as session:
                change = await close_follow_up(session, actor_of(ctx), pk, services=ctx.services)
        except (ReportsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return _changed(change)

    @strawberry.mutation(
        description="Hand an open follow-up to another active staff member of the firm (its "
        "manager). Audited. NotFoundError when the follow-up is not visible; ValidationError "
        "NOT_STAFF when the person is not active staff; ConflictError FOLLOW_UP_CLOSED when "
        "it is already closed.",
        extensions=requires("reports", "manage"),
    )
    async def reassign_report_follow_up(
        self, info: Info, follow_up_id: strawberry.ID, manager_id: strawberry.ID
    ) -> ReportFollowUpResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ReportFollowUp", follow_up_id, field="followUpId")
            manager = await pk_of(ctx, "Staff", manager_id, field="managerId")
            async with ctx.unit_of_work() as session:
                change = await reassign_follow_up(session, actor_of(ctx), pk, manager)
        except (ReportsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return _changed(change)
