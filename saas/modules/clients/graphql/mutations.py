"""Mutations: create / update / archive / restore an organization, set its managers, invite a
contact, set a contact's grants, appoint a client admin, deactivate. Thin: the service decides.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from saas.core.actor import actor_of
from saas.core.ids import (
    IdRefused,
    optional_pk_of,
    pk_of,
    pks_of,
)
from saas.core.people import PeopleByIdLoader, PersonCardType
from saas.modules.clients import service
from saas.modules.clients.graphql.inputs import (
    CreateClientOrganizationInput,
    UpdateClientOrganizationInput,
    given,
)
from saas.modules.clients.graphql.types import (
    ClientContactResult,
    ClientContactType,
    ClientOrganizationResult,
    ClientOrganizationType,
)
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service import (
    UNSET_EMPLOYER,
    ClientsError,
    ContactCard,
    OrganizationChanges,
    OrganizationInput,
)
from saas.rbac.permissions import requires, requires_any
from saas.schema.context import Info, viewer_language
from saas.schema.errors import NotFoundError, ValidationError, error_result

ContactCardResult = Annotated[
    PersonCardType | ValidationError | NotFoundError, strawberry.union("ContactCardResult")
]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Onboard a client organization. INN, KPP and OGRN/OGRNIP are checked "
        "(length, check digits, consistency with the legal form).",
        extensions=requires("clients", "write"),
    )
    async def create_client_organization(
        self, info: Info, input: CreateClientOrganizationInput
    ) -> ClientOrganizationResult:
        ctx = info.context
        try:
            data = OrganizationInput(
                name=input.name,
                legal_form=input.legal_form,
                inn=input.inn,
                kpp=input.kpp,
                ogrn=input.ogrn,
                tax_regime=input.tax_regime,
                responsible_manager_id=await optional_pk_of(
                    ctx, "Staff", input.responsible_manager_id, field="responsibleManagerId"
                ),
                moderator_ids=await pks_of(ctx, "Staff", input.moderator_ids, field="moderatorIds"),
                enabled_modules=(
                    [m.value for m in input.enabled_modules]
                    if input.enabled_modules is not None
                    else None
                ),
                has_employees=input.has_employees,
            )
            async with ctx.unit_of_work() as session:
                row = await service.create_organization(session, ctx.shared, actor_of(ctx), data)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        return ClientOrganizationType.of(row)

    @strawberry.mutation(
        description="Edit a client organization; the numbers are checked again as a whole.",
        extensions=requires("clients", "write"),
    )
    async def update_client_organization(
        self, info: Info, input: UpdateClientOrganizationInput
    ) -> ClientOrganizationResult:
        ctx = info.context
        kpp = input.kpp
        modules = given(input.enabled_modules)
        changes = OrganizationChanges(
            name=given(input.name),
            legal_form=given(input.legal_form),
            inn=given(input.inn),
            kpp=None if kpp is strawberry.UNSET else (kpp or ""),
            ogrn=given(input.ogrn),
            tax_regime=given(input.tax_regime),
            enabled_modules=[m.value for m in modules] if modules is not None else None,
            has_employees=(
                UNSET_EMPLOYER if input.has_employees is strawberry.UNSET else input.has_employees
            ),
        )
        try:
            pk = await pk_of(ctx, "ClientOrganization", input.id, field="id")
            async with ctx.unit_of_work() as session:
                row = await service.update_organization(session, actor_of(ctx), pk, changes)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        return ClientOrganizationType.of(row)

    @strawberry.mutation(
        description="Archive a client organization: its contacts no longer see it.",
        extensions=requires("clients", "manage"),
    )
    async def archive_client_organization(
        self, info: Info, id: strawberry.ID
    ) -> ClientOrganizationResult:
        return await _set_status(info, id, "archived")

    @strawberry.mutation(
        description="Bring an archived client organization back.",
        extensions=requires("clients", "manage"),
    )
    async def restore_client_organization(
        self, info: Info, id: strawberry.ID
    ) -> ClientOrganizationResult:
        return await _set_status(info, id, "active")

    @strawberry.mutation(
        description="Set the responsible manager (null: nobody) and, when `moderatorIds` is "
        "given, replace the moderators. Both must be active staff of the firm.",
        extensions=requires("clients", "manage"),
    )
    async def set_client_organization_managers(
        self,
        info: Info,
        id: strawberry.ID,
        responsible_manager_id: strawberry.ID | None = None,
        moderator_ids: list[strawberry.ID] | None = None,
    ) -> ClientOrganizationResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ClientOrganization", id, field="id")
            manager = await optional_pk_of(
                ctx, "Staff", responsible_manager_id, field="responsibleManagerId"
            )
            moderators = (
                await pks_of(ctx, "Staff", moderator_ids, field="moderatorIds")
                if moderator_ids is not None
                else None
            )
            async with ctx.unit_of_work() as session:
                row = await service.set_managers(
                    session, ctx.shared, actor_of(ctx), pk, manager, moderators
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        return ClientOrganizationType.of(row)

    @strawberry.mutation(
        description="Invite a contact person by e-mail (an expiring, single-use link) with its "
        "grants. A client admin invites into its own organization only, never as client admin.",
        extensions=requires("client_contacts", "manage"),
    )
    async def invite_contact(
        self,
        info: Info,
        organization_id: strawberry.ID,
        email: str,
        grants: list[ClientModule] | None = None,
        is_client_admin: bool = False,
    ) -> ClientContactResult:
        ctx = info.context
        try:
            invited = await service.invite_contact(
                ctx,
                actor_of(ctx),
                await pk_of(ctx, "ClientOrganization", organization_id, field="organizationId"),
                email,
                [g.value for g in grants or ()],
                is_client_admin,
                send_invitation=service.invitation_sender(ctx, viewer_language(info)),
                language=viewer_language(info),
            )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        return ClientContactType.of(invited.contact)

    @strawberry.mutation(
        description="Replace the modules a contact may use in its organization; only modules "
        "the firm enabled for that organization.",
        extensions=requires("client_contacts", "manage"),
    )
    async def set_contact_grants(
        self,
        info: Info,
        contact_id: strawberry.ID,
        grants: list[ClientModule],
    ) -> ClientContactResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ClientContact", contact_id, field="contactId")
            async with ctx.unit_of_work() as session:
                row = await service.set_contact_grants(
                    session, actor_of(ctx), pk, [g.value for g in grants]
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        return ClientContactType.of(row)

    @strawberry.mutation(
        description="Firm staff: make a contact the client admin of its organization, or not.",
        extensions=requires("clients", "write"),
    )
    async def set_contact_client_admin(
        self, info: Info, contact_id: strawberry.ID, is_client_admin: bool
    ) -> ClientContactResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ClientContact", contact_id, field="contactId")
            row = await service.set_contact_client_admin(ctx, actor_of(ctx), pk, is_client_admin)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        return ClientContactType.of(row)

    @strawberry.mutation(
        description="Deactivate a contact: its access to the organization ends and every session "
        "and API token of that person in this cabinet is revoked at once.",
        extensions=requires("client_contacts", "manage"),
    )
    async def deactivate_contact(
        self, info: Info, contact_id: strawberry.ID
    ) -> ClientContactResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "ClientContact", contact_id, field="contactId")
            row = await service.deactivate_contact(ctx, actor_of(ctx), pk)
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        return ClientContactType.of(row)

    @strawberry.mutation(
        description="The firm's own contact card for a person of the firm (staff or a client "
        "contact): a label (position), a phone and an internal note (staff only). Shown only "
        "inside this firm; the person's own display name is not changed.",
        extensions=requires_any(("members", "manage"), ("clients", "manage")),
    )
    async def set_contact_card(
        self, info: Info, person_id: strawberry.ID, label: str, phone: str, note: str = ""
    ) -> ContactCardResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "Person", person_id, field="personId")
            async with ctx.unit_of_work(shared=True) as s:
                await service.set_contact_card(
                    s, ctx.tenant, actor_of(ctx), pk, ContactCard(label, phone, note)
                )
        except (ClientsError, IdRefused) as exc:
            return error_result(info, exc)
        card = await ctx.loader(PeopleByIdLoader).load(pk)
        assert card is not None
        return PersonCardType.of(card)


async def _set_status(info: Info, id: strawberry.ID, status: str) -> ClientOrganizationResult:
    ctx = info.context
    try:
        pk = await pk_of(ctx, "ClientOrganization", id, field="id")
        async with ctx.unit_of_work() as session:
            row = await service.set_organization_status(session, actor_of(ctx), pk, status)
    except (ClientsError, IdRefused) as exc:
        return error_result(info, exc)
    return ClientOrganizationType.of(row)
