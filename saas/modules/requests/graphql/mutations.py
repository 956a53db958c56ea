"""Mutations of the requests: departments, templates and catalogs (`requests:manage`), a
client's launch and edit, the performer's review / accept / reject / checklist / done, and
comments and files of both sides."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from saas.core.actor import Actor, actor_with
from saas.core.ids import IdRefused, optional_pk_of, pk_of, pks_of
from saas.modules.clients.service import ClientsError
from saas.modules.documents.policy import DRIVE_PERMISSIONS, max_upload_bytes
from saas.modules.requests.graphql.inputs import (
    CatalogServiceInput,
    DepartmentInput,
    LaunchServiceRequestInput,
    ServiceRequestFileInput,
)
from saas.modules.requests.graphql.types import (
    CatalogServiceType,
    DeadlineTooShortError,
    DepartmentType,
    ServiceCatalogTemplateType,
    ServiceRequestCommentType,
    ServiceRequestType,
)
from saas.modules.requests.policy import (
    MANAGE_NOTE,
    REQUESTS_PERMISSIONS,
    WRITE_NOTE,
    manages,
    staff_writes,
    viewer_of,
    writes_requests,
)
from saas.modules.requests.service import catalog, departments, requests, sequences
from saas.modules.requests.service.board import request_row
from saas.modules.requests.service.catalog import ServiceSpec
from saas.modules.requests.service.files import Attachments, NewFile, Storage, attach_files
from saas.schema.context import Info
from saas.schema.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    StorageUnavailableError,
    ValidationError,
    error_result,
)
from saas.storage import tenant_files
from saas.storage.stored import removed_on_failure

DepartmentResult = Annotated[
    DepartmentType | ValidationError | NotFoundError, strawberry.union("DepartmentResult")
]
ServiceCatalogTemplateResult = Annotated[
    ServiceCatalogTemplateType | ValidationError,
    strawberry.union("ServiceCatalogTemplateResult"),
]
CatalogServiceResult = Annotated[
    CatalogServiceType | ValidationError | NotFoundError,
    strawberry.union("CatalogServiceResult"),
]


@strawberry.type(name="ServiceCatalog", description="An organization's catalog.")
class ServiceCatalogType:
    organization_id: strawberry.ID
    services: list[CatalogServiceType]


ServiceCatalogResult = Annotated[
    ServiceCatalogType | ValidationError | NotFoundError,
    strawberry.union("ServiceCatalogResult"),
]
ServiceRequestResult = Annotated[
    ServiceRequestType
    | DeadlineTooShortError
    | ValidationError
    | NotFoundError
    | ForbiddenError
    | ConflictError
    | StorageUnavailableError,
    strawberry.union("ServiceRequestResult"),
]
ServiceRequestCommentResult = Annotated[
    ServiceRequestCommentType | ValidationError | NotFoundError,
    strawberry.union("ServiceRequestCommentResult"),
]


def _now() -> datetime:
    return datetime.now().astimezone()


async def _request(info: Info, pk: int, actor: Actor) -> ServiceRequestType:
    row = await request_row(info.context.db, actor, pk)
    assert row is not None  # just written or accessed in the actor's scope
    return ServiceRequestType.of(row[0], row.organization_name)


async def _spec(info: Info, given: CatalogServiceInput) -> ServiceSpec:
    ctx = info.context
    spec = ServiceSpec(
        category=given.category,
        group_name=given.group_name,
        name=given.name,
        description=given.description,
        planned_days=given.planned_days,
        hard_days=given.hard_days,
        file_required=given.file_required,
        checklist=given.checklist,
        regulation_links=given.regulation_links,
    )
    ids = (
        ("responsible_person_id", "Staff", given.responsible_person_id, "responsiblePersonId"),
        ("department_id", "Department", given.department_id, "departmentId"),
        ("after_service_id", "CatalogService", given.after_service_id, "afterServiceId"),
    )
    for name, kind, value, field in ids:
        if value is not strawberry.UNSET:
            setattr(spec, name, await optional_pk_of(ctx, kind, value, field=field))
            spec.set_fields.add(name)
    for name in ("responsible_role", "price", "price_kind"):
        value = getattr(given, name)
        if value is not strawberry.UNSET:
            setattr(spec, name, value.value if name == "price_kind" and value else value)
            spec.set_fields.add(name)
    return spec


async def _transition(info: Info, id: strawberry.ID, act: Any, *args: Any) -> Any:
    ctx = info.context
    try:
        pk = await pk_of(ctx, "ServiceRequest", id, field="id")
        actor = await viewer_of(ctx)
        async with ctx.unit_of_work() as session:
            await act(session, actor, pk, *args)
        return await _request(info, pk, actor)
    except (ClientsError, IdRefused) as exc:
        return error_result(info, exc)


def _attachments(file_ids: list[int], files: list[ServiceRequestFileInput] | None) -> Attachments:
    return Attachments(
        file_ids=file_ids,
        uploads=[NewFile(f.filename, f.content_base64) for f in files or []],
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a department (no `id`: both names) or change one: names, head "
        f"(an active staff member). {MANAGE_NOTE}",
        extensions=manages(),
    )
    async def save_department(
        self, info: Info, input: DepartmentInput, id: strawberry.ID | None = None
    ) -> DepartmentResult:
        ctx = info.context
        try:
            pk = await optional_pk_of(ctx, "Department", id, field="id")
            head = None
            if input.head_id is not strawberry.UNSET:
                head = await optional_pk_of(ctx, "Staff", input.head_id, field="headId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await departments.save_department(
                    session,
                    actor,
                    pk,
                    name_ru=input.name_ru,
                    name_en=input.name_en,
                    head_person_id=head,
                    set_head=input.head_id is not strawberry.UNSET,
                )
                result = DepartmentType.of(row)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result

    @strawberry.mutation(
        description=f"A new catalog template (package). {MANAGE_NOTE}", extensions=manages()
    )
    async def create_service_catalog_template(
        self, info: Info, name: str
    ) -> ServiceCatalogTemplateResult:
        ctx = info.context
        try:
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await catalog.create_template(session, actor, name)
                result = ServiceCatalogTemplateType.of(row, [])
        except ClientsError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result

    @strawberry.mutation(
        description="Add a service to a template (`templateId`) or to an organization's own "
        f"catalog (`organizationId`): one of the two. {MANAGE_NOTE}",
        extensions=manages(),
    )
    async def add_catalog_service(
        self,
        info: Info,
        input: CatalogServiceInput,
        template_id: strawberry.ID | None = None,
        organization_id: strawberry.ID | None = None,
    ) -> CatalogServiceResult:
        ctx = info.context
        try:
            template = await optional_pk_of(
                ctx, "ServiceCatalogTemplate", template_id, field="templateId"
            )
            org = await optional_pk_of(
                ctx, "ClientOrganization", organization_id, field="organizationId"
            )
            spec = await _spec(info, input)
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await catalog.add_service(
                    session, actor, template_id=template, org_id=org, spec=spec
                )
                result = CatalogServiceType.of(row)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result

    @strawberry.mutation(
        description="Change a service of a template or of a client's catalog (responsible "
        f"people, deadlines, checklist...). {MANAGE_NOTE}",
        extensions=manages(),
    )
    async def update_catalog_service(
        self, info: Info, service_id: strawberry.ID, input: CatalogServiceInput
    ) -> CatalogServiceResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "CatalogService", service_id, field="serviceId")
            spec = await _spec(info, input)
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await catalog.update_service(session, actor, pk, spec)
                result = CatalogServiceType.of(row)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result

    @strawberry.mutation(
        description="Take a service out of its template or catalog (requests already "
        f"launched keep it). {MANAGE_NOTE}",
        extensions=manages(),
    )
    async def remove_catalog_service(
        self, info: Info, service_id: strawberry.ID
    ) -> CatalogServiceResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "CatalogService", service_id, field="serviceId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await catalog.remove_service(session, actor, pk)
                result = CatalogServiceType.of(row)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result

    @strawberry.mutation(
        description="Copy a template's services into an organization's own catalog (then "
        f"edit it for that client). {MANAGE_NOTE}",
        extensions=manages(),
    )
    async def apply_service_catalog_template(
        self, info: Info, template_id: strawberry.ID, organization_id: strawberry.ID
    ) -> ServiceCatalogResult:
        ctx = info.context
        try:
            template = await pk_of(ctx, "ServiceCatalogTemplate", template_id, field="templateId")
            org = await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                await catalog.apply_template(session, actor, template, org)
                rows = await catalog.organization_catalog(session, actor, org)
                result = ServiceCatalogType(
                    organization_id=organization_id,
                    services=[CatalogServiceType.of(r) for r in rows],
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result

    @strawberry.mutation(
        description="Launch a service of the organization's catalog: the description (the "
        "service's template when omitted), the due date (not earlier than the regulation's "
        "planned deadline in business days: DeadlineTooShortError with the earliest date), "
        f'files («Данные от клиента» / "From client"). {WRITE_NOTE}',
        extensions=writes_requests(),
    )
    async def launch_service_request(
        self, info: Info, input: LaunchServiceRequestInput
    ) -> ServiceRequestResult:
        ctx = info.context
        try:
            service = await pk_of(ctx, "CatalogService", input.service_id, field="serviceId")
            file_ids = await pks_of(ctx, "DriveFile", input.file_ids or [], field="fileIds")
            actor = await actor_with(ctx, *REQUESTS_PERMISSIONS, *DRIVE_PERMISSIONS)
            attachments = _attachments(file_ids, input.files)
            files = tenant_files(ctx.services, ctx.tenant)
            async with removed_on_failure(files) as stored:
                async with ctx.unit_of_work() as session:
                    row = await requests.launch_request(
                        session,
                        actor,
                        requests.Launch(service, input.due_date, input.description),
                        now=_now(),
                        files=len(attachments),
                    )
                    if attachments:
                        storage = Storage(files, stored, max_upload_bytes(ctx.tenant))
                        await attach_files(session, actor, row, attachments, storage)
                    if input.sequence:
                        await sequences.launch_followers(session, actor, row, now=_now())
                    pk = row.id
            return await _request(info, pk, actor)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Change a request while it is NEW (description, due date: the same "
        "regulation check); once a performer opened it, ConflictError EDIT_LOCKED: comment or "
        f"attach files instead. There is no way to delete a request. {WRITE_NOTE}",
        extensions=writes_requests(),
    )
    async def edit_service_request(
        self,
        info: Info,
        id: strawberry.ID,
        description: str | None = None,
        due_date: date | None = None,
    ) -> ServiceRequestResult:
        async def act(session: Any, actor: Actor, pk: int) -> Any:
            return await requests.edit_request(
                session, actor, pk, description=description, due_date=due_date, now=_now()
            )

        return await _transition(info, id, act)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Open a NEW request for review («На рассмотрении»): the client can no "
        "longer edit it. Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def review_service_request(self, info: Info, id: strawberry.ID) -> ServiceRequestResult:
        return await _transition(info, id, requests.review_request)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="«Принять в работу»: the performer agrees to the terms and the due date "
        "(from UNDER_REVIEW; a request waiting for the previous one: WAITING_FOR_PREVIOUS). "
        "Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def accept_service_request(self, info: Info, id: strawberry.ID) -> ServiceRequestResult:
        return await _transition(info, id, requests.accept_request)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="«Отклонить»: ends a NEW or UNDER_REVIEW request; the comment (required) "
        "goes into its thread and the system adds «Задача отклонена исполнителем». Staff with "
        "`requests:write`.",
        extensions=staff_writes(),
    )
    async def reject_service_request(
        self, info: Info, id: strawberry.ID, comment: str
    ) -> ServiceRequestResult:
        return await _transition(info, id, requests.reject_request, comment)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Tick (or untick) a checklist item (0-based `index`) of a request under "
        "review or accepted. Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def tick_service_request_checklist(
        self, info: Info, id: strawberry.ID, index: int, done: bool = True
    ) -> ServiceRequestResult:
        return await _transition(info, id, requests.tick_checklist, index, done)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Done: an ACCEPTED request whose checklist is all ticked, or with a "
        "`reason`; requests waiting for it start. Staff with `requests:write`.",
        extensions=staff_writes(),
    )
    async def complete_service_request(
        self, info: Info, id: strawberry.ID, reason: str | None = None
    ) -> ServiceRequestResult:
        async def act(session: Any, actor: Actor, pk: int) -> Any:
            return await requests.complete_request(session, actor, pk, reason, now=_now())

        return await _transition(info, id, act)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description=f"A comment in the request's thread, in any status. {WRITE_NOTE}",
        extensions=writes_requests(),
    )
    async def comment_service_request(
        self, info: Info, id: strawberry.ID, body: str
    ) -> ServiceRequestCommentResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ServiceRequest", id, field="id")
            actor = await viewer_of(ctx)
            async with ctx.unit_of_work() as session:
                row = await requests.comment_request(session, actor, pk, body)
                result = ServiceRequestCommentType.of(row)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        return result

    @strawberry.mutation(
        description="Attach files to a request in any status (documents of the organization, "
        'or new files filed in «Данные от клиента» / "From client" for a client). '
        f"{WRITE_NOTE}",
        extensions=writes_requests(),
    )
    async def attach_service_request_files(
        self,
        info: Info,
        id: strawberry.ID,
        file_ids: list[strawberry.ID] | None = None,
        files: list[ServiceRequestFileInput] | None = None,
    ) -> ServiceRequestResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ServiceRequest", id, field="id")
            ids = await pks_of(ctx, "DriveFile", file_ids or [], field="fileIds")
            actor = await actor_with(ctx, *REQUESTS_PERMISSIONS, *DRIVE_PERMISSIONS)
            store = tenant_files(ctx.services, ctx.tenant)
            async with removed_on_failure(store) as stored:
                async with ctx.unit_of_work() as session:
                    row = await requests.access_request(session, actor, pk)
                    storage = Storage(store, stored, max_upload_bytes(ctx.tenant))
                    await attach_files(session, actor, row, _attachments(ids, files), storage)
            return await _request(info, pk, actor)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
