"""GraphQL of client organizations and their contact persons: thin, the rules are in service.py.

Queries: `clientOrganizations` (Relay connection with search and filters), `clientOrganization`,
`viewerGrants`. Mutations: create / update / archive / restore an organization, set its
managers, invite a contact, set a contact's grants, appoint a client admin, deactivate.
Every read goes through the row scope of service.py; nested fields through the loaders.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.core.ids import (
    IdRefused,
    filter_pk,
    node_pks,
    optional_pk_of,
    pk_of,
    pks_of,
    resolved_by,
    tenant_rows,
)
from saas.modules.clients import service
from saas.modules.clients.loaders import (
    ContactMembershipLoader,
    ContactsByIdLoader,
    ContactsByOrganizationLoader,
    GrantsByContactLoader,
    ModeratorsByOrganizationLoader,
    OrganizationsByIdLoader,
    PeopleByIdLoader,
    PersonCard,
    ViewerGrantsLoader,
    actor_of,
)
from saas.modules.clients.models import ClientContact as ContactRow
from saas.modules.clients.models import ClientOrganization as OrganizationRow
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service import ClientsError, OrganizationChanges, OrganizationInput
from saas.modules.clients.validation import LegalForm, TaxRegime
from saas.rbac.enforcer import is_allowed
from saas.rbac.permissions import requires
from saas.schema.context import Info, viewer_language
from saas.schema.errors import ConflictError, NotFoundError, ValidationError, error_result
from saas.schema.relay import Connection, Keyset

# strawberry.enum registers the domain enums in place (the same classes are returned).
strawberry.enum(
    LegalForm,
    name="LegalForm",
    description="Legal form: OOO (ООО), AO (АО), PAO (ПАО) are legal entities with a 10-digit "
    "INN, KPP and OGRN; IP (ИП) and KFH (глава КФХ) are individuals with a 12-digit INN and "
    "OGRNIP, without KPP.",
)
strawberry.enum(
    TaxRegime,
    name="TaxRegime",
    description="Tax regime: OSNO (ОСНО), USN_INCOME (УСН «доходы»), USN_INCOME_EXPENSE "
    "(УСН «доходы минус расходы»), PATENT (ПСН), NPD (НПД), ESHN (ЕСХН).",
)
strawberry.enum(
    ClientModule,
    name="ClientModule",
    description="A part of the client cabinet a contact person can be granted, per organization.",
)


@strawberry.enum(name="ClientOrganizationStatus", description="Served now, or archived.")
class OrganizationStatus(Enum):
    ACTIVE = "active"
    ARCHIVED = "archived"


@strawberry.enum(name="ClientContactStatus", description="Whether the contact may use the cabinet.")
class ContactStatus(Enum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


# ------------------------------------------------------------------------------- ids


@resolved_by("ClientOrganization")
async def visible_organizations(ctx: Any, pks: list[int]) -> set[int]:
    """Organizations of the firm the caller may see (a client user: its granted ones)."""
    rows = await ctx.loader(OrganizationsByIdLoader).load_many(pks)
    return {row.id for row in rows if row is not None}


tenant_rows("ClientContact")


# ----------------------------------------------------------------------------- types


@strawberry.type(
    name="PersonCard", description="A person as shown in a client card: name and e-mail."
)
class PersonCardType:
    pk: strawberry.Private[int]
    email: str
    display_name: str = strawberry.field(description="May be empty until the person sets it.")

    @strawberry.field(description="Global id of the person (type `Person`).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("Person", str(self.pk))))

    @classmethod
    def of(cls, card: PersonCard) -> PersonCardType:
        return cls(pk=card.id, email=card.email, display_name=card.display_name)


async def _people(info: Info, ids: Iterable[int]) -> list[PersonCardType]:
    cards = await info.context.loader(PeopleByIdLoader).load_many(list(ids))
    return [PersonCardType.of(c) for c in cards if c is not None]


@strawberry.type(
    name="ClientOrganization", description="A company or sole proprietor the firm serves."
)
class ClientOrganizationType(relay.Node):
    id: relay.NodeID[int]
    name: str
    legal_form: LegalForm
    inn: str = strawberry.field(description="ИНН: 10 digits (legal entity) or 12 (individual).")
    kpp: str | None = strawberry.field(description="КПП; legal entities only.")
    ogrn: str = strawberry.field(description="ОГРН (13 digits) or ОГРНИП (15 digits).")
    tax_regime: TaxRegime
    status: OrganizationStatus
    enabled_modules: list[ClientModule] = strawberry.field(
        description="Modules the firm offers this organization; contacts' grants stay within them."
    )
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    manager_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: OrganizationRow) -> ClientOrganizationType:
        return cls(
            id=row.id,
            name=row.name,
            legal_form=LegalForm(row.legal_form),
            inn=row.inn,
            kpp=row.kpp,
            ogrn=row.ogrn,
            tax_regime=TaxRegime(row.tax_regime),
            status=OrganizationStatus(row.status),
            enabled_modules=[m for m in ClientModule if m.value in row.enabled_modules],
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
            manager_pk=row.responsible_manager_person_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ClientOrganizationType | None]:
        # `node(id:)` carries no permission of its own: the type's read permission applies.
        ids = list(node_ids)
        if not await is_allowed(info.context, "clients", "read"):
            return [None for _ in ids]
        keys = [pk or -1 for pk in node_pks(ids)]
        rows = await info.context.loader(OrganizationsByIdLoader).load_many(keys)
        return [cls.of(r) if r is not None else None for r in rows]

    @strawberry.field(description="The staff member responsible for this client.")
    async def responsible_manager(self, info: Info) -> PersonCardType | None:
        if self.manager_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.manager_pk)
        return PersonCardType.of(card) if card else None

    @strawberry.field(description="Staff co-managing this client besides the responsible manager.")
    async def moderators(self, info: Info) -> list[PersonCardType]:
        ids = await info.context.loader(ModeratorsByOrganizationLoader).load(self.id)
        return await _people(info, ids)

    @strawberry.field(
        description="Contact persons. Staff see all; a client admin the contacts of its "
        "organization; any other contact only itself."
    )
    async def contacts(
        self, info: Info, include_deactivated: bool = False
    ) -> list[ClientContactType]:
        rows = await info.context.loader(ContactsByOrganizationLoader).load(self.id)
        return [
            ClientContactType.of(r) for r in rows if include_deactivated or r.status == "active"
        ]

    @strawberry.field(
        description="Modules the viewer may use in this organization: every enabled module for "
        "firm staff, the effective grants for a contact person."
    )
    async def viewer_grants(self, info: Info) -> list[ClientModule]:
        return await _viewer_grants(info, self.id, self.enabled_modules)


async def _viewer_grants(
    info: Info, org_pk: int, enabled: Iterable[ClientModule]
) -> list[ClientModule]:
    if actor_of(info.context).staff:
        return sorted(enabled, key=lambda m: list(ClientModule).index(m))
    granted = await info.context.loader(ViewerGrantsLoader).load(org_pk)
    return [m for m in ClientModule if m.value in granted]


@strawberry.type(name="ClientContact", description="A person representing a client organization.")
class ClientContactType(relay.Node):
    id: relay.NodeID[int]
    status: ContactStatus
    is_client_admin: bool = strawberry.field(
        description="Manages the contacts of its organization, within the modules the firm enabled."
    )
    created_at: datetime
    deactivated_at: datetime | None
    organization_pk: strawberry.Private[int]
    person_pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: ContactRow) -> ClientContactType:
        return cls(
            id=row.id,
            status=ContactStatus(row.status),
            is_client_admin=row.is_client_admin,
            created_at=row.created_at,
            deactivated_at=row.deactivated_at,
            organization_pk=row.organization_id,
            person_pk=row.person_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ClientContactType | None]:
        ids = list(node_ids)
        if not await is_allowed(info.context, "clients", "read"):
            return [None for _ in ids]
        keys = [pk or -1 for pk in node_pks(ids)]
        rows = await info.context.loader(ContactsByIdLoader).load_many(keys)
        return [cls.of(r) if r is not None else None for r in rows]

    @strawberry.field
    async def person(self, info: Info) -> PersonCardType | None:
        card = await info.context.loader(PeopleByIdLoader).load(self.person_pk)
        return PersonCardType.of(card) if card else None

    @strawberry.field
    async def organization(self, info: Info) -> ClientOrganizationType | None:
        row = await info.context.loader(OrganizationsByIdLoader).load(self.organization_pk)
        return ClientOrganizationType.of(row) if row else None

    @strawberry.field(description="Modules granted to this contact in its organization.")
    async def grants(self, info: Info) -> list[ClientModule]:
        modules = await info.context.loader(GrantsByContactLoader).load(self.id)
        return [m for m in ClientModule if m.value in modules]

    @strawberry.field(
        description="False until the person accepts the invitation (or after deactivation)."
    )
    async def invitation_accepted(self, info: Info) -> bool:
        return bool(
            await info.context.loader(ContactMembershipLoader).load(
                (self.person_pk, self.organization_pk)
            )
        )


# ----------------------------------------------------------------------------- results

ClientOrganizationResult = Annotated[
    ClientOrganizationType | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ClientOrganizationResult"),
]
ClientOrganizationLookup = Annotated[
    ClientOrganizationType | NotFoundError, strawberry.union("ClientOrganizationLookup")
]
ClientContactResult = Annotated[
    ClientContactType | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ClientContactResult"),
]


def not_found_result(info: Info) -> NotFoundError:
    exc = service.not_found()
    return NotFoundError(code=exc.code, message=exc.message_in(viewer_language(info)))


# ------------------------------------------------------------------------------ inputs


@strawberry.input(description="A new client organization.")
class CreateClientOrganizationInput:
    name: str
    legal_form: LegalForm
    inn: str
    kpp: str | None = None
    ogrn: str = strawberry.field(description="ОГРН (legal entity) or ОГРНИП (individual).")
    tax_regime: TaxRegime
    responsible_manager_id: strawberry.ID | None = None
    moderator_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    enabled_modules: list[ClientModule] | None = strawberry.field(
        default=None, description="Default: every module."
    )


@strawberry.input(description="Changes to a client organization; omitted fields stay as they are.")
class UpdateClientOrganizationInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    legal_form: LegalForm | None = strawberry.UNSET
    inn: str | None = strawberry.UNSET
    kpp: str | None = strawberry.field(
        default=strawberry.UNSET, description='null or "" clears it.'
    )
    ogrn: str | None = strawberry.UNSET
    tax_regime: TaxRegime | None = strawberry.UNSET
    enabled_modules: list[ClientModule] | None = strawberry.UNSET


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET else value


# ------------------------------------------------------------------------------- query


@strawberry.type
class Query:
    @relay.connection(
        Connection[ClientOrganizationType],
        description="Client organizations, by name. Staff see the firm's; a client user only "
        "its own. `search` matches a part of the name or of the INN.",
        extensions=requires("clients", "read"),
    )
    def client_organizations(
        self,
        info: Info,
        search: str | None = None,
        status: OrganizationStatus | None = OrganizationStatus.ACTIVE,
        tax_regime: TaxRegime | None = None,
        responsible_manager_id: strawberry.ID | None = None,
    ) -> Iterable[ClientOrganizationType]:
        where = service.OrganizationFilter(
            search=search,
            status=status.value if status is not None else None,
            tax_regime=tax_regime.value if tax_regime is not None else None,
            # A filter of the firm's own rows: nobody else's person matches any.
            responsible_manager_id=None
            if responsible_manager_id is None
            else filter_pk(responsible_manager_id, "Person"),
        )
        statement = service.filtered_organizations(actor_of(info.context), where)
        return Keyset(  # type: ignore[return-value]
            statement,
            key=(OrganizationRow.name, OrganizationRow.id),
            node=ClientOrganizationType.of,
        )

    @strawberry.field(
        description="One client organization; NotFoundError when it does not exist or is not "
        "visible to the viewer.",
        extensions=requires("clients", "read"),
    )
    async def client_organization(self, info: Info, id: strawberry.ID) -> ClientOrganizationLookup:
        try:
            pk = await pk_of(info.context, "ClientOrganization", id, field="id")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        row = await info.context.loader(OrganizationsByIdLoader).load(pk)
        return ClientOrganizationType.of(row) if row else not_found_result(info)

    @strawberry.field(
        description="Modules the viewer may use in an organization (empty when it is not "
        "visible). Staff: every enabled module; a contact: its effective grants.",
        extensions=requires("clients", "read"),
    )
    async def viewer_grants(self, info: Info, organization_id: strawberry.ID) -> list[ClientModule]:
        try:
            pk = await pk_of(
                info.context, "ClientOrganization", organization_id, field="organizationId"
            )
        except IdRefused:
            return []  # documented: empty when the organization is not visible
        row = await info.context.loader(OrganizationsByIdLoader).load(pk)
        if row is None:
            return []
        return await _viewer_grants(info, row.id, [ClientModule(m) for m in row.enabled_modules])


# ---------------------------------------------------------------------------- mutation


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
        modules = _given(input.enabled_modules)
        changes = OrganizationChanges(
            name=_given(input.name),
            legal_form=_given(input.legal_form),
            inn=_given(input.inn),
            kpp=None if kpp is strawberry.UNSET else (kpp or ""),
            ogrn=_given(input.ogrn),
            tax_regime=_given(input.tax_regime),
            enabled_modules=[m.value for m in modules] if modules is not None else None,
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
        extensions=requires("clients", "write"),
    )
    async def archive_client_organization(
        self, info: Info, id: strawberry.ID
    ) -> ClientOrganizationResult:
        return await _set_status(info, id, "archived")

    @strawberry.mutation(
        description="Bring an archived client organization back.",
        extensions=requires("clients", "write"),
    )
    async def restore_client_organization(
        self, info: Info, id: strawberry.ID
    ) -> ClientOrganizationResult:
        return await _set_status(info, id, "active")

    @strawberry.mutation(
        description="Set the responsible manager (null: nobody) and, when `moderatorIds` is "
        "given, replace the moderators. Both must be active staff of the firm.",
        extensions=requires("clients", "write"),
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


async def _set_status(info: Info, id: strawberry.ID, status: str) -> ClientOrganizationResult:
    ctx = info.context
    try:
        pk = await pk_of(ctx, "ClientOrganization", id, field="id")
        async with ctx.unit_of_work() as session:
            row = await service.set_organization_status(session, actor_of(ctx), pk, status)
    except (ClientsError, IdRefused) as exc:
        return error_result(info, exc)
    return ClientOrganizationType.of(row)


TYPES = (ClientOrganizationType, ClientContactType)
