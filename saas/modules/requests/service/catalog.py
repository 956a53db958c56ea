"""Catalog templates (packages: categories → groups → services) and each client
organization's own catalog, copied from a template and then edited for that client.

A service belongs to a template or to one organization (never both). A client sees only its
organization's catalog (scope.organizations_scope); a service waiting for a previous one
(`after_service_id`) names a service of the same template or catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.requests.models import RequestService, RequestTemplate
from saas.modules.requests.service.departments import check_name, get_department
from saas.modules.requests.service.errors import invalid, not_found
from saas.modules.requests.service.scope import scoped

MAX_DAYS = 366
MAX_TEXT = 10_000
MAX_ITEMS = 50
MAX_ITEM = 500
MAX_PRICE = Decimal("100000000")
SPEC_FIELDS = (
    "department_id",
    "category",
    "group_name",
    "name",
    "description",
    "planned_days",
    "hard_days",
    "file_required",
    "after_service_id",
    "checklist",
    "regulation_links",
    "responsible_role",
    "responsible_person_id",
    "price_kind",
    "price",
)


@dataclass
class ServiceSpec:
    """What a service says; None leaves a field as it is (an update) or empty (a new one).
    `set_fields` names the optional fields given explicitly (null clears them)."""

    category: str | None = None
    group_name: str | None = None
    name: str | None = None
    description: str | None = None
    planned_days: int | None = None
    hard_days: int | None = None
    file_required: bool | None = None
    checklist: list[str] | None = None
    regulation_links: list[str] | None = None
    responsible_role: str | None = None
    responsible_person_id: int | None = None
    department_id: int | None = None
    after_service_id: int | None = None
    price_kind: str | None = None
    price: Decimal | None = None
    set_fields: set[str] = field(default_factory=set)


def _items(values: list[str], name: str, *, links: bool = False) -> list[str]:
    items = [" ".join(v.split()) for v in values]
    if len(items) > MAX_ITEMS or any(not 1 <= len(i) <= MAX_ITEM for i in items):
        raise invalid(
            "BAD_ITEMS",
            f"Не больше {MAX_ITEMS} пунктов, каждый от 1 до {MAX_ITEM} символов.",
            f"At most {MAX_ITEMS} items of 1 to {MAX_ITEM} characters each.",
            name,
        )
    if links and any(not i.lower().startswith(("https://", "http://")) for i in items):
        raise invalid(
            "BAD_LINK",
            "Ссылка на регламент начинается с https://.",
            "A regulation link starts with https://.",
            name,
        )
    return items


def _check_days(service: RequestService) -> None:
    if not 0 <= service.planned_days <= MAX_DAYS:
        raise invalid(
            "BAD_DAYS",
            f"Плановый срок — от 0 до {MAX_DAYS} рабочих дней.",
            f"The planned deadline is 0 to {MAX_DAYS} business days.",
            "plannedDays",
        )
    if not service.planned_days <= service.hard_days <= MAX_DAYS:
        raise invalid(
            "BAD_DAYS",
            "Крайний срок — не меньше планового и не больше 366 рабочих дней.",
            "The hard deadline is at least the planned one and at most 366 business days.",
            "hardDays",
        )


def _check_price(service: RequestService) -> None:
    if service.price_kind is None:
        service.price = None
        return
    if service.price is None or not Decimal(0) <= service.price < MAX_PRICE:
        raise invalid(
            "BAD_PRICE",
            "Укажите цену от 0 до 100 000 000 ₽.",
            "Give a price from 0 to 100,000,000 RUB.",
            "price",
        )
    service.price = service.price.quantize(Decimal("0.01"))


def _apply_texts(service: RequestService, spec: ServiceSpec) -> None:
    for name in ("category", "group_name", "name"):
        value = getattr(spec, name)
        if value is not None:
            setattr(service, name, check_name(value, "groupName" if name == "group_name" else name))
    if spec.description is not None:
        if len(spec.description) > MAX_TEXT:
            raise invalid(
                "TOO_LONG",
                "Описание слишком длинное.",
                "The description is too long.",
                "description",
            )
        service.description = spec.description.strip()
    if spec.checklist is not None:
        service.checklist = _items(spec.checklist, "checklist")
    if spec.regulation_links is not None:
        service.regulation_links = _items(spec.regulation_links, "regulationLinks", links=True)


async def _apply(session: AsyncSession, service: RequestService, spec: ServiceSpec) -> None:
    """Set what `spec` gives and check the result before anything reaches the database (a
    refused change of a loaded row must not be flushed by the lookups)."""
    with session.no_autoflush:
        _apply_texts(service, spec)
        for name in ("planned_days", "hard_days", "file_required"):
            if getattr(spec, name) is not None:
                setattr(service, name, getattr(spec, name))
        optional = ("responsible_role", "responsible_person_id", "price_kind", "price")
        for name in (*optional, "department_id", "after_service_id"):
            if name in spec.set_fields or getattr(spec, name) is not None:
                setattr(service, name, getattr(spec, name))
        if service.responsible_role is not None:
            service.responsible_role = check_name(service.responsible_role, "responsibleRole")
        _check_days(service)
        _check_price(service)
        if service.department_id is not None:
            await get_department(session, service.department_id)
        await _check_after(session, service)


async def _check_after(session: AsyncSession, service: RequestService) -> None:
    if service.after_service_id is None:
        return
    previous = await session.get(RequestService, service.after_service_id)
    if (
        previous is None
        or previous.id == service.id
        or previous.template_id != service.template_id
        or previous.organization_id != service.organization_id
    ):
        raise invalid(
            "BAD_PREVIOUS",
            "Предыдущая услуга — из того же каталога.",
            "The previous service must be of the same catalog.",
            "afterServiceId",
        )


async def create_template(session: AsyncSession, actor: Actor, name: str) -> RequestTemplate:
    template = RequestTemplate(name=check_name(name, "name"))
    session.add(template)
    await session.flush()
    await audit(session, actor, "requests.template.create", "request_template", template.id)
    return template


async def templates(session: AsyncSession) -> list[RequestTemplate]:
    return list((await session.scalars(select(RequestTemplate).order_by(RequestTemplate.id))).all())


def services_statement(*, template_ids: list[int] | None = None) -> Any:
    stmt = select(RequestService).where(RequestService.archived.is_(False))
    if template_ids is not None:
        stmt = stmt.where(RequestService.template_id.in_(template_ids))
    return stmt.order_by(
        RequestService.category,
        RequestService.group_name,
        RequestService.position,
        RequestService.id,
    )


async def template_services(session: AsyncSession, template_ids: list[int]) -> list[RequestService]:
    """The services of these catalog templates (`services_statement`'s order)."""
    return list((await session.scalars(services_statement(template_ids=template_ids))).all())


async def organization_catalog(
    session: AsyncSession, actor: Actor, org_id: int
) -> list[RequestService]:
    """The organization's catalog as `actor` may see it (nothing for another's)."""
    stmt = scoped(
        services_statement().where(RequestService.organization_id == org_id),
        actor,
        RequestService.organization_id,
    )
    return list((await session.scalars(stmt)).all())


async def access_service(
    session: AsyncSession, actor: Actor, service_id: int, *, catalog_only: bool = False
) -> RequestService:
    """A service of a template (staff) or of an organization's catalog the actor sees."""
    service = await session.get(RequestService, service_id)
    if service is None or service.archived:
        raise not_found("service")
    if service.organization_id is None:
        if catalog_only or not actor.staff:
            raise not_found("service")
        return service
    stmt = scoped(
        select(RequestService.id).where(RequestService.id == service_id),
        actor,
        RequestService.organization_id,
    )
    if await session.scalar(stmt) is None:
        raise not_found("service")
    return service


async def add_service(
    session: AsyncSession,
    actor: Actor,
    *,
    template_id: int | None,
    org_id: int | None,
    spec: ServiceSpec,
) -> RequestService:
    if (template_id is None) == (org_id is None):
        raise invalid(
            "OWNER_REQUIRED",
            "Укажите шаблон или организацию (одно из двух).",
            "Give a template or an organization (one of the two).",
            "templateId",
        )
    if template_id is not None and await session.get(RequestTemplate, template_id) is None:
        raise not_found("template")
    missing = [
        n for n in ("category", "group_name", "name", "planned_days") if getattr(spec, n) is None
    ]
    if missing:
        raise invalid(
            "REQUIRED",
            "Укажите категорию, группу, название и плановый срок услуги.",
            "Give the service's category, group, name and planned deadline.",
            missing[0],
        )
    service = RequestService(
        template_id=template_id,
        organization_id=org_id,
        description="",
        hard_days=spec.hard_days if spec.hard_days is not None else spec.planned_days,
        file_required=False,
        checklist=[],
        regulation_links=[],
        position=0,
        archived=False,
    )
    await _apply(session, service, spec)
    session.add(service)
    await session.flush()
    await audit(
        session,
        actor,
        "requests.service.create",
        "request_service",
        service.id,
        organization=org_id,
        template=template_id,
    )
    return service


async def update_service(
    session: AsyncSession, actor: Actor, service_id: int, spec: ServiceSpec
) -> RequestService:
    service = await access_service(session, actor, service_id)
    await _apply(session, service, spec)
    await session.flush()
    await audit(
        session,
        actor,
        "requests.service.update",
        "request_service",
        service.id,
        organization=service.organization_id,
    )
    return service


async def remove_service(session: AsyncSession, actor: Actor, service_id: int) -> RequestService:
    """Take a service out of its catalog (kept for the requests already launched)."""
    service = await access_service(session, actor, service_id)
    service.archived = True
    await session.flush()
    await audit(
        session,
        actor,
        "requests.service.remove",
        "request_service",
        service.id,
        organization=service.organization_id,
    )
    return service


async def apply_template(
    session: AsyncSession, actor: Actor, template_id: int, org_id: int
) -> list[RequestService]:
    """Copy every service of a template into the organization's catalog (sequences kept
    inside the copy); what the catalog had stays."""
    if await session.get(RequestTemplate, template_id) is None:
        raise not_found("template")
    sources = list((await session.scalars(services_statement(template_ids=[template_id]))).all())
    copies: dict[int, RequestService] = {}
    for source in sources:
        copy = RequestService(
            organization_id=org_id,
            copied_from_id=source.id,
            archived=False,
            **{n: getattr(source, n) for n in SPEC_FIELDS if n != "after_service_id"},
            position=source.position,
        )
        session.add(copy)
        copies[source.id] = copy
    await session.flush()
    for source in sources:
        if source.after_service_id in copies:
            copies[source.id].after_service_id = copies[source.after_service_id].id
    await session.flush()
    await audit(
        session,
        actor,
        "requests.catalog.apply",
        "client_organization",
        org_id,
        template=template_id,
        services=len(copies),
    )
    return list(copies.values())
