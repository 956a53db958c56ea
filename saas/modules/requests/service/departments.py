"""The firm's departments (seeded by the migration: HR / Кадры, Accounting / Бухгалтерия,
Consulting / Консалтинг), renamed and added by the firm; each has a head, an active staff
member (the caller resolves the id through `saas.core.ids`, kind `Staff`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.requests.models import RequestDepartment
from saas.modules.requests.service.errors import invalid, not_found

MAX_NAME = 200


def check_name(value: str, field: str) -> str:
    name = " ".join(value.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise invalid(
            "BAD_NAME",
            f"Название — от 1 до {MAX_NAME} символов.",
            f"A name has 1 to {MAX_NAME} characters.",
            field,
        )
    return name


async def departments(session: AsyncSession) -> list[RequestDepartment]:
    stmt = select(RequestDepartment).order_by(RequestDepartment.position, RequestDepartment.id)
    return list((await session.scalars(stmt)).all())


async def get_department(session: AsyncSession, department_id: int) -> RequestDepartment:
    found = await session.get(RequestDepartment, department_id)
    if found is None:
        raise not_found("department")
    return found


async def save_department(
    session: AsyncSession,
    actor: Actor,
    department_id: int | None,
    *,
    name_ru: str | None,
    name_en: str | None,
    head_person_id: int | None,
    set_head: bool,
) -> RequestDepartment:
    """Create (no id: both names required) or change a department."""
    if department_id is None:
        if name_ru is None or name_en is None:
            raise invalid(
                "NAME_REQUIRED",
                "Укажите название отдела на русском и английском.",
                "Give the department's name in Russian and English.",
                "nameRu" if name_ru is None else "nameEn",
            )
        last = await session.scalar(select(func.max(RequestDepartment.position)))
        department = RequestDepartment(
            name_ru=check_name(name_ru, "nameRu"),
            name_en=check_name(name_en, "nameEn"),
            position=(last or 0) + 1,
            head_person_id=head_person_id,
        )
        session.add(department)
        await session.flush()
        await audit(session, actor, "requests.department.create", "department", department.id)
        return department
    department = await get_department(session, department_id)
    if name_ru is not None:
        department.name_ru = check_name(name_ru, "nameRu")
    if name_en is not None:
        department.name_en = check_name(name_en, "nameEn")
    if set_head:
        department.head_person_id = head_person_id
    await session.flush()
    await audit(
        session,
        actor,
        "requests.department.update",
        "department",
        department.id,
        head=department.head_person_id,
    )
    return department
