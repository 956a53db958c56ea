"""Demo service requests (issue 14): the departments' heads, a catalog template «Бухгалтерское
сопровождение» in each demo firm, its copy in every demo client's catalog, and a few months
of requests in every status (one overdue, one rejected with its comment and the system's
entry, one waiting for the previous service). Idempotent: a firm with the template and an
organization with requests are left alone."""

from __future__ import annotations

import asyncio
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.calendar.business import BusinessCalendar
from saas.core.calendar.firm import calendar_of
from saas.db.session import tenant_transaction
from saas.demo_documents import DemoDrive
from saas.modules.requests.models import (
    ACCEPTED,
    CLIENT,
    DONE,
    NEW,
    REJECTED,
    STAFF,
    SYSTEM,
    UNDER_REVIEW,
    RequestDepartment,
    RequestService,
    RequestTemplate,
    ServiceRequest,
    ServiceRequestTime,
)
from saas.modules.requests.service.requests import REJECTED_ENTRY
from saas.modules.requests.service.sla import ASKED_ENTRY, hard_deadline_moment
from saas.modules.requests.service.thread import add_comment
from saas.services import Services
from saas.settings import Settings

TEMPLATE = "Бухгалтерское сопровождение"
# (department code, category, group, name, planned, hard, checklist, after: index or None)
SERVICES: tuple[tuple[str, str, str, str, int, int, tuple[str, ...], int | None], ...] = (
    (
        "accounting",
        "Бухгалтерия",
        "Отчётность",
        "Подготовить декларацию по УСН",
        5,
        10,
        ("Сверить банковскую выписку", "Проверить КУДиР"),
        None,
    ),
    (
        "accounting",
        "Бухгалтерия",
        "Отчётность",
        "Уточнённая декларация",
        3,
        5,
        ("Проверить расхождения",),
        0,
    ),
    (
        "accounting",
        "Бухгалтерия",
        "Первичные документы",
        "Выставить счёт контрагенту",
        1,
        2,
        (),
        None,
    ),
    (
        "hr",
        "Кадры",
        "Сотрудники",
        "Оформить приём сотрудника",
        2,
        3,
        ("Трудовой договор", "Приказ о приёме", "СЗВ-ТД"),
        None,
    ),
    ("hr", "Кадры", "Справки", "Справка о доходах (2-НДФЛ)", 1, 2, (), None),
    ("consulting", "Консалтинг", "Консультации", "Письменная консультация", 5, 10, (), None),
)
# (service index, days ago, status, days to the due date from the launch, what else: "ask"
# the performer waits for the client (SLA clock paused), "breached" past its hard deadline,
# "time" time recorded by the performer)
REQUESTS: tuple[tuple[int, int, str, int, str], ...] = (
    (0, 95, DONE, 6, "time"),
    (3, 80, DONE, 3, ""),
    (4, 60, REJECTED, 2, ""),
    (2, 40, DONE, 2, ""),
    (0, 20, ACCEPTED, 5, "time"),
    (1, 18, NEW, 4, ""),  # waits for the declaration above
    (5, 12, UNDER_REVIEW, 30, ""),
    (4, 9, ACCEPTED, 1, "breached"),  # overdue, past its hard deadline
    (5, 6, ACCEPTED, 20, "ask"),  # waits for the client's answer
    (3, 1, NEW, 10, ""),
)


async def _template(session: AsyncSession) -> list[RequestService]:
    found = await session.scalar(sa.select(RequestTemplate).where(RequestTemplate.name == TEMPLATE))
    if found is not None:
        stmt = sa.select(RequestService).where(RequestService.template_id == found.id)
        return list((await session.scalars(stmt.order_by(RequestService.id))).all())
    departments = {
        d.code: d.id for d in (await session.scalars(sa.select(RequestDepartment))).all()
    }
    template = RequestTemplate(name=TEMPLATE)
    session.add(template)
    await session.flush()
    services: list[RequestService] = []
    for position, (code, category, group, name, planned, hard, checklist, after) in enumerate(
        SERVICES
    ):
        service = RequestService(
            template_id=template.id,
            department_id=departments.get(code),
            category=category,
            group_name=group,
            name=name,
            description=f"{name}: подробности в комментарии",
            planned_days=planned,
            hard_days=hard,
            file_required=False,
            checklist=list(checklist),
            regulation_links=[],
            position=position,
            archived=False,
            after_service_id=services[after].id if after is not None else None,
        )
        session.add(service)
        await session.flush()
        services.append(service)
    return services


async def _catalog(
    session: AsyncSession, org_id: int, template: list[RequestService]
) -> list[RequestService]:
    copies: list[RequestService] = []
    by_source: dict[int, RequestService] = {}
    for source in template:
        copy = RequestService(
            organization_id=org_id,
            copied_from_id=source.id,
            department_id=source.department_id,
            category=source.category,
            group_name=source.group_name,
            name=source.name,
            description=source.description,
            planned_days=source.planned_days,
            hard_days=source.hard_days,
            file_required=source.file_required,
            checklist=list(source.checklist),
            regulation_links=[],
            position=source.position,
            archived=False,
            after_service_id=(
                by_source[source.after_service_id].id if source.after_service_id else None
            ),
        )
        session.add(copy)
        await session.flush()
        by_source[source.id] = copy
        copies.append(copy)
    return copies


def _request(
    calendar: BusinessCalendar,
    drive: DemoDrive,
    service: RequestService,
    days_ago: int,
    status: str,
    due_in: int,
) -> ServiceRequest:
    today = calendar.today()
    launched = calendar.add_business_days(today, -days_ago) if days_ago else today
    at = datetime.combine(launched, time(10), calendar.zone)
    due = calendar.add_business_days(launched, max(due_in, service.planned_days))
    done = status in (DONE, REJECTED)
    return ServiceRequest(
        organization_id=drive.organization_id,
        service_id=service.id,
        department_id=service.department_id,
        title=service.name,
        description=service.description,
        status=status,
        due_date=due,
        hard_due_date=max(due, calendar.add_business_days(launched, service.hard_days)),
        performer_person_id=drive.manager_id if status != NEW else None,
        checklist=[{"text": item, "done": status == DONE} for item in service.checklist],
        created_by=drive.contact_id,
        created_at=at,
        updated_at=at,
        reviewed_at=at if status != NEW else None,
        accepted_at=at if status in (ACCEPTED, DONE) else None,
        closed_at=datetime.combine(due, time(15), calendar.zone) if done else None,
    )


async def _seed(services: Services, drive: DemoDrive) -> None:
    tenant = await services.registry.by_id(drive.tenant_id)
    assert tenant is not None
    calendar = calendar_of(tenant)
    async with tenant_transaction(services.engine, tenant) as session:
        await session.execute(
            sa.update(RequestDepartment)
            .where(RequestDepartment.head_person_id.is_(None))
            .values(head_person_id=drive.manager_id)
        )
        template = await _template(session)
        launched = await session.scalar(
            sa.select(sa.func.count())
            .select_from(ServiceRequest)
            .where(ServiceRequest.organization_id == drive.organization_id)
        )
        if launched:
            return
        catalog = await _catalog(session, drive.organization_id, template)
        made: list[ServiceRequest] = []
        for index, days_ago, status, due_in, extra in REQUESTS:
            request = _request(calendar, drive, catalog[index], days_ago, status, due_in)
            previous = [r for r in made if r.service_id == catalog[index].after_service_id]
            if previous and previous[-1].status not in (DONE, REJECTED):
                request.after_request_id = previous[-1].id
                request.waiting = True
            session.add(request)
            await session.flush()
            made.append(request)
            if status == REJECTED:
                await add_comment(
                    session,
                    request,
                    STAFF,
                    drive.manager_id,
                    "Справка за этот год уже выдана, повторная не нужна.",
                )
                await add_comment(session, request, SYSTEM, None, REJECTED_ENTRY)
            elif status in (ACCEPTED, UNDER_REVIEW):
                await add_comment(
                    session, request, CLIENT, drive.contact_id, "Документы приложу до конца недели."
                )
            await _extra(session, calendar, drive, request, extra)


async def _extra(
    session: AsyncSession,
    calendar: BusinessCalendar,
    drive: DemoDrive,
    request: ServiceRequest,
    extra: str,
) -> None:
    """A request waiting for the client, one breached, time recorded (issue 14's SLA and
    time, as the board and the request show them)."""
    today = calendar.today()
    if extra == "ask":
        asked = calendar.add_business_days(today, -2)
        request.awaiting_client_since = datetime.combine(asked, time(11), calendar.zone)
        await add_comment(
            session,
            request,
            STAFF,
            drive.manager_id,
            "Пришлите, пожалуйста, договор с контрагентом: без него консультацию не подготовить.",
        )
        await add_comment(session, request, SYSTEM, None, ASKED_ENTRY)
    elif extra == "breached":
        request.breached_at = hard_deadline_moment(calendar, request.hard_due_date)
    elif extra == "time":
        worked = calendar.add_business_days(calendar.local_date(request.created_at), 1)
        session.add_all(
            [
                ServiceRequestTime(
                    request_id=request.id,
                    person_id=drive.manager_id,
                    work_date=worked,
                    minutes=90,
                    manual=True,
                    note="Сверка банковской выписки",
                ),
                ServiceRequestTime(
                    request_id=request.id,
                    person_id=drive.manager_id,
                    work_date=min(calendar.add_business_days(worked, 1), today),
                    minutes=45,
                    manual=True,
                    note="Проверка КУДиР",
                ),
            ]
        )
    await session.flush()


def seed_demo_requests(settings: Settings, database_url: str, drives: list[DemoDrive]) -> None:
    async def run() -> None:
        services = Services.build(settings, database_url)
        try:
            for drive in drives:
                await _seed(services, drive)
        finally:
            await services.engine.dispose()

    asyncio.run(run())
