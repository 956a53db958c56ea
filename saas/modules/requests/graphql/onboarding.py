"""Onboarding a client organization to departments (service/onboarding.py):
`onboardClientOrganization` (requests:manage) creates a task for each department's head;
`onboardingTasks` lists the viewer's, `completeOnboardingTask` appoints the project manager
and names the project (the head, staff with `requests:write`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from saas.core.ids import IdRefused, gid, optional_pk_of, pk_of, pks_of, tenant_rows
from saas.core.people import PersonCardType
from saas.modules.clients.service import ClientsError
from saas.modules.requests.graphql.types import _card
from saas.modules.requests.models import OnboardingTask
from saas.modules.requests.policy import manages, staff_reads, staff_writes, viewer_of
from saas.modules.requests.service import onboarding
from saas.schema.context import Info
from saas.schema.errors import ConflictError, NotFoundError, ValidationError, error_result

tenant_rows("OnboardingTask")


@strawberry.type(
    name="OnboardingTask",
    description="A department head's task: appoint the project manager of an organization "
    "onboarded to the department and name the project.",
)
class OnboardingTaskType:
    row: strawberry.Private[OnboardingTask]
    names: strawberry.Private[tuple[str, str, str]]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return gid("OnboardingTask", self.row.id)

    @strawberry.field(description="The organization (type `ClientOrganization`).")
    def organization_id(self) -> strawberry.ID:
        return gid("ClientOrganization", self.row.organization_id)

    @strawberry.field(description="The organization's name.")
    def organization_name(self) -> str:
        return self.names[0]

    @strawberry.field(description="The department (type `Department`).")
    def department_id(self) -> strawberry.ID:
        return gid("Department", self.row.department_id)

    @strawberry.field(description="The department's name in the viewer's language.")
    def department_name(self, info: Info) -> str:
        return self.names[2] if info.context.language == "en" else self.names[1]

    @strawberry.field(
        description="Whether this is the main department: its manager becomes the "
        "organization's responsible manager; another's becomes a moderator."
    )
    def main(self) -> bool:
        return self.row.main

    @strawberry.field(description="Whether the head has done it.")
    def done(self) -> bool:
        return self.row.status == onboarding.DONE

    @strawberry.field
    def project_name(self) -> str | None:
        return self.row.project_name

    @strawberry.field
    async def head(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.row.head_person_id)

    @strawberry.field(description="The project manager appointed (null while open).")
    async def manager(self, info: Info) -> PersonCardType | None:
        return await _card(info, self.row.manager_person_id)

    @strawberry.field
    def created_at(self) -> datetime:
        return self.row.created_at

    @strawberry.field
    def completed_at(self) -> datetime | None:
        return self.row.completed_at


@strawberry.type(description="The tasks an onboarding created (or found open).")
class OnboardingTasksPayload:
    tasks: list[OnboardingTaskType]


async def _types(session: Any, rows: list[OnboardingTask]) -> list[OnboardingTaskType]:
    names = await onboarding.task_names(session, rows)
    return [OnboardingTaskType(row=r, names=names.get(r.id, ("", "", ""))) for r in rows]


OnboardingResult = Annotated[
    OnboardingTasksPayload | ValidationError | NotFoundError,
    strawberry.union("OnboardingResult"),
]
OnboardingTaskResult = Annotated[
    OnboardingTaskType | ValidationError | NotFoundError | ConflictError,
    strawberry.union("OnboardingTaskResult"),
]


@strawberry.type
class Query:
    @strawberry.field(
        description="The viewer's onboarding tasks as a department head: open first, then "
        "the newest. Staff with `requests:read`.",
        extensions=staff_reads(),
    )
    async def onboarding_tasks(self, info: Info) -> list[OnboardingTaskType]:
        actor = await viewer_of(info.context)
        rows = await onboarding.my_tasks(info.context.db, actor)
        return await _types(info.context.db, rows)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Onboard a client organization to departments: a task for each "
        "department's head to appoint the project manager of that direction. The main "
        "department (`mainDepartmentId`, else the first) gives the responsible manager, the "
        "others moderators. A department already waiting on its task keeps it. Staff with "
        "`requests:manage`.",
        extensions=manages(),
    )
    async def onboard_client_organization(
        self,
        info: Info,
        organization_id: strawberry.ID,
        department_ids: list[strawberry.ID],
        main_department_id: strawberry.ID | None = None,
    ) -> OnboardingResult:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            departments = await pks_of(ctx, "Department", department_ids, field="departmentIds")
            main = await optional_pk_of(
                ctx, "Department", main_department_id, field="mainDepartmentId"
            )
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                rows = await onboarding.onboard_organization(session, actor, org, departments, main)
                result = OnboardingTasksPayload(tasks=await _types(session, rows))
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result

    @strawberry.mutation(
        description="The head appoints the project manager (an active staff member) and "
        "names the project; the organization's responsible manager (main department) or a "
        "moderator is set. NotFoundError for a task not the viewer's, ConflictError "
        "ALREADY_DONE. Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def complete_onboarding_task(
        self, info: Info, task_id: strawberry.ID, manager_id: strawberry.ID, project_name: str
    ) -> OnboardingTaskResult:
        ctx = info.context
        try:
            task = await pk_of(ctx, "OnboardingTask", task_id, field="taskId")
            manager = await pk_of(ctx, "Staff", manager_id, field="managerId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await onboarding.complete_task(
                    session, ctx.shared, actor, task, manager, project_name
                )
                result = (await _types(session, [row]))[0]
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result
