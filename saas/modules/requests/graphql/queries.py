"""Queries of the requests: departments, catalog templates, an organization's catalog,
requests (a client's own, staff's by organization, department, status), one request, and
the department board (overdue first: one statement for the page, performers in one more)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, cast

import strawberry
from strawberry import relay

from saas.core.calendar.firm import calendar_of
from saas.core.ids import IdRefused, filter_pk, pk_of
from saas.modules.clients.service import ClientsError
from saas.modules.requests.graphql.types import (
    CatalogServiceType,
    DepartmentType,
    ServiceCatalogTemplateType,
    ServiceRequestStatus,
    ServiceRequestType,
)
from saas.modules.requests.models import RequestService
from saas.modules.requests.policy import READ_NOTE, reads_requests, staff_reads, viewer_of
from saas.modules.requests.service.board import (
    board,
    board_ordered,
    request_row,
    requests_ordered,
    requests_page,
)
from saas.modules.requests.service.catalog import (
    organization_catalog,
    template_services,
    templates,
)
from saas.modules.requests.service.departments import departments
from saas.modules.requests.service.errors import not_found
from saas.schema.context import Info
from saas.schema.errors import NotFoundError, ValidationError, error_result
from saas.schema.relay import Connection, Keyset


def _node(row: Any) -> ServiceRequestType:
    return ServiceRequestType.of(row[0], row.organization_name)


ServiceRequestLookup = Annotated[
    ServiceRequestType | NotFoundError | ValidationError,
    strawberry.union("ServiceRequestLookup"),
]


@strawberry.type
class Query:
    @strawberry.field(
        description="The firm's departments (seeded: HR, Accounting, Consulting). "
        "Requires `requests:read`.",
        extensions=staff_reads(),
    )
    async def request_departments(self, info: Info) -> list[DepartmentType]:
        return [DepartmentType.of(d) for d in await departments(info.context.db)]

    @strawberry.field(
        description="The firm's catalog templates (packages) with their services. "
        "Requires `requests:read`.",
        extensions=staff_reads(),
    )
    async def service_catalog_templates(self, info: Info) -> list[ServiceCatalogTemplateType]:
        db = info.context.db
        rows = await templates(db)
        services = await template_services(db, [t.id for t in rows])
        by_template: dict[int, list[RequestService]] = {}
        for s in services:
            by_template.setdefault(s.template_id or 0, []).append(s)
        return [ServiceCatalogTemplateType.of(t, by_template.get(t.id, [])) for t in rows]

    @strawberry.field(
        description="An organization's own service catalog (categories, groups, services in "
        f"that order); empty for an organization the viewer does not see. {READ_NOTE}",
        extensions=reads_requests(),
    )
    async def service_catalog(
        self, info: Info, organization_id: strawberry.ID
    ) -> list[CatalogServiceType]:
        ctx = info.context
        try:
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
        except IdRefused:
            return []
        actor = await viewer_of(ctx)
        return [CatalogServiceType.of(s) for s in await organization_catalog(ctx.db, actor, org)]

    @strawberry.field(
        description="Requests the viewer sees, newest first, as a plain list of the first "
        f"`first` (at most 200); page with `serviceRequestsConnection`. {READ_NOTE}",
        extensions=reads_requests(),
        deprecation_reason="Use serviceRequestsConnection: the same list, paged by cursors.",
    )
    async def service_requests(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        department_id: strawberry.ID | None = None,
        status: ServiceRequestStatus | None = None,
        first: int = 50,
    ) -> list[ServiceRequestType]:
        ctx = info.context
        actor = await viewer_of(ctx)
        rows = await requests_page(
            ctx.db,
            actor,
            first,
            organization_id=(
                filter_pk(organization_id, "ClientOrganization") if organization_id else None
            ),
            department_id=filter_pk(department_id, "Department") if department_id else None,
            statuses=[cast(str, status.value)] if status else None,
        )
        return [_node(r) for r in rows]

    @relay.connection(
        Connection[ServiceRequestType],  # type: ignore[type-var]
        description="Requests the viewer sees, newest first, paged by cursors: a client its "
        "organizations' (granting 'requests'), staff those of the organizations they see. "
        f"Filters: one organization, one department, one status. {READ_NOTE}",
        extensions=reads_requests(),
    )
    async def service_requests_connection(
        self,
        info: Info,
        organization_id: strawberry.ID | None = None,
        department_id: strawberry.ID | None = None,
        status: ServiceRequestStatus | None = None,
    ) -> Iterable[ServiceRequestType]:
        actor = await viewer_of(info.context)
        stmt, key = requests_ordered(
            actor,
            # Filters of the firm's own rows: a foreign or malformed id matches nothing.
            organization_id=(
                filter_pk(organization_id, "ClientOrganization") if organization_id else None
            ),
            department_id=filter_pk(department_id, "Department") if department_id else None,
            statuses=[cast(str, status.value)] if status else None,
        )
        return Keyset(  # type: ignore[return-value,type-var]
            stmt, key=key, node=_node, descending=True, entities=False
        )

    @strawberry.field(
        description=f"One request with its thread. {READ_NOTE}", extensions=reads_requests()
    )
    async def service_request(self, info: Info, id: strawberry.ID) -> ServiceRequestLookup:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ServiceRequest", id, field="id")
            actor = await viewer_of(ctx)
            row = await request_row(ctx.db, actor, pk)
            if row is None:
                raise not_found()
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return _node(row)

    @strawberry.field(
        description="The board: open requests of a department and/or a performer (type "
        "`Person`) in the organizations the viewer sees, overdue first, then by due date, "
        "with their SLA state; the first `first` (at most 200): page with "
        "`serviceRequestBoardConnection`. Requires `requests:read`.",
        extensions=staff_reads(),
        deprecation_reason="Use serviceRequestBoardConnection: the same board, paged by cursors.",
    )
    async def service_request_board(
        self,
        info: Info,
        department_id: strawberry.ID | None = None,
        performer_id: strawberry.ID | None = None,
        first: int = 50,
    ) -> list[ServiceRequestType]:
        ctx = info.context
        actor = await viewer_of(ctx)
        rows = await board(
            ctx.db,
            actor,
            calendar_of(ctx.tenant).today(),
            first,
            department_id=filter_pk(department_id, "Department") if department_id else None,
            performer_id=filter_pk(performer_id, "Person") if performer_id else None,
        )
        return [_node(r) for r in rows]

    @relay.connection(
        Connection[ServiceRequestType],  # type: ignore[type-var]
        description="The board paged by cursors: open requests of a department and/or a "
        "performer (type `Person`) in the organizations the viewer sees, overdue first (as of "
        "today in the firm's time zone), then by due date, with their SLA state. "
        "Requires `requests:read`.",
        extensions=staff_reads(),
    )
    async def service_request_board_connection(
        self,
        info: Info,
        department_id: strawberry.ID | None = None,
        performer_id: strawberry.ID | None = None,
    ) -> Iterable[ServiceRequestType]:
        ctx = info.context
        stmt, key = board_ordered(
            await viewer_of(ctx),
            calendar_of(ctx.tenant).today(),
            department_id=filter_pk(department_id, "Department") if department_id else None,
            performer_id=filter_pk(performer_id, "Person") if performer_id else None,
        )
        return Keyset(stmt, key=key, node=_node, entities=False)  # type: ignore[return-value,type-var]
