"""Onboarding a client organization to departments (issue 14): a task for each department's
head, who appoints the project manager of that direction and names the project. With several
departments the main one's manager becomes the organization's responsible manager, the
others its moderators (through the clients service's `set_managers`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.clients.models import ClientOrganization, ClientOrgModerator
from saas.modules.clients.service import access_organization, set_managers
from saas.modules.requests.models import OnboardingTask, RequestDepartment
from saas.modules.requests.service.departments import get_department
from saas.modules.requests.service.errors import RequestsError, conflict, invalid

OPEN, DONE = "open", "done"
MAX_PROJECT = 200


def task_not_found() -> RequestsError:
    return RequestsError(
        "not_found",
        "NOT_FOUND",
        "Задача подключения не найдена или не ваша.",
        "Onboarding task not found or not yours.",
    )


async def onboard_organization(
    session: AsyncSession,
    actor: Actor,
    org_id: int,
    department_ids: Sequence[int],
    main_department_id: int | None,
) -> list[OnboardingTask]:
    """A task for the head of each department (the main one: `main_department_id`, else the
    first). An organization already waiting on a department's task keeps that task."""
    org = await access_organization(session, actor, org_id)
    wanted = list(dict.fromkeys(department_ids))
    if not wanted:
        raise invalid(
            "DEPARTMENTS_REQUIRED",
            "Выберите хотя бы один отдел.",
            "Choose at least one department.",
            "departmentIds",
        )
    main = main_department_id if main_department_id is not None else wanted[0]
    if main not in wanted:
        raise invalid(
            "MAIN_NOT_CHOSEN",
            "Главный отдел должен быть среди выбранных.",
            "The main department must be one of those chosen.",
            "mainDepartmentId",
        )
    tasks: list[OnboardingTask] = []
    for department_id in wanted:
        department = await get_department(session, department_id)
        task = await session.scalar(
            select(OnboardingTask).where(
                OnboardingTask.organization_id == org.id,
                OnboardingTask.department_id == department.id,
                OnboardingTask.status == OPEN,
            )
        )
        if task is None:
            task = OnboardingTask(
                organization_id=org.id,
                department_id=department.id,
                head_person_id=department.head_person_id,
                main=department.id == main,
                status=OPEN,
                created_by=actor.person_id,
            )
            session.add(task)
            await session.flush()
            await audit(
                session,
                actor,
                "requests.onboarding.create",
                "onboarding_task",
                task.id,
                organization=org.id,
                department=department.id,
                head=department.head_person_id,
                main=task.main,
            )
        tasks.append(task)
    return tasks


async def my_tasks(session: AsyncSession, actor: Actor) -> list[OnboardingTask]:
    """The tasks of the department head `actor`: open first, then the newest."""
    if actor.person_id is None:
        return []
    stmt = (
        select(OnboardingTask)
        .where(OnboardingTask.head_person_id == actor.person_id)
        .order_by(case((OnboardingTask.status == OPEN, 0), else_=1), OnboardingTask.id.desc())
        .limit(200)
    )
    return list((await session.scalars(stmt)).all())


async def complete_task(
    session: AsyncSession,
    shared: AsyncSession,
    actor: Actor,
    task_id: int,
    manager_id: int,
    project_name: str,
) -> OnboardingTask:
    """The head appoints the project manager (an active staff member, checked by the id's
    kind) and names the project: the main department's manager becomes the organization's
    responsible manager, another department's a moderator."""
    task = await session.get(OnboardingTask, task_id, with_for_update=True)
    if task is None or actor.person_id is None or task.head_person_id != actor.person_id:
        raise task_not_found()
    if task.status != OPEN:
        raise conflict("ALREADY_DONE", "Задача уже выполнена.", "The task is already done.")
    name = project_name.strip()
    if not name or len(name) > MAX_PROJECT:
        raise invalid(
            "PROJECT_NAME",
            "Назовите проект (до 200 символов).",
            "Name the project (up to 200 characters).",
            "projectName",
        )
    task.status = DONE
    task.manager_person_id = manager_id
    task.project_name = name
    task.completed_at = datetime.now(UTC)
    await session.flush()
    # The assignment is the task's effect, decided here: applied as the platform, since a
    # head need not see the organization before its team is set.
    system = Actor.system(actor.tenant_id, "job:onboarding")
    org = await access_organization(session, system, task.organization_id)
    if task.main:
        await set_managers(session, shared, system, org.id, manager_id, None)
    else:
        current = (
            await session.scalars(
                select(ClientOrgModerator.person_id).where(
                    ClientOrgModerator.organization_id == org.id
                )
            )
        ).all()
        moderators = sorted({*current, manager_id} - {org.responsible_manager_person_id})
        await set_managers(
            session, shared, system, org.id, org.responsible_manager_person_id, moderators
        )
    await audit(
        session,
        actor,
        "requests.onboarding.done",
        "onboarding_task",
        task.id,
        organization=task.organization_id,
        manager=manager_id,
        project=name,
        main=task.main,
    )
    return task


async def task_names(
    session: AsyncSession, tasks: Sequence[OnboardingTask]
) -> dict[int, tuple[str, str, str]]:
    """task id -> (organization name, department name ru, en), one statement."""
    if not tasks:
        return {}
    rows = await session.execute(
        select(
            OnboardingTask.id,
            ClientOrganization.name,
            RequestDepartment.name_ru,
            RequestDepartment.name_en,
        )
        .join(ClientOrganization, ClientOrganization.id == OnboardingTask.organization_id)
        .join(RequestDepartment, RequestDepartment.id == OnboardingTask.department_id)
        .where(OnboardingTask.id.in_([t.id for t in tasks]))
    )
    return {i: (o, ru, en) for i, o, ru, en in rows}
