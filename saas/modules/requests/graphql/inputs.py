"""Inputs of the requests' mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from saas.modules.requests.graphql.types import ServicePriceKind


@strawberry.input(name="DepartmentInput", description="A department's names and head.")
class DepartmentInput:
    name_ru: str | None = None
    name_en: str | None = None
    head_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="An active staff member (type `Person`); null: no head.",
    )


@strawberry.input(
    name="CatalogServiceInput",
    description="What a service says; an omitted field stays as it is (a new service needs "
    "category, groupName, name and plannedDays).",
)
class CatalogServiceInput:
    category: str | None = None
    group_name: str | None = None
    name: str | None = None
    description: str | None = None
    planned_days: int | None = strawberry.field(
        default=None, description="The planned deadline in business days (0..366)."
    )
    hard_days: int | None = strawberry.field(
        default=None,
        description="The hard deadline in business days (at least the planned one; default it).",
    )
    file_required: bool | None = None
    checklist: list[str] | None = None
    regulation_links: list[str] | None = strawberry.field(
        default=None, description="https:// links to the regulations."
    )
    responsible_role: str | None = strawberry.UNSET
    responsible_person_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="An active staff member (type `Person`)."
    )
    department_id: strawberry.ID | None = strawberry.UNSET
    after_service_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The service (same template or catalog) whose result this one waits for.",
    )
    price_kind: ServicePriceKind | None = strawberry.UNSET
    price: Decimal | None = strawberry.UNSET


@strawberry.input(
    name="ServiceRequestFileInput",
    description="A new file (base64, at most the firm's upload limit), filed in the "
    "organization's documents: a client's in «Данные от клиента» / \"From client\".",
)
class ServiceRequestFileInput:
    filename: str
    content_base64: str


@strawberry.input(name="LaunchServiceRequestInput", description="A service launched.")
class LaunchServiceRequestInput:
    service_id: strawberry.ID = strawberry.field(
        description="A service of the organization's catalog (type `CatalogService`)."
    )
    due_date: date = strawberry.field(
        description="When it is wanted: not earlier than the regulation allows "
        "(DeadlineTooShortError gives the earliest date)."
    )
    description: str | None = strawberry.field(
        default=None, description="The description; the service's template when omitted."
    )
    file_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Files already in the organization's documents."
    )
    files: list[ServiceRequestFileInput] | None = None
    sequence: bool = strawberry.field(
        default=False,
        description="Launch the package's sequence: every service of the catalog that waits "
        "for this one (and those waiting for them) is launched too, each waiting for its "
        "previous request (`waiting`, `afterRequestId`), its deadlines counted from the "
        "previous one's due date; each starts when the previous one is done.",
    )
